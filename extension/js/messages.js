/*
 * The one entry for runtime messages from the popup, the options page and the
 * in-page prompt: a table keyed by `request.type`, each route naming who may
 * send it. Every request and answer is documented in docs/protocol.md.
 *
 * A route's answer is sent back as is; a failure as {error: {state, code,
 * message}} with the message already in the shopper's language.
 */
import { webext } from "./webext.js";
import * as activation from "./activation.js";
import * as companion from "./companion.js";
import * as diagnostics from "./diagnostics.js";
import * as fixes from "./fixes.js";
import * as partners from "./partners.js";
import * as prompting from "./prompting.js";
import * as session from "./session.js";

// Who sent a message: one of our own pages (popup, options), or our content
// script in a tab's top frame. Web pages cannot message us at all (there is
// no externally_connectable), and other extensions are refused here.
const FROM_PAGE = "page";
const FROM_CONTENT = "content";

function senderKind(sender) {
  if (sender.id !== webext.runtime.id) {
    return null;
  }
  if (typeof sender.url === "string" && sender.url.startsWith(webext.runtime.getURL(""))) {
    return FROM_PAGE;
  }
  return Number.isInteger(sender.tab?.id) && sender.frameId === 0 ? FROM_CONTENT : null;
}

class BadRequest extends Error {}

function need(condition, what) {
  if (!condition) {
    throw new BadRequest(`bad request: ${what}`);
  }
}

const isShortString = (value, max) => typeof value === "string" && value.length > 0 && value.length <= max;

// The store of the page a content script runs in, from the browser's own
// record of the sender, never from what the script says.
async function senderStore(sender) {
  const store = await partners.match(sender.url);
  need(store !== null, "not on a partner store");
  return store;
}

async function tabState({ tabId }) {
  need(Number.isInteger(tabId), "tabId");
  const { url, incognito } = await webext.tabs.get(tabId);
  const store = typeof url === "string" ? await partners.match(url) : null;
  const [status, summary, neverAsk, checks] = await Promise.all([
    companion.checkStatus(),
    // A private tab has no session of its own, and must not show the normal one's.
    session.summary(store === null || incognito ? null : store.id),
    store === null ? false : prompting.isNeverAsked(store.id),
    store === null ? null : tabChecks(store, tabId),
  ]);
  return {
    companion: status,
    partner: store && partners.describe(store),
    session: summary,
    neverAsk,
    checks,
    private: incognito === true,
  };
}

// The checks as the popup shows them, or why there are none.
function tabChecks(store, tabId) {
  return diagnostics.run(store, tabId).catch((error) => ({ error: companion.describeError(error) }));
}

// The tab a fix or an activation is for: the sender's own for the page
// scripts, the one the popup names otherwise.
function targetTab(request, sender, from) {
  const target = from === FROM_CONTENT ? sender.tab.id : request.tabId;
  need(Number.isInteger(target), "tabId");
  return target;
}

const ROUTES = {
  getStatus: {
    from: [FROM_PAGE],
    handle: () => companion.checkStatus(),
  },
  pair: {
    from: [FROM_PAGE],
    async handle({ url, code }) {
      // The form sends what the shopper typed, empty fields too: say which is missing.
      let missing = null;
      if (!isShortString(url, 200)) {
        missing = "bad_url";
      } else if (!isShortString(typeof code === "string" ? code.trim() : null, 100)) {
        missing = "no_code";
      }
      if (missing !== null) {
        const status = await companion.checkStatus();
        return { ...status, pairError: companion.describeError(new companion.CompanionError(status.state, missing)) };
      }
      try {
        await companion.pair(url, code);
      } catch (error) {
        // A wrong code does not undo an earlier pairing: the page shows why
        // this one failed beside where things really stand.
        return { ...(await companion.checkStatus()), pairError: companion.describeError(error) };
      }
      // Detection needs the index the companion now lets us read.
      await partners.sync().catch(() => {});
      return companion.checkStatus();
    },
  },
  getTabState: {
    from: [FROM_PAGE],
    handle: tabState,
  },
  activate: {
    from: [FROM_PAGE, FROM_CONTENT],
    async handle(request, sender, from) {
      need(request.program === undefined || isShortString(request.program, 100), "program");
      try {
        return await activation.activate(targetTab(request, sender, from), request.program);
      } catch (error) {
        if (error?.code === "not_in_catalog") {
          // The store list was behind the companion's catalog: the next page asks no more.
          await partners.sync().catch(() => {});
        }
        throw error;
      }
    },
  },
  getWarning: {
    from: [FROM_CONTENT],
    async handle(request, sender) {
      return diagnostics.warningFor(sender.tab.id, (await senderStore(sender)).id);
    },
  },
  disableExtension: {
    from: [FROM_PAGE, FROM_CONTENT],
    handle(request, sender, from) {
      need(isShortString(request.extensionId, 128), "extensionId");
      return fixes.disableExtension(targetTab(request, sender, from), request.extensionId);
    },
  },
  clearCookiesAndActivate: {
    from: [FROM_PAGE, FROM_CONTENT],
    handle: (request, sender, from) => fixes.clearCookiesAndActivate(targetTab(request, sender, from)),
  },
  getPrompt: {
    from: [FROM_CONTENT],
    handle: (request, sender) => prompting.promptFor(sender.url),
  },
  dismissPrompt: {
    from: [FROM_CONTENT],
    async handle(request, sender) {
      await prompting.dismiss((await senderStore(sender)).id);
      return {};
    },
  },
  neverAskHere: {
    from: [FROM_CONTENT],
    async handle(request, sender) {
      await prompting.setNeverAsk((await senderStore(sender)).id, true);
      return {};
    },
  },
  askHereAgain: {
    from: [FROM_PAGE],
    async handle({ partnerId }) {
      need(isShortString(partnerId, 200), "partnerId");
      await prompting.setNeverAsk(partnerId, false);
      return {};
    },
  },
};

function onMessage(request, sender, sendResponse) {
  const route = Object.hasOwn(ROUTES, request?.type) ? ROUTES[request.type] : null;
  const from = senderKind(sender);
  if (route === null || !route.from.includes(from)) {
    return false;
  }
  Promise.resolve()
    .then(() => route.handle(request, sender, from))
    .then(sendResponse, (error) => sendResponse({ error: companion.describeError(error) }));
  // Chromium keeps the channel open for sendResponse only when told so.
  return true;
}

export function startListeners() {
  webext.runtime.onMessage.addListener(onMessage);
}
