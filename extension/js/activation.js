/*
 * Activation: the shopper's click on Activate, the program's affiliate
 * redirect, and the landing on the store.
 *
 * It starts only from the shopper's own click in the prompt or the popup,
 * never by itself (the stores' and the Web Store's affiliate rules). The tab
 * goes to the companion's redirect URL; every hop of the chain is noted (30x
 * hops from webRequest, committed documents from webNavigation) until a page
 * of the store finishes loading. Then the partner's tracking hints are looked
 * for and a landing event is recorded. A navigation of the shopper's own in
 * the tab (the address bar, a bookmark, Back, Reload) or closing it ends the
 * chain there: the click never landed, and what the tab shows next is none
 * of the chain's business.
 *
 * A chain in progress lives in storage.session under activation:<tab id>:
 * the worker may be killed between two hops.
 */
import { webext } from "./webext.js";
import * as storage from "./storage.js";
import * as companion from "./companion.js";
import * as cookies from "./cookies.js";
import * as partners from "./partners.js";
import * as session from "./session.js";
import {
  ACTIVATION_TIMEOUT_MS,
  REQUEST_EVENTS_GRACE_MS,
  BLOCKED_BY_CLIENT_ERRORS,
  EXTENSION_PAGE_ERROR,
  MAX_HOPS,
  SESSION,
} from "./constants.js";
import { hostOf } from "../lib/match.js";
import { paramValues, withoutParams } from "../lib/rivals.js";
import { cookiesPresent, paramsPresent, setSince, trackingState } from "../lib/tracking.js";
import { recordableUrl } from "../lib/url.js";
import { leftBy } from "../lib/redirect.js";

const key = (tabId) => `${SESSION.ACTIVATION_PREFIX}${tabId}`;

function isLive(chain) {
  return chain !== undefined && Date.now() - chain.startedAt < ACTIVATION_TIMEOUT_MS;
}

/** The chain in progress in a tab, or null. */
export async function pending(tabId) {
  const chain = await storage.get("session", key(tabId));
  return isLive(chain) ? chain : null;
}

/**
 * Activates cashback for the store page shown in `tabId`, with `program` or
 * the best offer. Resolves to {clickId} once the tab is on its way.
 */
export async function activate(tabId, program) {
  const tab = await webext.tabs.get(tabId);
  if (tab.incognito) {
    // The programs do not count private windows, and nothing of one is recorded.
    throw new Error("no activation in a private window");
  }
  // Firefox containers keep their own cookies; Chromium has no such field.
  const cookieStoreId = tab.cookieStoreId ?? null;
  const store = await partners.match(tab.url);
  // What the store held before the click, for the earlier-visit check.
  const jar = await cookies.forUrl(tab.url, cookieStoreId);
  const before = {
    cookiesBefore: cookies.namesOf(jar),
    cartBefore: store !== null && (await session.cartBefore(store.id)),
    cookieStoreId,
  };
  // The tracking cookies as they were: only one the redirect sets is this click's.
  const trackingBefore = await cookies.fingerprintsOf(jar, store?.partner.tracking?.cookies);
  const target = withoutParams(tab.url, store?.partner.tracking?.params);
  const click = await companion.createClick(target, program);
  await session.start(click, before);
  await storage.update("session", key(tabId), () => ({
    clickId: click.click_id,
    partnerId: click.partner,
    startedAt: Date.now(),
    hops: [recordableUrl(click.redirect_url)],
    committedUrl: null,
    // Where the shopper was, without another affiliate's parameters: the tab goes back there
    // if the redirect is refused, and must not hand that affiliate the click on its own.
    returnUrl: target,
    cookieStoreId,
    trackingBefore,
  }));
  await webext.tabs.update(tabId, { url: click.redirect_url });
  return { clickId: click.click_id };
}

// Each of these answers whether the navigation belongs to an activation
// chain, in which case it is not an ordinary page view of the store.

/** A 30x hop in the tab's top frame. */
export async function onRedirect(tabId, redirectUrl) {
  return addHop(tabId, redirectUrl, false);
}

/**
 * A request of the tab's top frame. Firefox may restart a redirected load in
 * another process instead of reporting the redirect, so each URL of the chain
 * is taken from its request too (a hop seen both ways is recorded once).
 */
