/*
 * The tracking checks, browser side: gathers the facts only a browser can
 * see about a partner store and its purchase session, and asks the companion
 * for the verdicts. Every rule lives in the companion (companion/diagnostics/),
 * so the popup, the in-page warning and the log all show the same verdicts.
 *
 * The last answer for each tab is kept in storage.session: the in-page
 * warning (contentscripts/warning.js) shows it, and the one-click fixes
 * (js/fixes.js) do only what it offered.
 */
import { canDisableExtensions, webext } from "./webext.js";
import * as storage from "./storage.js";
import * as companion from "./companion.js";
import * as cookies from "./cookies.js";
import * as inject from "./inject.js";
import * as partners from "./partners.js";
import * as session from "./session.js";
import { COMPANION_STATE, SESSION } from "./constants.js";
import { classifyPath, isOrderPage } from "../lib/pages.js";
import { changedCookies } from "../lib/rivals.js";
import { possibleActions } from "../lib/actions.js";
import { cookiesPresent } from "../lib/tracking.js";

const key = (tabId) => `${SESSION.CHECKS_PREFIX}${tabId}`;
// The companion writes the sentences in these languages; others read English.
const LANGS = new Set(["en", "ru"]);
const MAX_EXTENSIONS = 500;
const MAX_EXTENSION_NAME = 200;

function lang() {
  const tag = webext.i18n.getMessage("languageTag");
  return LANGS.has(tag) ? tag : "en";
}

/** The kind of store page at `url`: order (by the partner's patterns), cart, checkout or page. */
function pageKind(url, store) {
  const { pathname } = new URL(url);
  return isOrderPage(store.partner.order_pages ?? [], pathname) ? "order" : classifyPath(pathname);
}

// Whether the browser keeps the store's cookies: Chromium's per-site content
// setting; Firefox has only the global cookie behaviour.
async function cookieSetting(url, incognito) {
  if (webext.contentSettings?.cookies) {
    // A private window has settings of its own.
    const asked = { primaryUrl: url, incognito };
    return (await webext.contentSettings.cookies.get(asked).catch(() => null))?.setting ?? null;
  }
  const config = (await webext.privacy?.websites?.cookieConfig?.get({}).catch(() => null))?.value;
  if (config === undefined || config === null) {
    return null;
  }
  if (config.behavior === "reject_all") {
    return "block";
  }
  return config.nonPersistentCookies ? "session_only" : "allow";
}

async function thirdPartyCookiesAllowed() {
  const websites = webext.privacy?.websites;
  if (websites?.thirdPartyCookiesAllowed) {
    return (await websites.thirdPartyCookiesAllowed.get({}).catch(() => null))?.value ?? null;
  }
  const config = (await websites?.cookieConfig?.get({}).catch(() => null))?.value;
  return config ? config.behavior === "allow_all" : null;
}

/** The other extensions that are on, or null where the browser will not say. */
async function otherExtensions() {
  const all = await webext.management?.getAll().catch(() => null);
  if (!Array.isArray(all)) {
    return null;
  }
  return all
    .filter((item) => item.enabled && item.type === "extension" && item.id !== webext.runtime.id)
    .slice(0, MAX_EXTENSIONS)
    .map((item) => ({ id: item.id, name: String(item.name).slice(0, MAX_EXTENSION_NAME) }));
}

/**
 * The facts the companion's rules read (companion/diagnostics/facts.py) for
 * the store `store`, the tab `tab` (or null: no page), and the store's stored
 * session `current` (or null). See docs/protocol.md for each field.
 */
async function gather(store, tab, current) {
  const url = tab?.url ?? null;
  const onStore = url !== null && (await partners.match(url))?.id === store.id;
  const privateTab = tab?.incognito === true;
  const hints = store.partner.tracking ?? {};
  // The tab's own cookie store (a Firefox container): the one this purchase is paid from,
  // whichever the click was made in.
  const jar = onStore && !privateTab ? await cookies.forUrl(url, tab.cookieStoreId ?? current?.cookieStoreId ?? null) : null;
  const landing = current?.landing ?? null;
  return {
    partner: store.id,
    page: onStore ? pageKind(url, store) : null,
    activated_at: current === null ? null : new Date(current.startedAt).toISOString(),
    landed: landing !== null,
    cookie_setting: onStore ? await cookieSetting(url, privateTab) : null,
    third_party_cookies_allowed: await thirdPartyCookiesAllowed(),
    cookies_at_landing: landing?.cookies ?? null,
    params_at_landing: landing?.params ?? null,
    cookies_now: landing !== null && jar !== null ? cookiesPresent(jar, hints.cookies) : null,
    extensions: await otherExtensions(),
    refused: current?.refused ?? [],
    incognito: tab === null ? null : privateTab,
    incognito_access: await webext.extension.isAllowedIncognitoAccess().catch(() => null),
    reentries: current?.reentries ?? [],
    params_changed: current?.paramsChanged ?? [],
    cookies_changed:
      landing !== null && jar !== null
        ? changedCookies(landing.cookieDigests ?? {}, await cookies.digestsOf(jar, hints.cookies))
        : [],
    // With a session: the store as it was at the click. Without: as it is now,
    // which is what a click now would start from.
    cookies_before: current !== null ? (current.cookiesBefore ?? null) : jar && cookies.namesOf(jar),
    // A private window's cart is its own, unseen: the normal window's mark is not lent to it.
    cart_before: privateTab
      ? null
      : current !== null
        ? (current.cartBefore ?? null)
        : await session.cartBefore(store.id),
    // Without a session: whether the shopper came through another affiliate's link.
    affiliate_before: current !== null || privateTab ? null : await session.affiliateBefore(store.id),
    restarted: current === null ? null : current.restarted === true,
    unfinished: current?.unfinished ?? [],
  };
}

