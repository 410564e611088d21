/*
 * Watching a landed session for another affiliate's click, the way cashback
 * and coupon extensions take "the last click": the store entered again
 * through a redirect on another host, or a store address carrying another
 * value of the partner's tracking parameter. Each sign is noted in the
 * session (js/session.js); the companion's rules judge them. A changed
 * tracking cookie is compared when the checks run (js/diagnostics.js).
 *
 * The hops of a tab's redirects are kept in memory only, until the next
 * navigation commits (seconds, while the worker is busy with the tab's
 * events): most are none of a store's business. Which partner store the tab
 * showed last is in storage.session, since the page before a re-entry may be
 * minutes old and the worker stops after 30 idle seconds; a tab on a site
 * that is no partner has no key there, so nothing about that site is kept.
 */
import * as partners from "./partners.js";
import * as session from "./session.js";
import * as storage from "./storage.js";
import { MAX_HOPS, SESSION, SESSION_STATE } from "./constants.js";
import { changedParams, entersWithClick, entryVia } from "../lib/rivals.js";

// tabId → {requestId, hops}: the redirects of the navigation in progress.
const redirects = new Map();
const shownKey = (tabId) => `${SESSION.SHOWN_PREFIX}${tabId}`;

/** A 30x of a top-level navigation that is not our own activation's. */
export function onRedirect(tabId, requestId, url, redirectUrl) {
  const current = redirects.get(tabId);
  const hops = current?.requestId === requestId ? current.hops : [url];
  redirects.set(tabId, { requestId, hops: [...hops, redirectUrl].slice(-MAX_HOPS) });
}

/**
 * A top-level document committed in `tabId`; `store` is its partner match (or
 * null), `inChain` whether it belongs to our own activation's redirect.
 */
export async function onCommitted(tabId, url, store, inChain) {
  const chain = redirects.get(tabId);
  redirects.delete(tabId);
  let previous = null;
  await storage.update("session", shownKey(tabId), (before) => {
    previous = before ?? null;
    return store?.id;
  });
  if (store === null || inChain) {
    return;
  }
  const current = await session.following(store.id);
  if (current === null || current.state !== SESSION_STATE.LANDED) {
    return;
  }
  const hints = store.partner.tracking ?? {};
  if (chain !== undefined && chain.hops.at(-1) === url && entersWithClick(url, hints.params)) {
    const hops = await Promise.all(
      chain.hops.map(async (hop) => ({ url: hop, store: (await partners.match(hop))?.id === store.id })),
    );
    const via = entryVia(hops);
    if (via !== null) {
      // Straight from this store's own page: something sent the tab round
      // another network. From elsewhere: the shopper followed someone's link.
      await session.note(store.id, current.clickId, "reentries", { via, from_store: previous === store.id });
    }
  }
  for (const name of changedParams(current.landing?.paramValues ?? {}, url, hints.params)) {
    await session.note(store.id, current.clickId, "paramsChanged", name);
  }
}

/** The tab is gone: forget what was kept for it. */
export async function onRemoved(tabId) {
  redirects.delete(tabId);
  await storage.update("session", shownKey(tabId), () => undefined);
}
