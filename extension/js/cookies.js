/*
 * A partner store's cookies as the tracking checks need them: which exist
 * (names only), what the tracking cookies hold (as digests, so a session
 * never keeps an affiliate's cookie value), and clearing them all when the
 * shopper asks for it. Only partner stores' cookies are ever read here.
 */
import { webext } from "./webext.js";

const inStore = (storeId) => (storeId === null || storeId === undefined ? {} : { storeId });

/** The cookies a request to `url` would carry, from the tab's cookie store; [] if unreadable. */
export function forUrl(url, storeId) {
  return webext.cookies.getAll({ url, ...inStore(storeId) }).catch(() => []);
}

/** Their names as the companion takes them. */
export { cookieNames as namesOf } from "../lib/tracking.js";

/** {name: digest} of the cookies among `names` (the partner's tracking cookies). */
export async function digestsOf(cookies, names) {
  const wanted = new Set(Array.isArray(names) ? names : []);
  const digests = {};
  for (const cookie of cookies) {
    if (wanted.has(cookie.name)) {
      const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(cookie.value));
      digests[cookie.name] = Array.from(new Uint8Array(bytes).slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
    }
  }
  return digests;
}

/**
 * Removes every cookie of the store's `domains` (and their subdomains) from
 * the cookie store: the cart and the login go with them. Only on the
 * shopper's click (js/fixes.js).
 */
export async function clearDomains(domains, storeId) {
  for (const domain of domains) {
    for (const cookie of await webext.cookies.getAll({ domain, ...inStore(storeId) })) {
      const host = cookie.domain.replace(/^\./, "");
      await webext.cookies.remove({
        url: `http${cookie.secure ? "s" : ""}://${host}${cookie.path}`,
        name: cookie.name,
        ...inStore(cookie.storeId),
      });
    }
  }
}
