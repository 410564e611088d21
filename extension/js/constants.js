/*
 * Names for every threshold, storage key and fixed string the background
 * shares between modules, so that a number is changed in one place and a
 * reader sees why it has the value it has.
 */

export const DEFAULT_COMPANION_URL = "http://127.0.0.1:47615";
export const API_PREFIX = "/api/v1";

// A loopback call that has not answered in this time is treated as "not
// running": the companion is local, so a slow answer means it is stuck.
export const REQUEST_TIMEOUT_MS = 5000;

// Where the companion stands, as the popup and options page show it.
export const COMPANION_STATE = Object.freeze({
  PAIRED: "paired",
  NOT_PAIRED: "not_paired",
  NOT_RUNNING: "not_running",
  ERROR: "error",
});

// The event outbox. The companion takes up to 500 events a request; smaller
// batches keep one request short and one refusal cheap.
export const EVENT_BATCH_MAX = 100;
// About ten days of heavy shopping; past this the oldest page views go first.
export const OUTBOX_MAX = 5000;
// In-memory retry while the worker lives: 1 s, 2 s, 4 s, 8 s, then every 10 s.
// A refused connection to 127.0.0.1 costs nothing, and a companion started
// again has what happened meanwhile within seconds (the alarm below is for a
// worker the browser stopped).
export const RETRY_BASE_MS = 1000;
export const RETRY_MAX_MS = 10_000;
// chrome.alarms' shortest period (30 s) delivers a waiting queue within a
// minute of the companion coming back, even after the worker was killed.
export const TICK_ALARM = "companion-tick";
export const TICK_PERIOD_MINUTES = 0.5;

// The partner index is re-checked with If-None-Match at most this often
// (every tick when no copy has been fetched yet).
export const INDEX_REFRESH_MS = 10 * 60 * 1000;

// A purchase is expected within one shopping session after activation (the
// programs' own advice); after a day the affiliate cookie may have been
// replaced by another program's, so the shopper is asked again.
export const SESSION_MAX_AGE_MS = 24 * 60 * 60 * 1000;
export const SESSION_STATE = Object.freeze({
  NONE: "none",
  ACTIVATED: "activated",
  LANDED: "landed",
  ORDER_PLACED: "order_placed",
});

// The affiliate redirect chain normally settles within seconds; a chain that
// has not reached the store by then was abandoned or broken.
export const ACTIVATION_TIMEOUT_MS = 2 * 60 * 1000;
// How long a landing waits for the request events of its chain when the
// page's load event came first (Firefox delivers them by another route); a
// page that made no request (a cached one) lands after this.
export const REQUEST_EVENTS_GRACE_MS = 2000;
export const MAX_HOPS = 20;

// Order pages often fill the dataLayer or render the confirmation after the
// load event (and single-page checkouts only change history), so the page is
// read a second time a little later when the first look finds nothing.
export const ORDER_CHECK_DELAYS_MS = [500, 3000];
// Orders remembered per store (their ids and addresses, with their click) so
// one order is recorded once.
export const SEEN_ORDERS_MAX = 100;

// A page that never answers a script injection must not hold up the worker.
export const INJECTION_TIMEOUT_MS = 5000;

export const BADGE = Object.freeze({
  NONE: "none",
  PARTNER: "partner",
  ACTIVATED: "activated",
  TRACKED: "tracked",
  AT_RISK: "at_risk",
});

// The tracking checks (js/diagnostics.js). Each kind of sign noted in a
// session keeps its newest few: enough to say what happened, bounded however
// often a rival extension strikes.
export const SIGNS_MAX = 20;
// The error a redirect hop gets instead of a page when an extension puts its
// own page in place of a blocked document (strict blocking), as the
// companion's ad-blocker rule names it.
export const EXTENSION_PAGE_ERROR = "extension_page";
// How a browser reports a top-level request an extension blocked: instead of
// its error page the shopper is taken back to the store, where the warning
// says why. Chromium's net error; Firefox's webNavigation gives NS_ERROR_ABORT
// (0x80004004) for a declarativeNetRequest block, which differs from the
// NS_BINDING_ABORTED (0x804B0002) it reports for a page left or a redirect
// that changes process (tests/e2e/test_checks.py in Chromium,
// test_firefox_blocker.py in Firefox).
export const BLOCKED_BY_CLIENT_ERRORS = Object.freeze(["net::ERR_BLOCKED_BY_CLIENT", "Error code 2147500036"]);

// storage.local survives restarts: what must never be lost.
export const LOCAL = Object.freeze({
  COMPANION: "companion",
  OUTBOX: "outbox",
  INDEX: "partnerIndex",
  NEVER_ASK: "neverAsk",
  SESSION_PREFIX: "session:",
  SEEN_ORDERS_PREFIX: "orders:",
});
// storage.session lives as long as the browser: per-tab and per-visit state
// that must outlive a killed worker but not a browser restart.
export const SESSION = Object.freeze({
  ACTIVATION_PREFIX: "activation:",
  DISMISSED: "dismissed",
  // Stores whose cart or checkout was open before any click (the earlier-
  // visit check), and the last checks answered for each tab (the warning).
  CART_BEFORE: "cartBefore",
  // Stores the shopper came to through an affiliate link not ours (the
  // partner's tracking parameter in the address) before any click: another
  // affiliate holds the click, and Activate would replace it.
  AFFILIATE_BEFORE: "affiliateBefore",
  CHECKS_PREFIX: "checks:",
  // The partner store each tab showed last (js/overwrites.js); no key for a
  // tab on any other site.
  SHOWN_PREFIX: "shown:",
});