/**
 * Runs the checks for `store` as seen from `tabId` (or from no tab: null),
 * stored with the session's click. Resolves to the companion's answer:
 * {at, verdict, warn, checks, run_id}; rejects with a CompanionError.
 */
export async function run(store, tabId) {
  const tab = tabId === null ? null : await webext.tabs.get(tabId).catch(() => null);
  // A private tab has no session of its own, and must not borrow the normal one's.
  const stored = tab?.incognito ? null : await session.stored(store.id);
  const onStore = typeof tab?.url === "string" && (await partners.match(tab.url))?.id === store.id;
  // After its order, a page of the store other than the confirmation is about another purchase;
  // a click that never reached the store is none (the companion is told of no click, as the
  // prompt and the popup say).
  const current = session.activeFor(stored, onStore ? tab.url : null, store);
  const facts = await gather(store, tab, current);
  const result = possibleActions(await companion.runChecks(facts, current?.clickId ?? null, lang()), {
    disableExtensions: canDisableExtensions,
  });
  if (tab !== null) {
    await remember(tab.id, store, result);
  }
  return result;
}

// The tab's last answer, which the warning shows and the fixes are checked against.
function remember(tabId, store, result) {
  return storage.update("session", key(tabId), () => ({ partnerId: store.id, result }));
}

/** Runs the checks for a store page and, when they say so, shows the warning in it. */
export async function checkPage(tabId, store) {
  let result;
  try {
    result = await run(store, tabId);
  } catch (error) {
    // No companion, no verdicts: the popup says why, and the page gets what the extension
    // knows by itself, if anything.
    result = await withoutCompanion(store, tabId, error);
  }
  if (result?.warn) {
    await inject.injectWarning(tabId);
  }
}

// Why the checks could not run, and what the shopper does about it.
const OFFLINE_FIX = Object.freeze({
  [COMPANION_STATE.NOT_RUNNING]: "offlineStartCompanion",
  [COMPANION_STATE.NOT_PAIRED]: "offlinePairCompanion",
});

// With the companion down or not paired there are no checks, but one thing
// the extension knows by itself: in the cart or at checkout with no
// activation (and no other affiliate's link), this purchase earns no
// cashback. Said in its own words, with what to do about the companion. Any
// other failure (a refusal, a bad answer) it leaves unsaid rather than guessed.
async function withoutCompanion(store, tabId, error) {
  const fix = OFFLINE_FIX[error?.state];
  const tab = await webext.tabs.get(tabId).catch(() => null);
  if (fix === undefined || tab === null || tab.incognito || typeof tab.url !== "string") {
    return null;
  }
  const kind = pageKind(tab.url, store);
  // As the companion would see it: a session too old to count is none, and so is a click whose
  // redirect never reached the store (the companion's never_landed): cashback is not on.
  const activated = session.activeFor(await session.current(store.id), tab.url, store) !== null;
  if ((kind !== "cart" && kind !== "checkout") || activated || (await session.affiliateBefore(store.id))) {
    return null;
  }
  const t = (name, substitutions) => webext.i18n.getMessage(name, substitutions);
  const result = {
    at: new Date().toISOString(),
    verdict: "untracked",
    warn: true,
    checks: [
      {
        check: "one_session",
        status: "fail",
        reason: "not_activated",
        title: t("offlineCheckTitle"),
        why: t("offlineNotActivated", [store.partner.name]),
        fix: t(fix),
        actions: [{ type: "activate", extension_id: null, name: null }],
      },
    ],
  };
  await remember(tabId, store, result);
  return result;
}

/** Runs the checks again for a store by id, from `tabId` or none (after an unfinished page). */
export async function runFor(partnerId, tabId) {
  const store = await partners.byId(partnerId);
  if (store !== null) {
    await run(store, tabId).catch(() => null);
  }
}

/** The last answer for `tabId` if it was about `partnerId`, else null. */
export async function lastResult(tabId, partnerId) {
  const saved = await storage.get("session", key(tabId));
  return saved?.partnerId === partnerId ? saved.result : null;
}

/** What the in-page warning of `tabId` shows: {show: false}, or the last answer. */
export async function warningFor(tabId, partnerId) {
  const result = await lastResult(tabId, partnerId);
  return result?.warn ? { show: true, ...result } : { show: false };
}

export function startListeners() {
  webext.tabs.onRemoved.addListener((tabId) => {
    void storage.get("session", key(tabId)).then((saved) => {
      if (saved !== undefined) {
        return storage.update("session", key(tabId), () => undefined);
      }
    });
  });
}
