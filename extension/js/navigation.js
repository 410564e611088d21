/*
 * The one place that watches the tabs' top-level navigations, and tells the
 * others: activation (its redirect chain), the badge, the prompt and the
 * purchase session. Every navigation is matched locally against the partner
 * index; for a site that is not a partner nothing is stored, injected or
 * sent anywhere (the one exception: the hops of a redirect chain that the
 * shopper started by activating, which pass through the program's sites).
 *
 * The listeners are added on the worker's first turn: a killed worker is
 * woken by these events only if they are registered again at once.
 */
import { webext } from "./webext.js";
import * as activation from "./activation.js";
import * as badge from "./badge.js";
import * as inject from "./inject.js";
import * as partners from "./partners.js";
import * as prompting from "./prompting.js";
import * as session from "./session.js";

// Top frame only; prerendered pages (Chromium's non-active documents)
// are looked at when, and if, they are shown.
function isShownTopFrame(details) {
  return details.frameId === 0 && (details.documentLifecycle ?? "active") === "active";
}

async function onCommitted(details) {
  if (!isShownTopFrame(details)) {
    return;
  }
  const { tabId, url } = details;
  const inChain = await activation.onCommitted(tabId, url);
  await badge.refresh(tabId, url);
  const store = await partners.match(url);
  if (store !== null && !inChain) {
    await session.onPage(url, store.id);
  }
}

async function onDOMContentLoaded(details) {
  if (!isShownTopFrame(details) || (await activation.pending(details.tabId)) !== null) {
    return;
  }
  const store = await partners.match(details.url);
  if (store !== null && (await prompting.shouldAsk(store.id))) {
    await inject.injectPrompt(details.tabId);
  }
}

async function onCompleted(details) {
  if (!isShownTopFrame(details)) {
    return;
  }
  const { tabId, url } = details;
  if (await activation.onCompleted(tabId, url)) {
    return;
  }
  const store = await partners.match(url);
  if (store !== null) {
    // It waits for late content: the tab's next events must not wait for it.
    void logged(session.lookForOrder(tabId, store.id));
  }
}

// A single-page store changes pages with the History API: a page view, and
// perhaps the order confirmation, without a load.
async function onHistoryStateUpdated(details) {
  if (!isShownTopFrame(details) || (await activation.pending(details.tabId)) !== null) {
    return;
  }
  const store = await partners.match(details.url);
  if (store !== null) {
    await session.onPage(details.url, store.id);
    void logged(session.lookForOrder(details.tabId, store.id));
  }
}

async function onBeforeRedirect(details) {
  await activation.onRedirect(details.tabId, details.redirectUrl);
}

function logged(promise) {
  return promise.catch((error) => console.error("Cashback Guard:", error));
}

// The events of one tab are handled one after the other, in the order they
// came: a fast page's load event must not overtake the handling of its
// commit, which is still writing the redirect chain to storage.
const tabQueues = new Map();

function inTabOrder(listener) {
  return (details) => {
    if (details.tabId < 0) {
      return;
    }
    const done = (tabQueues.get(details.tabId) ?? Promise.resolve()).then(() => logged(listener(details)));
    tabQueues.set(details.tabId, done);
    void done.then(() => {
      if (tabQueues.get(details.tabId) === done) {
        tabQueues.delete(details.tabId);
      }
    });
  };
}

export function startListeners() {
  webext.webNavigation.onCommitted.addListener(inTabOrder(onCommitted));
  webext.webNavigation.onDOMContentLoaded.addListener(inTabOrder(onDOMContentLoaded));
  webext.webNavigation.onCompleted.addListener(inTabOrder(onCompleted));
  webext.webNavigation.onHistoryStateUpdated.addListener(inTabOrder(onHistoryStateUpdated));
  // Observation only (no blocking): the 30x hops of an affiliate redirect
  // never commit a document, so webNavigation alone would not see them.
  webext.webRequest.onBeforeRedirect.addListener(inTabOrder(onBeforeRedirect), {
    urls: ["<all_urls>"],
    types: ["main_frame"],
  });
}
