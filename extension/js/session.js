/*
 * The purchase session: from the shopper's activation on a store until the
 * order is placed there, in every tab of that store. One session per store,
 * in storage.local under session:<partner id>, so a killed worker or a
 * restarted browser picks it up again.
 *
 * This module is the only writer of sessions. It records what the shopper
 * does on the store (page events) and recognises the order (order event).
 */
import * as storage from "./storage.js";
import * as companion from "./companion.js";
import * as inject from "./inject.js";
import * as partners from "./partners.js";
import {
  LOCAL,
  ORDER_CHECK_DELAYS_MS,
  SEEN_ORDERS_MAX,
  SESSION,
  SESSION_MAX_AGE_MS,
  SESSION_STATE,
  SIGNS_MAX,
} from "./constants.js";
import { webext } from "./webext.js";
import { classifyPath, isOrderPage, PAGE_KIND } from "../lib/pages.js";
import { withSign } from "../lib/rivals.js";
import { recordableUrl } from "../lib/url.js";
import { addsTo, isComplete, isNewOrder, navigationOf, recognizeOrder, rememberOrder } from "../lib/order.js";
import { paramsPresent, TRACKING } from "../lib/tracking.js";
import { neverLanded } from "../lib/redirect.js";

const key = (partnerId) => `${LOCAL.SESSION_PREFIX}${partnerId}`;

function isCurrent(session) {
  return session !== undefined && Date.now() - session.startedAt < SESSION_MAX_AGE_MS;
}

/** The store's session, unless there is none or it is too old to count. */
export async function current(partnerId) {
  const session = await storage.get("local", key(partnerId));
  return isCurrent(session) ? session : null;
}

/**
 * The store's session as stored, even one too old to count: the checks tell
 * the shopper that it ran out rather than that there was none.
 */
export async function stored(partnerId) {
  return (await storage.get("local", key(partnerId))) ?? null;
}

/** A session that is still being followed: activated, not yet ordered. */
export async function following(partnerId) {
  const session = await current(partnerId);
  return session !== null && session.state !== SESSION_STATE.ORDER_PLACED ? session : null;
}

/**
 * The session `current` (as current() gives it) as it stands on the store's
 * page `url`. A session ends with its order: after it only its own
 * confirmation page still belongs to it (its badge, its checks). Anywhere
 * else on the store the shopper is on to another purchase, which needs a
 * click of its own, so there the store has no session: the prompt asks
 * again and the checks warn before paying.
 */
export function forPage(current, url, store) {
  if (current === null || current.state !== SESSION_STATE.ORDER_PLACED) {
    return current;
  }
  return isOrderPage(store.partner.order_pages ?? [], new URL(url).pathname) ? current : null;
}

/**
 * The session that counts on the store's page `url` (null: not on the store):
 * forPage's, and none when its click never reached the store
 * (lib/redirect.js neverLanded), which the store never saw: the prompt asks
 * again, and the checks, with the companion or without, go as for no click.
 */
export function activeFor(current, url, store, now = Date.now()) {
  const onPage = url === null ? current : forPage(current, url, store);
  return onPage !== null && neverLanded(onPage, now) ? null : onPage;
}

/**
 * What the popup shows of the store's session. `neverLanded`: its click's
 * redirect never reached the store, so cashback is not on (lib/redirect.js).
 */
export async function summary(partnerId) {
  const session = partnerId === null ? null : await current(partnerId);
  return session === null
    ? { state: SESSION_STATE.NONE, tracking: TRACKING.UNKNOWN, startedAt: null, order: null, neverLanded: false }
    : {
        state: session.state,
        tracking: session.tracking,
        startedAt: session.startedAt,
        order: session.order,
        neverLanded: neverLanded(session, Date.now()),
      };
}

/**
 * A new session for the click the companion just made; it replaces any older
 * one. `before` is what the store held at the click, for the checks:
 * {cookiesBefore (names), cartBefore, cookieStoreId}.
 */
