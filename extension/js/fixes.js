/*
 * The one-click fixes the tracking checks offer: turning another extension
 * off for the purchase, and clearing the store's cookies to activate again
 * afresh. Each runs only from the shopper's own click in the warning or the
 * popup (js/messages.js), and only if the last checks for that tab offered
 * it: nothing changes another extension or a cookie on its own.
 */
import { webext } from "./webext.js";
import * as activation from "./activation.js";
import * as cookies from "./cookies.js";
import * as diagnostics from "./diagnostics.js";
import * as partners from "./partners.js";
import * as session from "./session.js";

class NotOffered extends Error {
  // The shopper reads why (js/companion.js describeError): the page shows older checks.
  code = "not_offered";
}

async function offered(tabId, matches) {
  const tab = await webext.tabs.get(tabId);
  const store = await partners.match(tab.url);
  const result = store === null ? null : await diagnostics.lastResult(tabId, store.id);
  const actions = result?.checks.flatMap((check) => check.actions) ?? [];
  if (!actions.some(matches)) {
    throw new NotOffered("the checks did not offer this fix for this tab");
  }
  return { tab, store };
}

/** Turns off another extension the checks named (a blocker or a rival). */
export async function disableExtension(tabId, extensionId) {
  await offered(tabId, (action) => action.type === "disable_extension" && action.extension_id === extensionId);
  await webext.management.setEnabled(extensionId, false);
  return {};
}

/**
 * Clears every cookie of the tab's store (its cart and login go too), forgets
 * that its cart was open, and activates again: a click on a clean store.
 */
export async function clearCookiesAndActivate(tabId) {
  const { tab, store } = await offered(tabId, (action) => action.type === "clear_cookies_and_activate");
  if (tab.incognito) {
    // Chromium's cookies API reads the normal window's store unless told otherwise: clearing
    // from here would take the normal window's cart and login, and nothing activates here.
    // The companion offers no such fix for a private window; this holds whatever it says.
    throw new NotOffered("no activation in a private window");
  }
  await cookies.clearDomains(await partners.domainsOf(store.id), tab.cookieStoreId ?? null);
  await session.setCartBefore(store.id, false);
  return activation.activate(tabId);
}
