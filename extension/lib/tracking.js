/*
 * Whether the program's click was registered by the store, from the hints
 * the partner index gives (`tracking.cookies`, `tracking.params`). The
 * companion applies the same rule to the landing event; the extension applies
 * it too so the badge and popup can say so at once, companion or not.
 */

export const TRACKING = Object.freeze({
  UNKNOWN: "unknown",
  TRACKED: "tracked",
  AT_RISK: "at_risk",
});

/**
 * Which of the parameter names appear in the query of any of `urls` (the
 * store's own URLs of the redirect chain: a store that strips the affiliate
 * parameter with a redirect of its own still saw it).
 */
export function paramsPresent(urls, names) {
  if (!Array.isArray(names)) {
    return [];
  }
  const seen = new Set();
  for (const url of urls) {
    try {
      for (const key of new URL(url).searchParams.keys()) {
        seen.add(key);
      }
    } catch {
      // Not a URL: it has no parameters.
    }
  }
  return names.filter((name) => typeof name === "string" && seen.has(name));
}

/** Which of the cookie names are among `cookies` (as the cookies API gives them). */
export function cookiesPresent(cookies, names) {
  if (!Array.isArray(names)) {
    return [];
  }
  const seen = new Set(cookies.map((cookie) => cookie.name));
  return names.filter((name) => typeof name === "string" && seen.has(name));
}

// What a session remembers of the store's cookies from before the click:
// their names only, as many as the companion takes.
export const COOKIE_NAMES_MAX = 200;
export const COOKIE_NAME_CHARS = 256;

/**
 * The names of `cookies`, deduplicated and capped as the companion takes
 * them. A cookie set as `document.cookie = "x"` has an empty name: it is no
 * cart or login cookie, and the companion refuses an empty name, which
 * would cost the whole session its checks.
 */
export function cookieNames(cookies) {
  const names = cookies.map((cookie) => cookie.name.slice(0, COOKIE_NAME_CHARS)).filter((name) => name !== "");
  return [...new Set(names)].slice(0, COOKIE_NAMES_MAX);
}

/**
 * Which of the tracking cookies `present` (names) were set since the click:
 * those whose fingerprint in `now` ({name: fingerprint of value and expiry})
 * differs from the one taken at the click (`before`), or that were not there
 * then. A cookie the redirect left as it was is an earlier click's, perhaps
 * another affiliate's, and no sign that this click was registered. A cookie
 * without a fingerprint counts as set.
 */
export function setSince(present, before, now) {
  const earlier = before ?? {};
  return present.filter((name) => now?.[name] === undefined || earlier[name] !== now[name]);
}

/** Tracked when any hint was seen, else at risk: the companion's rule. */
export function trackingState(cookieNames, paramNames) {
  return cookieNames.length + paramNames.length > 0 ? TRACKING.TRACKED : TRACKING.AT_RISK;
}
