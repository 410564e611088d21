/*
 * Signs, after the landing, that another affiliate's click replaced the
 * shopper's: the store entered again through a redirect on another host, the
 * partner's tracking parameter with another value, the tracking cookie
 * changed. Pure functions over URLs and cookie digests; js/overwrites.js
 * feeds them what the browser saw, and the companion's rules judge the signs.
 */
import { hostOf } from "./match.js";

/**
 * The value each of `names` has in `urls` (the store's own URLs of the
 * redirect chain, in order): the last one wins, as the store reads it last.
 */
export function paramValues(urls, names) {
  const values = {};
  if (!Array.isArray(names)) {
    return values;
  }
  for (const url of urls) {
    let params;
    try {
      params = new URL(url).searchParams;
    } catch {
      continue;
    }
    for (const name of names) {
      if (typeof name === "string" && params.has(name)) {
        values[name] = params.get(name);
      }
    }
  }
  return values;
}

/**
 * Which of `names` `url` carries with another value than at the landing. A
 * parameter absent from either is no change: stores drop their parameters
 * from later pages all the time.
 */
export function changedParams(landingValues, url, names) {
  const now = paramValues([url], names);
  return Object.keys(now).filter(
    (name) => Object.hasOwn(landingValues, name) && landingValues[name] !== now[name],
  );
}

/**
 * The host through which a navigation entered the store: the first hop of its
 * redirect chain, `[{url, store}]` in order, that is not on the store. Null for
 * a navigation that came straight to the store, or only through IP-literal
 * hosts (the companion's own redirect on 127.0.0.1).
 */
export function entryVia(hops) {
  for (const { url, store } of hops) {
    const host = store ? null : hostOf(url);
    if (host !== null) {
      return host;
    }
  }
  return null;
}

/**
 * Whether a navigation that entered the store through another host (entryVia)
 * brought an affiliate's click: the partner's tracking parameter on the URL
 * it landed on. Signing in with an ID provider, or a bank's 3-D Secure page,
 * also sends the tab back to the store through other hosts, without one. For
 * a partner whose catalog entry names no parameter the two cannot be told
 * apart, and every such entry counts.
 */
export function entersWithClick(url, names) {
  const known = Array.isArray(names) ? names.filter((name) => typeof name === "string") : [];
  return known.length === 0 || Object.keys(paramValues([url], known)).length > 0;
}

/**
 * `url` without the partner's tracking parameters: what is left of an earlier
 * affiliate's click must not ride along to the program's redirect, where the
 * store could read the old value before the new one.
 */
export function withoutParams(url, names) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  // Deleting re-encodes the whole query: only when there is something to delete.
  const present = (Array.isArray(names) ? names : []).filter((name) => parsed.searchParams.has(name));
  for (const name of present) {
    parsed.searchParams.delete(name);
  }
  return present.length === 0 ? url : parsed.href;
}

/** The cookie names whose digest is not what it was at the landing (`{name: digest}` each). */
export function changedCookies(landingDigests, nowDigests) {
  return Object.keys(nowDigests).filter(
    (name) => Object.hasOwn(landingDigests, name) && landingDigests[name] !== nowDigests[name],
  );
}

/** `list` with `item` added, once however often it is seen, keeping the newest `max`. */
export function withSign(list, item, max) {
  const key = JSON.stringify(item);
  const kept = (Array.isArray(list) ? list : []).filter((old) => JSON.stringify(old) !== key);
  return [...kept, item].slice(-max);
}