export async function start(click, before) {
  await storage.update("local", key(click.partner), () => ({
    clickId: click.click_id,
    partnerId: click.partner,
    program: click.program,
    state: SESSION_STATE.ACTIVATED,
    tracking: TRACKING.UNKNOWN,
    startedAt: Date.now(),
    order: null,
    ...before,
  }));
  await setCartBefore(click.partner, false);
  await storage.setListed("session", SESSION.AFFILIATE_BEFORE, click.partner, false);
}

/**
 * The redirect chain reached the store. `landing` is what the checks compare
 * later pages with: {cookies, params} (the hints seen), {paramValues,
 * cookieDigests} (what they were).
 */
export async function landed(partnerId, clickId, tracking, landing) {
  await updateSession(partnerId, clickId, (session) => ({
    ...session,
    state: SESSION_STATE.LANDED,
    tracking,
    landing,
  }));
}

/**
 * Notes a sign for the checks in the session of `clickId`: `field` is a list
 * (reentries, paramsChanged, refused, unfinished) that keeps each sign once.
 */
export async function note(partnerId, clickId, field, sign) {
  await updateSession(partnerId, clickId, (session) => ({
    ...session,
    [field]: withSign(session[field], sign, SIGNS_MAX),
  }));
}

// Changes the session only if it is still the one of `clickId`: a change
// that arrives after the shopper activated again belongs to the old click.
function updateSession(partnerId, clickId, change) {
  return storage.update("local", key(partnerId), (session) =>
    isCurrent(session) && session.clickId === clickId ? change(session) : session,
  );
}

/**
 * A top-level page of the partner store `store` was shown (a load or a
 * history change). Without a session, only two things are kept, until the
 * browser closes: whether it was the cart or checkout (the earlier-visit
 * check asks it at the next click), and whether its address carried the
 * partner's tracking parameter, that is, the shopper came through another
 * affiliate's link (the prompt and the checks say so).
 */
export async function onPage(url, store) {
  const session = await following(store.id);
  const kind = classifyPath(new URL(url).pathname);
  if (session !== null) {
    await companion.record("page", session.clickId, { url: recordableUrl(url), kind });
    return;
  }
  if (kind !== PAGE_KIND.PAGE) {
    await setCartBefore(store.id, true);
  }
  if (paramsPresent([url], affiliateParams(store.partner.tracking?.params)).length > 0) {
    await storage.setListed("session", SESSION.AFFILIATE_BEFORE, store.id, true);
  }
}

// The tracking parameters that name an affiliate: not the utm_* campaign
// tags, which any advertisement or newsletter link carries too.
function affiliateParams(params) {
  return (Array.isArray(params) ? params : []).filter((name) => typeof name === "string" && !name.startsWith("utm_"));
}

/** Whether the shopper came to the store through another affiliate's link since the browser started, before any click. */
export function affiliateBefore(partnerId) {
  return storage.isListed("session", SESSION.AFFILIATE_BEFORE, partnerId);
}

/** Whether the store's cart or checkout was open since the browser started, before any click. */
export function cartBefore(partnerId) {
  return storage.isListed("session", SESSION.CART_BEFORE, partnerId);
}

/** Sets or clears (after a click, or the store's cookies were cleared) the cart-before mark. */
export function setCartBefore(partnerId, open) {
  return storage.setListed("session", SESSION.CART_BEFORE, partnerId, open);
}

/**
 * Looks for an order confirmation on a partner page that finished loading,
 * again a little later when the page fills in after load. Once an order is
 * recorded, the session has ended with it; its own confirmation page is still
 * read (by this run, or by the next one that lands there, after a redirect or
 * a reload) until it has given the order's id and amount, and what it adds is
 * recorded under the same click (the companion makes one order of the
 * sightings). A reading of an order already recorded is no stop: a store with
 * one fixed "thank you" address shows the next order there too, and its id
 * comes a moment later (lib/order.js `isNewOrder`). Stops when the order is
 * complete, or when the tab is no longer on this store or has shown another
 * page since (that page's load starts its own search). `page`: whether Back or
 * Forward showed the page (`backForward`), and whether the tab still shows it
 * (`isCurrent()`), from js/navigation.js.
 */
