/*
 * The toolbar badge of each tab: not a partner (no badge), partner not
 * activated, activated (on the way or tracking not known yet), tracked, at
 * risk. Drawn from the stored state alone, so it is redrawn the same way
 * after a navigation (which resets per-tab badges) and after any change of a
 * session, a redirect chain or the index.
 */
import { webext } from "./webext.js";
import * as partners from "./partners.js";
import * as session from "./session.js";
import * as activation from "./activation.js";
import * as incognito from "./incognito.js";
import { BADGE, LOCAL, SESSION, SESSION_STATE } from "./constants.js";
import { TRACKING } from "../lib/tracking.js";

const LOOKS = {
  [BADGE.NONE]: { text: "", color: null, title: "extName" },
  [BADGE.PARTNER]: { text: "%", color: "#5f6368", title: "badgePartner" },
  [BADGE.ACTIVATED]: { text: "…", color: "#1a73e8", title: "badgeActivated" },
  [BADGE.TRACKED]: { text: "✓", color: "#188038", title: "badgeTracked" },
  [BADGE.AT_RISK]: { text: "!", color: "#c5221f", title: "badgeAtRisk" },
};

async function stateOf(tabId, url, sessionOf) {
  const store = typeof url === "string" ? await partners.match(url) : null;
  if (store === null) {
    return BADGE.NONE;
  }
  if (await incognito.isPrivateTab(tabId)) {
    // The programs do not count a private window, whatever session the store has.
    return BADGE.AT_RISK;
  }
  if ((await activation.pending(tabId)) !== null) {
    return BADGE.ACTIVATED;
  }
  const current = session.forPage(await sessionOf(store.id), url, store);
  if (current === null) {
    return BADGE.PARTNER;
  }
  if (current.state === SESSION_STATE.ACTIVATED || current.tracking === TRACKING.UNKNOWN) {
    return BADGE.ACTIVATED;
  }
  return current.tracking === TRACKING.TRACKED ? BADGE.TRACKED : BADGE.AT_RISK;
}

/** Redraws one tab's badge for the page it shows. */
export async function refresh(tabId, url, sessionOf = session.current) {
  const look = LOOKS[await stateOf(tabId, url, sessionOf)];
  try {
    await webext.action.setBadgeText({ tabId, text: look.text });
    if (look.color !== null) {
      await webext.action.setBadgeBackgroundColor({ tabId, color: look.color });
      await webext.action.setBadgeTextColor({ tabId, color: "#ffffff" });
    }
    await webext.action.setTitle({ tabId, title: webext.i18n.getMessage(look.title) });
  } catch {
    // The tab was closed meanwhile.
  }
}

async function refreshAll() {
  // Many tabs may show one store: read its session once.
  const sessions = new Map();
  const sessionOf = (partnerId) => {
    if (!sessions.has(partnerId)) {
      sessions.set(partnerId, session.current(partnerId));
    }
    return sessions.get(partnerId);
  };
  const tabs = await webext.tabs.query({});
  await Promise.all(tabs.map((tab) => refresh(tab.id, tab.url, sessionOf)));
}

function onStorageChanged(changes, areaName) {
  const keys = Object.keys(changes);
  const relevant =
    areaName === "local"
      ? keys.some((key) => key === LOCAL.INDEX || key.startsWith(LOCAL.SESSION_PREFIX))
      : areaName === "session" && keys.some((key) => key.startsWith(SESSION.ACTIVATION_PREFIX));
  if (relevant) {
    void refreshAll();
  }
}

export function startListeners() {
  webext.storage.onChanged.addListener(onStorageChanged);
}
