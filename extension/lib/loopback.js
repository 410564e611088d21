/*
 * The companion's address as the shopper types it. It must be a loopback
 * HTTP origin: the token goes with every request, and the companion only ever
 * listens on this machine.
 */

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** "http://127.0.0.1:47615/" → "http://127.0.0.1:47615"; anything else → null. */
export function companionOrigin(text) {
  let url;
  try {
    url = new URL(String(text).trim());
  } catch {
    return null;
  }
  const bare = url.username === "" && url.password === "" && url.search === "" && url.hash === "";
  if (url.protocol !== "http:" || !LOOPBACK_HOSTS.has(url.hostname) || !bare || url.pathname !== "/") {
    return null;
  }
  return url.origin;
}
