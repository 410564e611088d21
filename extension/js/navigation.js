/*
 * The one place that watches the tabs' top-level navigations, and tells the
 * others: activation (its redirect chain), the badge, the prompt and the
 * purchase session. Every navigation is matched locally against the partner
 * index; for a site that is not a partner nothing is stored, injected or
 * sent anywhere (the one exception: the hops of a redirect chain that the
 * shopper started by activating, which pass through the program's sites,
 * until the shopper goes elsewhere themselves).
 *
 * The listeners are added on the worker's first turn: a killed worker is
 * woken by these events only if they are registered again at once.
 */
import { webext } from "./webext.js";
import * as activation from "./activation.js";
import * as badge from "./badge.js";
import * as diagnostics from "./diagnostics.js";
import * as incognito from "./incognito.js";
import * as inject from "./inject.js";
import * as overwrites from "./overwrites.js";
import * as pageload from "./pageload.js";
import * as partners from "./partners.js";
import * as prompting from "./prompting.js";
import * as session from "./session.js";
import { classifyPath, PAGE_KIND } from "../lib/pages.js";

// Top frame only; prerendered pages (Chromium's non-active documents)
// are looked at when, and if, they are shown.
function isShownTopFrame(details) {
  return details.frameId === 0 && (details.documentLifecycle ?? "active") === "active";
}

// The partner a top-level URL belongs to, unless the tab is private: a
// private tab's pages belong to no session (js/incognito.js).
async function sessionStore(tabId, url) {
  const store = await partners.match(url);
  return store !== null && !(await incognito.isPrivateTab(tabId)) ? store : null;
}

// tabId → the tab's top document: {url, backForward, contentLoaded}, a new
// object for each commit. A search for an order reads only the document it
// started on (the next one has its own). A page the back/forward cache
// restores fires no DOMContentLoaded (so `contentLoaded` stays false until its
// load event), and still tells the page readers how it was first loaded (a
// link, say): only its commit's transition says that Back or Forward showed it.
const documents = new Map();

// What lookForOrder needs of the page whose load it follows.
function shownPage(tabId, url) {
  const shown = documents.get(tabId);
  return {
    backForward: shown?.url === url && shown.backForward,
    isCurrent: () => documents.get(tabId) === shown,
  };
}

async function onCommitted(details) {
  if (!isShownTopFrame(details)) {
    return;
  }
  const { tabId, url, transitionType, transitionQualifiers } = details;
  documents.set(tabId, {
    url,
    backForward: (transitionQualifiers ?? []).includes("forward_back"),
    contentLoaded: false,
  });
  // False for the shopper's own navigation, which ends a chain in progress:
  // then this is an ordinary page, with its prompt, checks and page event.
  const inChain = await activation.onCommitted(tabId, url, transitionType, transitionQualifiers);
  await badge.refresh(tabId, url);
  const store = await sessionStore(tabId, url);
  const unfinished = await pageload.onCommitted(tabId, url, store);
  await overwrites.onCommitted(tabId, url, store, inChain);
  if (store !== null && !inChain) {
    await session.onPage(url, store);
  }
  if (unfinished !== null) {
    await diagnostics.runFor(unfinished, tabId);
  }
}

// On a store page: the prompt asks to activate, unless the shopper is about
// to pay (cart, checkout) or the store has a session, or the tab is private:
// then the checks run and warn if they must. The warning offers Activate too.
async function promptOrCheck(tabId, url) {
  const store = await partners.match(url);
  if (store === null) {
    return;
  }
  const isPrivate = await incognito.isPrivateTab(tabId);
  const paying = classifyPath(new URL(url).pathname) !== PAGE_KIND.PAGE;
  if (!isPrivate && !paying && (await prompting.shouldAsk(store, url))) {
    await inject.injectPrompt(tabId);
  } else if ((await session.stored(store.id)) !== null) {
    await diagnostics.checkPage(tabId, store);
  } else if ((isPrivate || paying) && !(await prompting.isNeverAsked(store.id))) {
    // Without a session, the checks can only say "not activated": not on a store where the
    // shopper chose "not on this store", which the warning would ask on every step to pay.
    await diagnostics.checkPage(tabId, store);
  }
}

