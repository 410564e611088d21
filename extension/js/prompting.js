/*
 * Whether to ask the shopper to activate on a store, and what the in-page
 * prompt (contentscripts/prompt.js) shows. The prompt is not shown while
 * the store has a session (until its order, see session.forPage, or until
 * its redirect is given up without reaching the store: lib/redirect.js
 * neverLanded), after the shopper dismissed it (until the browser
 * restarts), or ever again on a store where they chose "not on this store"
 * (until they undo it in the popup).
 */
import * as storage from "./storage.js";
import * as partners from "./partners.js";
import * as session from "./session.js";
import { LOCAL, SESSION } from "./constants.js";

/** Whether the shopper chose never to be asked on this store. */
export function isNeverAsked(partnerId) {
  return storage.isListed("local", LOCAL.NEVER_ASK, partnerId);
}

/** Whether to ask on the page `url` of the partner store `store`. */
export async function shouldAsk(store, url) {
  const [never, dismissed, current] = await Promise.all([
    isNeverAsked(store.id),
    storage.isListed("session", SESSION.DISMISSED, store.id),
    session.current(store.id),
  ]);
  // A click whose redirect never reached the store counts for nothing: the
  // shopper is asked again rather than left a day without a prompt.
  return !never && !dismissed && session.activeFor(current, url, store) === null;
}

/** What the prompt on `url` shows: {show: false}, or the store and its offers. */
export async function promptFor(url) {
  const store = await partners.match(url);
  if (store === null || !(await shouldAsk(store, url))) {
    return { show: false };
  }
  // Came through another affiliate's link: Activate replaces its click, which the prompt says.
  return { show: true, partner: partners.describe(store), otherAffiliate: await session.affiliateBefore(store.id) };
}

/** The shopper closed the prompt: not again on this store in this browser session. */
export async function dismiss(partnerId) {
  await storage.setListed("session", SESSION.DISMISSED, partnerId, true);
}

/** "Not on this store" (`never` true), or its undo from the popup (false). */
export async function setNeverAsk(partnerId, never) {
  await storage.setListed("local", LOCAL.NEVER_ASK, partnerId, never);
}
