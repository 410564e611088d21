// The program's redirect after Activate: which commits are the shopper's own
// navigation (they end the chain), when a click never landed, and what the
// toolbar badge says of it.
import { test } from "node:test";
import assert from "node:assert/strict";

import { ACTIVATION_TIMEOUT_MS, BADGE, SESSION_STATE } from "../../extension/js/constants.js";
import { badgeFor } from "../../extension/lib/badge.js";
import { leftBy, neverLanded } from "../../extension/lib/redirect.js";
import { TRACKING } from "../../extension/lib/tracking.js";

// What webNavigation.onCommitted gives for a top-level commit, and what it means for a chain in
// progress. The program's hops, the tab's update, Back, Reload and an address opened by the test
// driver were logged in Chromium 156 and Firefox ESR 153; the address bar's other types are
// those the two browsers document (Firefox's ext-webNavigation: typed, auto_bookmark, keyword,
// generated, with from_address_bar).
const COMMITS = [
  // The program's own hops: carry on.
  ["tabs.update to the companion's /go/, 302s to the store", "link", ["server_redirect"], null],
  ["tabs.update to a page that answers itself", "link", [], null],
  ["script redirect while the page loads (Chromium)", "link", ["client_redirect"], null],
  ["script redirect after load, or any in Firefox", "link", [], null],
  ["meta refresh, at once or after a delay", "link", ["client_redirect"], null],
  ["auto-submitted form", "form_submit", [], null],
  ["subframe-like type on a top frame", "auto_subframe", [], null],
  ["no transition given at all", undefined, undefined, null],
  // The shopper's own: the chain ends.
  ["address typed (Chromium; Playwright's goto too)", "typed", [], "typed"],
  ["address typed in Firefox's address bar", "typed", ["from_address_bar"], "from_address_bar"],
  ["address typed that answers 302", "typed", ["server_redirect"], "typed"],
  ["a search from the address bar", "generated", ["from_address_bar"], "from_address_bar"],
  ["a search keyword", "keyword", [], "keyword"],
  ["a keyword's generated search", "keyword_generated", [], "keyword_generated"],
  ["a bookmark", "auto_bookmark", [], "auto_bookmark"],
  ["Back in Chromium (the entry's own type kept)", "typed", ["forward_back"], "forward_back"],
  ["Back in Firefox", "link", ["forward_back"], "forward_back"],
  ["Back to a page reached by a redirect", "link", ["forward_back", "server_redirect"], "forward_back"],
  ["a link followed from the address bar", "link", ["from_address_bar"], "from_address_bar"],
];

for (const [what, type, qualifiers, left] of COMMITS) {
  test(`a commit by ${what} ${left === null ? "may be the program's hop" : `is the shopper's own (${left})`}`, () => {
    assert.equal(leftBy(type, qualifiers), left);
    if (type !== "reload") {
      assert.equal(leftBy(type, qualifiers, true), left);
    }
  });
}

// A Reload: [why, a page of the chain had come, how the redirect was left].
const RELOADS = [
  // The chain's own page (a program's, or the store's still loading), reloaded by the shopper
  // or by an anti-bot check's script: the chain goes on, and the landing follows.
  ["of a page the chain came to", true, null],
  // Before any page of a 302 chain came, the reload is of the page Activate was pressed on.
  ["before any page of the chain came", false, "reload"],
];

for (const [why, came, left] of RELOADS) {
  test(`a Reload ${why}: ${left === null ? "the chain goes on" : "the redirect is left"}`, () => {
    assert.equal(leftBy("reload", [], came), left);
  });
}

const NOW = Date.parse("2026-11-23T08:00:00Z");
const session = (fields) => ({
  clickId: "c_1",
  state: SESSION_STATE.ACTIVATED,
  tracking: TRACKING.UNKNOWN,
  startedAt: NOW - 10_000,
  ...fields,
});

const SESSIONS = [
  ["no session", null, false],
  ["activated 10 s ago, on its way", session({}), false],
  ["activated exactly the redirect's time ago", session({ startedAt: NOW - ACTIVATION_TIMEOUT_MS }), false],
  ["activated longer ago than the redirect may take", session({ startedAt: NOW - ACTIVATION_TIMEOUT_MS - 1 }), true],
  ["activated 20 hours ago, never landed", session({ startedAt: NOW - 20 * 3600_000 }), true],
  ["left by the shopper 10 s after the click", session({ redirectLeft: ["typed"] }), true],
  ["its tab closed during the redirect", session({ redirectLeft: ["tab_closed"] }), true],
  ["no sign left (an empty list)", session({ redirectLeft: [] }), false],
  ["landed", session({ state: SESSION_STATE.LANDED, startedAt: NOW - 3600_000 }), false],
  [
    "landed after a sign of leaving was noted (a later chain)",
    session({ state: SESSION_STATE.LANDED, redirectLeft: ["typed"] }),
    false,
  ],
  ["order placed", session({ state: SESSION_STATE.ORDER_PLACED, startedAt: NOW - 3600_000 }), false],
];

for (const [what, given, expected] of SESSIONS) {
  test(`neverLanded: ${what} → ${expected}`, () => {
    assert.equal(neverLanded(given, NOW), expected);
  });
}

const on = (fields) => ({ partner: true, isPrivate: false, redirecting: false, session: null, now: NOW, ...fields });

const BADGES = [
  ["not a partner", { partner: false }, BADGE.NONE, "extName"],
  ["a partner, nothing activated", on({}), BADGE.PARTNER, "badgePartner"],
  // A private window: nothing was or can be activated there, whatever the normal window's session.
  ["a partner in a private window", on({ isPrivate: true }), BADGE.AT_RISK, "badgePrivate"],
  [
    "a partner in a private window, a session in the normal one",
    on({ isPrivate: true, session: session({ state: SESSION_STATE.LANDED, tracking: TRACKING.TRACKED }) }),
    BADGE.AT_RISK,
    "badgePrivate",
  ],
  ["the tab following the redirect", on({ redirecting: true, session: session({}) }), BADGE.ACTIVATED, "badgeActivated"],
  ["activated, on its way in another tab", on({ session: session({}) }), BADGE.ACTIVATED, "badgeActivated"],
  [
    "a redirect given up long ago",
    on({ session: session({ startedAt: NOW - 20 * 3600_000 }) }),
    BADGE.PARTNER,
    "badgeNeverLanded",
  ],
  ["a redirect the shopper left", on({ session: session({ redirectLeft: ["forward_back"] }) }), BADGE.PARTNER, "badgeNeverLanded"],
  [
    "landed, tracking not known yet",
    on({ session: session({ state: SESSION_STATE.LANDED }) }),
    BADGE.ACTIVATED,
    "badgeActivated",
  ],
  [
    "landed and tracked",
    on({ session: session({ state: SESSION_STATE.LANDED, tracking: TRACKING.TRACKED }) }),
    BADGE.TRACKED,
    "badgeTracked",
  ],
  [
    "landed at risk",
    on({ session: session({ state: SESSION_STATE.LANDED, tracking: TRACKING.AT_RISK }) }),
    BADGE.AT_RISK,
    "badgeAtRisk",
  ],
];

for (const [what, facts, look, title] of BADGES) {
  test(`badge: ${what} → ${look}, "${title}"`, () => {
    assert.deepEqual(badgeFor(facts), { look, title });
  });
}