async function onDOMContentLoaded(details) {
  if (!isShownTopFrame(details)) {
    return;
  }
  const shown = documents.get(details.tabId);
  if (shown !== undefined) {
    shown.contentLoaded = true;
  }
  if ((await activation.pending(details.tabId)) !== null) {
    return;
  }
  await promptOrCheck(details.tabId, details.url);
}

async function onCompleted(details) {
  if (!isShownTopFrame(details)) {
    return;
  }
  const { tabId, url } = details;
  pageload.onCompleted(tabId);
  if (await activation.onCompleted(tabId, url)) {
    return;
  }
  const shown = documents.get(tabId);
  if (shown?.contentLoaded === false && (await activation.pending(tabId)) === null) {
    // Back or Forward showed the page from the back/forward cache: no
    // DOMContentLoaded came, and it asks or checks as a page just loaded does.
    await promptOrCheck(tabId, url);
  }
  const store = await sessionStore(tabId, url);
  if (store !== null) {
    // It waits for late content: the tab's next events must not wait for it.
    void logged(session.lookForOrder(tabId, store.id, shownPage(tabId, url)));
  }
}

// A single-page store changes pages with the History API: a page view, and
// perhaps the order confirmation, without a load.
async function onHistoryStateUpdated(details) {
  if (!isShownTopFrame(details) || (await activation.pending(details.tabId)) !== null) {
    return;
  }
  const store = await sessionStore(details.tabId, details.url);
  if (store !== null) {
    await session.onPage(details.url, store);
    void logged(session.lookForOrder(details.tabId, store.id, shownPage(details.tabId, null)));
  }
  await promptOrCheck(details.tabId, details.url);
}

// The tab leaves its page: a payment page that had not finished loading is
// noted (the page-load check), and the checks run again to keep it.
async function onBeforeNavigate(details) {
  if (!isShownTopFrame(details)) {
    return;
  }
  const unfinished = await pageload.onLeaving(details.tabId);
  if (unfinished !== null) {
    await diagnostics.runFor(unfinished, details.tabId);
  }
}

async function onBeforeRedirect(details) {
  if (!(await activation.onRedirect(details.tabId, details.redirectUrl))) {
    overwrites.onRedirect(details.tabId, details.requestId, details.url, details.redirectUrl);
  }
}

// Landed: the landing page is the first the checks can speak about.
async function onLanded(tabId, url) {
  const store = await partners.match(url);
  if (store !== null) {
    await diagnostics.checkPage(tabId, store);
  }
}

async function onBeforeRequest(details) {
  await activation.onRequest(details.tabId, details.url);
}

// A top-level navigation failed: in an activation's chain, an ad blocker may
// have refused the program's redirect.
async function onErrorOccurred(details) {
  if (details.frameId === 0) {
    await activation.onError(details.tabId, details.url, details.error);
  }
}

async function onTabRemoved(tabId) {
  documents.delete(tabId);
  await overwrites.onRemoved(tabId);
  const unfinished = await pageload.onLeaving(tabId);
  if (unfinished !== null) {
    await diagnostics.runFor(unfinished, null);
  }
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
  activation.onLanded(onLanded);
  webext.webNavigation.onCommitted.addListener(inTabOrder(onCommitted));
  webext.webNavigation.onDOMContentLoaded.addListener(inTabOrder(onDOMContentLoaded));
  webext.webNavigation.onCompleted.addListener(inTabOrder(onCompleted));
  webext.webNavigation.onHistoryStateUpdated.addListener(inTabOrder(onHistoryStateUpdated));
  webext.webNavigation.onBeforeNavigate.addListener(inTabOrder(onBeforeNavigate));
  webext.webNavigation.onErrorOccurred.addListener(inTabOrder(onErrorOccurred));
  // Observation only (no blocking): the 30x hops of an affiliate redirect
  // never commit a document, so webNavigation alone would not see them.
  webext.webRequest.onBeforeRedirect.addListener(inTabOrder(onBeforeRedirect), {
    urls: ["<all_urls>"],
    types: ["main_frame"],
  });
  webext.webRequest.onBeforeRequest.addListener(inTabOrder(onBeforeRequest), {
    urls: ["<all_urls>"],
    types: ["main_frame"],
  });
  webext.tabs.onRemoved.addListener((tabId) => void logged(onTabRemoved(tabId)));
}
