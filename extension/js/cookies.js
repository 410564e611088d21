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

/** {name: digest of its value} of the cookies among `names` (the partner's tracking cookies). */
export function digestsOf(cookies, names) {
  return digestsBy(cookies, names, (cookie) => cookie.value);
}

/**
 * {name: digest of its value and expiry} of the cookies among `names`: a
 * cookie set again, even to the value it had, has a new expiry, so this
 * tells a cookie set by the click's redirect from one left from before it.
 */
export function fingerprintsOf(cookies, names) {
  return digestsBy(cookies, names, (cookie) => `${cookie.value}\n${cookie.expirationDate ?? "session"}`);
}

async function digestsBy(cookies, names, text) {
  const wanted = new Set(Array.isArray(names) ? names : []);
  const digests = {};
  for (const cookie of cookies) {
    if (wanted.has(cookie.name)) {
      const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text(cookie)));
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