export async function onRequest(tabId, url) {
  if (!(await addHop(tabId, url, false, true))) {
    return;
  }
  const chain = await pending(tabId);
  if (chain !== null && sameRequest(url, chain.landingUrl ?? "")) {
    await landWaiting(tabId, chain.clickId);
  }
}

/**
 * A document committed in the tab's top frame (server or client redirect, or
 * the store), with the browser's word on how it was reached (its
 * transitionType and transitionQualifiers).
 */
export async function onCommitted(tabId, url, transitionType, transitionQualifiers) {
  const chain = await pending(tabId);
  const left = leftBy(transitionType, transitionQualifiers, typeof chain?.committedUrl === "string");
  if (left !== null) {
    await giveUp(tabId, left, url);
    return false;
  }
  return addHop(tabId, url, true);
}

// The shopper took the tab elsewhere (`how`: "typed", "forward_back" ...) or
// closed it before the chain reached the store. The chain ends as it would
// after ACTIVATION_TIMEOUT_MS, at once: its hops go unrecorded, and the
// session is marked so that everything treats the click as never landed
// (lib/redirect.js neverLanded) without waiting for the timeout.
async function giveUp(tabId, how, wentTo = null) {
  const waiting = await pending(tabId);
  if (waiting === null) {
    return;
  }
  // A page of the store had come (committed), loaded or not: the store saw the
  // click, with whatever it set on that answer, before the shopper moved on
  // (to `wentTo`, whose request is among the hops already: not the click's).
  const store = typeof waiting.committedUrl === "string" ? await partners.match(waiting.committedUrl) : null;
  if (store?.id === waiting.partnerId) {
    await land(tabId, waiting.clickId, waiting.committedUrl, store.partner, wentTo);
    return;
  }
  let chain;
  await storage.update("session", key(tabId), (stored) => {
    chain = stored;
    return undefined;
  });
  if (isLive(chain)) {
    await session.note(chain.partnerId, chain.clickId, "redirectLeft", how);
  }
}

/**
 * The tab's top document finished loading: on the store, that is the landing.
 * Firefox may deliver the chain's request events after the page's load event,
 * so the landing waits until the request of the landing page itself has been
 * seen (every earlier hop comes before it), or a short grace time.
 */
export async function onCompleted(tabId, url) {
  const chain = await pending(tabId);
  if (chain === null) {
    return false;
  }
  // The document committed last, whatever its own scripts did to the address
  // since: many stores cut the affiliate's parameters from it while the page
  // loads (history.replaceState, which cannot leave the origin).
  const landingUrl = sameOrigin(chain.committedUrl, url) ? chain.committedUrl : null;
  const store = landingUrl === null ? null : await partners.match(landingUrl);
  if (store !== null && store.id === chain.partnerId) {
    if (sameRequest(chain.requestedUrl, landingUrl)) {
      await land(tabId, chain.clickId, landingUrl, store.partner);
    } else {
      await storage.update("session", key(tabId), (stored) => (isLive(stored) ? { ...stored, landingUrl } : undefined));
      setTimeout(() => void landWaiting(tabId, chain.clickId), REQUEST_EVENTS_GRACE_MS);
    }
  }
  return true;
}

function sameOrigin(first, second) {
  try {
    return typeof first === "string" && new URL(first).origin === new URL(second).origin;
  } catch {
    return false;
  }
}

// Requests carry no fragment; documents do.
function sameRequest(requestUrl, documentUrl) {
  return typeof requestUrl === "string" && requestUrl.split("#")[0] === documentUrl.split("#")[0];
}

async function landWaiting(tabId, clickId) {
  const chain = await pending(tabId);
  if (chain?.clickId !== clickId || typeof chain.landingUrl !== "string") {
    return;
  }
  const store = await partners.match(chain.landingUrl);
  if (store?.id === chain.partnerId) {
    await land(tabId, clickId, chain.landingUrl, store.partner);
  }
}

/**
 * A navigation of the chain failed. When an extension blocked it (an ad
 * blocker on the program's network), the chain is over: the refusal is noted
 * for the checks and the tab goes back to the store page it came from, where
 * the warning says what happened, instead of the browser's error page. Other
 * errors are left alone: Firefox reports an abort (NS_BINDING_ABORTED) for
 * every redirect that changes process, and the chain goes on.
 */
