/*
 * A URL as it is recorded in an event: without its fragment, which never
 * reaches a server and may hold a single-page app's private state, and no
 * longer than any server would take.
 */

export const MAX_URL_LENGTH = 2048;

export function recordableUrl(url) {
  let text = String(url);
  try {
    const parsed = new URL(text);
    parsed.hash = "";
    text = parsed.href;
  } catch {
    // Not a URL: recorded as given, capped like any other.
  }
  return text.slice(0, MAX_URL_LENGTH);
}
