/*
 * Whether to ask the shopper to activate on a store, and what the in-page
 * prompt (contentscripts/prompt.js) shows. The prompt is not shown while
 * the store has a session, after the shopper dismissed it (until the browser
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

export async function shouldAsk(partnerId) {
  const [never, dismissed, active] = await Promise.all([
    isNeverAsked(partnerId),
    storage.isListed("session", SESSION.DISMISSED, partnerId),
    session.current(partnerId),
  ]);
  return !never && !dismissed && active === null;
}

/** What the prompt on `url` shows: {show: false}, or the store and its offers. */
export async function promptFor(url) {
  const store = await partners.match(url);
  if (store === null || !(await shouldAsk(store.id))) {
    return { show: false };
  }
  return { show: true, partner: partners.describe(store) };
}

/** The shopper closed the prompt: not again on this store in this browser session. */
export async function dismiss(partnerId) {
  await storage.setListed("session", SESSION.DISMISSED, partnerId, true);
}

/** "Not on this store" (`never` true), or its undo from the popup (false). */
export async function setNeverAsk(partnerId, never) {
  await storage.setListed("local", LOCAL.NEVER_ASK, partnerId, never);
}