export async function onError(tabId, url, error) {
  const chain = await pending(tabId);
  if (chain === null || !BLOCKED_BY_CLIENT_ERRORS.includes(error)) {
    return chain !== null;
  }
  await refused(chain, url, error);
  await storage.update("session", key(tabId), () => undefined);
  await webext.tabs.update(tabId, { url: chain.returnUrl }).catch(() => {});
  return true;
}

async function refused(chain, url, error) {
  const host = hostOf(url) ?? new URL(url).hostname;
  await session.note(chain.partnerId, chain.clickId, "refused", { host, error });
}

async function addHop(tabId, url, committed, requested = false) {
  const chain = await pending(tabId);
  if (chain === null) {
    return false;
  }
  if (/^(?:chrome|moz)-extension:/.test(url) && chain.hops.length > 0) {
    // A blocker put its own page in place of the next hop (uBlock's strict blocking).
    await refused(chain, chain.hops.at(-1), EXTENSION_PAGE_ERROR);
  }
  const hop = recordableUrl(url);
  await storage.update("session", key(tabId), (chain) => {
    if (!isLive(chain)) {
      return undefined;
    }
    const hops = chain.hops.at(-1) === hop || chain.hops.length >= MAX_HOPS ? chain.hops : [...chain.hops, hop];
    return {
      ...chain,
      hops,
      committedUrl: committed ? url : chain.committedUrl,
      requestedUrl: requested ? url : chain.requestedUrl,
    };
  });
  return true;
}

// Who wants to know that a tab landed (the checks of the landing page).
const landedListeners = [];

/** Calls `listener(tabId, landingUrl)` after each landing. */
export function onLanded(listener) {
  landedListeners.push(listener);
}

async function land(tabId, clickId, landingUrl, partner, wentTo = null) {
  // Take the chain out first: a second load event must not land it twice.
  // The cookies are read at once too: a rival extension may already be
  // sending the tab round its own network.
  const chainOf = storage.get("session", key(tabId));
  const jar = cookies.forUrl(landingUrl, (await chainOf)?.cookieStoreId ?? null);
  let chain;
  await storage.update("session", key(tabId), (stored) => {
    chain = stored;
    return undefined;
  });
  if (chain?.clickId !== clickId) {
    return;
  }
  // Where the shopper went from a store page still loading is none of the click's record.
  // Only that address goes: Firefox may report a hop of the chain's own after its landing.
  const away = wentTo === null ? -1 : chain.hops.lastIndexOf(recordableUrl(wentTo));
  if (away > chain.hops.indexOf(recordableUrl(landingUrl))) {
    chain.hops = chain.hops.toSpliced(away, 1);
  }
  const hints = partner.tracking ?? {};
  const storeHops = [];
  for (const hop of chain.hops) {
    if ((await partners.match(hop))?.id === chain.partnerId) {
      storeHops.push(hop);
    }
  }
  const cookieNames = setSince(
    cookiesPresent(await jar, hints.cookies),
    chain.trackingBefore,
    await cookies.fingerprintsOf(await jar, hints.cookies),
  );
  const paramNames = paramsPresent(storeHops, hints.params);
  await companion.record("landing", clickId, {
    hops: chain.hops,
    landing_url: recordableUrl(landingUrl),
    cookies_present: cookieNames,
    params_present: paramNames,
  });
  await session.landed(chain.partnerId, clickId, trackingState(cookieNames, paramNames), {
    cookies: cookieNames,
    params: paramNames,
    // What later pages are compared with to see another affiliate's click.
    paramValues: paramValues(storeHops, hints.params),
    cookieDigests: await cookies.digestsOf(await jar, hints.cookies),
  });
  for (const listener of landedListeners) {
    // The tab may be gone (a landing found as it closed): the landing stands regardless.
    await Promise.resolve(listener(tabId, landingUrl)).catch((error) => console.error("Cashback Guard:", error));
  }
}

// A chain that timed out is ignored where it is read, and goes with its tab
// (or with the browser session, storage.session's lifetime). A live one ends
// with its tab: that click never landed.
async function forget(tabId) {
  await giveUp(tabId, "tab_closed");
  if ((await storage.get("session", key(tabId))) !== undefined) {
    await storage.update("session", key(tabId), () => undefined);
  }
}

export function startListeners() {
  webext.tabs.onRemoved.addListener((tabId) => void forget(tabId));
}