export async function lookForOrder(tabId, partnerId, page = { backForward: false, isCurrent: () => true }) {
  let session = null;
  let recorded = null;
  for (const [index, delay] of ORDER_CHECK_DELAYS_MS.entries()) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (recorded === null) {
      session = (await following(partnerId)) ?? (await unfinished(partnerId));
      if (session === null) {
        return;
      }
    }
    const read = await inject.gatherFacts(tabId);
    if (!page.isCurrent()) {
      // Another page is shown (a link, Back): what was read may be of it, and is dropped.
      return;
    }
    if (read === null) {
      continue;
    }
    const facts = { ...read, navigation: navigationOf(read, page.backForward) };
    const store = await partners.match(facts.url);
    if (store?.id !== partnerId) {
      // The tab has left the store: what was read there is dropped unused.
      return;
    }
    if (recorded === null && session.state === SESSION_STATE.ORDER_PLACED) {
      // An order left incomplete is completed on its own page only.
      if (recordableUrl(facts.url) !== session.orderUrl) {
        return;
      }
      recorded = session.order;
    }
    const order = recognizeOrder(facts, store.partner.order_pages);
    if (order === null || !addsTo(order, recorded)) {
      continue;
    }
    const last = index === ORDER_CHECK_DELAYS_MS.length - 1;
    if (!(await recordOrder(session, facts, order, { first: recorded === null, last }))) {
      continue;
    }
    recorded = withDetails(recorded, order);
    if (isComplete(recorded)) {
      return;
    }
  }
}

// The store's session if it ended with an order the page has not yet given
// the id or the amount of: its confirmation page is still worth reading.
async function unfinished(partnerId) {
  const session = await current(partnerId);
  return session?.state === SESSION_STATE.ORDER_PLACED && session.order && !isComplete(session.order)
    ? session
    : null;
}

// One order is recorded once, however often its page is shown or reloaded:
// the first sighting of a run is recorded only if lib/order.js `isNewOrder`
// says so (`last`: no reading of the page follows), and the store's orders
// remember each recorded sighting's id and address with its click. A later
// sighting (`first` false) adds to this run's own order and is always sent.
// Whether it was recorded.
async function recordOrder(session, facts, order, { first, last }) {
  const address = recordableUrl(facts.url);
  const reading = { orderId: order.order_id, address, clickId: session.clickId };
  let isNew = false;
  await storage.update("local", `${LOCAL.SEEN_ORDERS_PREFIX}${session.partnerId}`, (seen) => {
    isNew = !first || isNewOrder(seen, { ...reading, navigation: facts.navigation, last });
    return isNew ? rememberOrder(seen, reading, SEEN_ORDERS_MAX) : seen;
  });
  if (!isNew) {
    return false;
  }
  await companion.record("order", session.clickId, { url: address, ...order });
  await updateSession(session.partnerId, session.clickId, (latest) => ({
    ...latest,
    state: SESSION_STATE.ORDER_PLACED,
    order: withDetails(latest.order, order),
    orderUrl: latest.orderUrl ?? address,
  }));
  return true;
}

// The session's order with what a sighting adds, as the companion keeps it:
// an amount comes with its currency.
function withDetails(known, order) {
  const priced = known?.amount != null;
  return {
    order_id: known?.order_id ?? order.order_id,
    amount: priced ? known.amount : order.amount,
    currency: priced ? known.currency : order.currency,
  };
}

// Sessions too old to count are ignored where they are read; they are
// removed once per browser start, which is often enough for a few records.
async function removeOldSessions() {
  for (const [storageKey, session] of await storage.entries("local", LOCAL.SESSION_PREFIX)) {
    if (!isCurrent(session)) {
      await storage.update("local", storageKey, (latest) => (isCurrent(latest) ? latest : undefined));
    }
  }
}

// A browser restart ends the session cookies the store set after the click:
// the one-session check asks the shopper to activate again.
async function markRestarted() {
  for (const [storageKey, session] of await storage.entries("local", LOCAL.SESSION_PREFIX)) {
    if (isCurrent(session) && session.state !== SESSION_STATE.ORDER_PLACED) {
      await storage.update("local", storageKey, (latest) => latest && { ...latest, restarted: true });
    }
  }
}

export function startListeners() {
  webext.runtime.onStartup.addListener(() => void removeOldSessions().then(markRestarted));
}
