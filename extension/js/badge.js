/*
 * The toolbar badge of each tab: not a partner (no badge), partner not
 * activated, activated (on the way or tracking not known yet), tracked, at
 * risk; which one, and its words, is lib/badge.js's rule. Drawn from the
 * stored state alone, so it is redrawn the same way after a navigation
 * (which resets per-tab badges), after any change of a session, a redirect
 * chain or the index, and when a redirect chain is given up.
 */
import { webext } from "./webext.js";
import * as partners from "./partners.js";
import * as session from "./session.js";
import * as storage from "./storage.js";
import * as activation from "./activation.js";
import * as incognito from "./incognito.js";
import { ACTIVATION_TIMEOUT_MS, BADGE, LOCAL, SESSION } from "./constants.js";
import { badgeFor } from "../lib/badge.js";

const REDRAW_ALARM = "badge-redraw";
// A second past the timeout: the redraw must find the chain given up.
const REDRAW_LATE_MS = 1000;

const LOOKS = {
  [BADGE.NONE]: { text: "", color: null },
  [BADGE.PARTNER]: { text: "%", color: "#5f6368" },
  [BADGE.ACTIVATED]: { text: "…", color: "#1a73e8" },
  [BADGE.TRACKED]: { text: "✓", color: "#188038" },
  [BADGE.AT_RISK]: { text: "!", color: "#c5221f" },
};

// The facts lib/badge.js decides from, read for the page `url` of `tabId`.
async function badgeOf(tabId, url, sessionOf) {
  const store = typeof url === "string" ? await partners.match(url) : null;
  if (store === null) {
    return badgeFor({ partner: false });
  }
  const isPrivate = await incognito.isPrivateTab(tabId);
  return badgeFor({
    partner: true,
    isPrivate,
    redirecting: !isPrivate && (await activation.pending(tabId)) !== null,
    session: isPrivate ? null : session.forPage(await sessionOf(store.id), url, store),
    now: Date.now(),
  });
}

/** Redraws one tab's badge for the page it shows. */
export async function refresh(tabId, url, sessionOf = session.current) {
  const { look: state, title } = await badgeOf(tabId, url, sessionOf);
  const look = { ...LOOKS[state], title };
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
  if (areaName === "session" && keys.some((key) => key.startsWith(SESSION.ACTIVATION_PREFIX))) {
    void redrawWhenGivenUp();
  }
}

// A redirect chain that never reaches the store is given up after
// ACTIVATION_TIMEOUT_MS, where it is read: no event says so. The badges are
// redrawn then, or a tab left on the store would say "checking" all day. An
// alarm, since the worker may be asleep by then, set for the first chain
// still running to run out, and set again for the next when it goes off.
async function redrawWhenGivenUp() {
  const chains = await storage.entries("session", SESSION.ACTIVATION_PREFIX);
  const now = Date.now();
  const ends = chains
    .map(([, chain]) => chain?.startedAt + ACTIVATION_TIMEOUT_MS)
    .filter((end) => Number.isFinite(end) && end > now);
  if (ends.length > 0) {
    await webext.alarms.create(REDRAW_ALARM, { when: Math.min(...ends) + REDRAW_LATE_MS });
  }
}

function onAlarm(alarm) {
  if (alarm.name === REDRAW_ALARM) {
    void refreshAll();
    void redrawWhenGivenUp();
  }
}

export function startListeners() {
  webext.storage.onChanged.addListener(onStorageChanged);
  webext.alarms.onAlarm.addListener(onAlarm);
}
