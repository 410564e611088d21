/*
 * Everything that talks to the companion: its address and token, the HTTP
 * transport (timeouts, error mapping), the few API calls the extension makes,
 * and the outbox that carries events to it. No other module, and no page or
 * content script, sends anything to the companion.
 *
 * Errors become a CompanionError whose `state` is what the shopper is shown
 * (not_running, not_paired, error) and whose `code` is the companion's own
 * error code when it gave one (docs/protocol.md).
 */
import { webext } from "./webext.js";
import * as storage from "./storage.js";
import {
  API_PREFIX,
  COMPANION_STATE,
  DEFAULT_COMPANION_URL,
  EVENT_BATCH_MAX,
  LOCAL,
  OUTBOX_MAX,
  REQUEST_TIMEOUT_MS,
  RETRY_BASE_MS,
  RETRY_MAX_MS,
  TICK_ALARM,
  TICK_PERIOD_MINUTES,
} from "./constants.js";
import { companionOrigin } from "../lib/loopback.js";
import { applyAck, applyRefusal, asOutbox, backoffDelay, enqueue, takeBatch } from "../lib/queue.js";

export class CompanionError extends Error {
  constructor(state, code, message = code, httpStatus = null) {
    super(message);
    this.name = "CompanionError";
    this.state = state;
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

// What the shopper reads for a failure: by the companion's code when it has
// a specific message, else by state.
const MESSAGE_BY_CODE = {
  bad_code: "errorBadCode",
  bad_url: "errorBadUrl",
  bad_origin: "errorRefusedOrigin",
  bad_host: "errorRefusedOrigin",
  no_code: "errorNoCode",
  not_in_catalog: "errorNotInCatalog",
  // Not the companion's: a fix the tab's latest checks no longer offer (js/fixes.js).
  not_offered: "errorNotOffered",
};
const MESSAGE_BY_STATE = {
  [COMPANION_STATE.PAIRED]: "statusPaired",
  [COMPANION_STATE.NOT_PAIRED]: "statusNotPaired",
  [COMPANION_STATE.NOT_RUNNING]: "statusNotRunning",
  [COMPANION_STATE.ERROR]: "statusError",
};

function messageFor(state, code) {
  return webext.i18n.getMessage(MESSAGE_BY_CODE[code] ?? MESSAGE_BY_STATE[state]);
}

/** {state, code, message} of any error, for a page to show. */
export function describeError(error) {
  if (error instanceof CompanionError) {
    return { state: error.state, code: error.code, message: messageFor(error.state, error.code) };
  }
  // The worker's own refusals with words of their own (js/fixes.js); anything else is a bug.
  const code = typeof error?.code === "string" && Object.hasOwn(MESSAGE_BY_CODE, error.code) ? error.code : "internal";
  if (code === "internal") {
    console.error("Cashback Guard:", error);
  }
  return { state: COMPANION_STATE.ERROR, code, message: messageFor(COMPANION_STATE.ERROR, code) };
}

async function settings() {
  const saved = await storage.get("local", LOCAL.COMPANION);
  return { url: saved?.url ?? DEFAULT_COMPANION_URL, token: saved?.token ?? null };
}

/**
 * One API call. Resolves to {status, etag, body}; a 304 has a null body.
 * `auth: false` only for the calls the companion takes without a token.
 */
async function call(method, path, { body, auth = true, etag = null } = {}) {
  const { url, token } = await settings();
  if (auth && token === null) {
    throw new CompanionError(COMPANION_STATE.NOT_PAIRED, "no_token");
  }
  const headers = {};
  if (auth) {
    headers.Authorization = `Bearer ${token}`;
  }
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  if (etag !== null) {
    headers["If-None-Match"] = etag;
  }
  let response;
  let payload = null;
  try {
    response = await fetch(`${url}${API_PREFIX}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // The companion is not a website: no cookies, no HTTP cache, and a
      // redirect would mean something else answers on its port.
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (response.status !== 304) {
      payload = await response.json().catch(() => null);
    }
  } catch (error) {
    const code = error?.name === "TimeoutError" ? "timeout" : "unreachable";
    throw new CompanionError(COMPANION_STATE.NOT_RUNNING, code, String(error));
  }
  if (!response.ok && response.status !== 304) {
    const code = typeof payload?.error?.code === "string" ? payload.error.code : `http_${response.status}`;
    const state =
      response.status === 401 || code === "bad_code" ? COMPANION_STATE.NOT_PAIRED : COMPANION_STATE.ERROR;
    throw new CompanionError(state, code, String(payload?.error?.message ?? code), response.status);
  }
  return { status: response.status, etag: response.headers.get("ETag"), body: payload };
}

/**
 * Where the companion stands: reachable at all (health needs no token), then
 * whether our token is still accepted. Resolves to {state, url, version,
 * message}, never rejects.
 */
export async function checkStatus() {
  const { url, token } = await settings();
  let state = COMPANION_STATE.PAIRED;
  let version = null;
  let code = null;
  try {
    const health = await call("GET", "/health", { auth: false });
    version = typeof health.body?.version === "string" ? health.body.version : null;
    if (token === null) {
      state = COMPANION_STATE.NOT_PAIRED;
    } else {
      await call("GET", "/clicks?limit=1");
    }
  } catch (error) {
    ({ state, code } = describeError(error));
  }
  return { state, code, url, version, message: messageFor(state, code) };
}

/**
 * Pairs with the companion at `address` using the one-time code the shopper
 * got from `cashback-companion pair`. A new address forgets the old token; a
 * wrong code keeps whatever pairing worked before.
 */
export async function pair(address, code) {
  const url = companionOrigin(address);
  if (url === null) {
    throw new CompanionError(COMPANION_STATE.NOT_PAIRED, "bad_url");
  }
  await storage.update("local", LOCAL.COMPANION, (saved) => ({
    url,
    token: saved?.url === url ? (saved.token ?? null) : null,
  }));
  const { body } = await call("POST", "/pair", { auth: false, body: { code: String(code).trim() } });
  if (typeof body?.token !== "string" || body.token === "") {
    throw new CompanionError(COMPANION_STATE.ERROR, "bad_response");
  }
  await storage.update("local", LOCAL.COMPANION, () => ({ url, token: body.token }));
  void deliver();
}

/**
 * The partner index, or {notModified: true} when `etag` is still current.
 */
export async function fetchIndex(etag) {
  const { status, etag: newEtag, body } = await call("GET", "/partners/index", { etag });
  return status === 304 ? { notModified: true } : { notModified: false, etag: newEtag, index: body };
}

/** A click for the store page `url`: {click_id, redirect_url, partner, program, created_at}. */
export async function createClick(url, program) {
  let body;
  try {
    ({ body } = await call("POST", "/clicks", { body: program ? { url, program } : { url } }));
  } catch (error) {
    // The store or the offer left the companion's catalog since the store list was last
    // fetched (up to ten minutes): trying again cannot help, fetching the list again can.
    if (error instanceof CompanionError && ["not_partner", "no_offer"].includes(error.code)) {
      throw new CompanionError(COMPANION_STATE.ERROR, "not_in_catalog", error.message, 422);
    }
    throw error;
  }
  if (typeof body?.click_id !== "string" || typeof body.partner !== "string" || !isHttpUrl(body.redirect_url)) {
    throw new CompanionError(COMPANION_STATE.ERROR, "bad_response");
  }
  return body;
}

/**
 * The tracking checks' verdicts for `facts` in the shopper's `lang`, stored
 * with the click `clickId` when given: {at, verdict, warn, checks, run_id}.
 */
export async function runChecks(facts, clickId, lang) {
  const request = { facts, lang, ...(clickId !== null && { click_id: clickId }) };
  const { body } = await call("POST", "/diagnostics", { body: request });
  if (!Array.isArray(body?.checks) || typeof body.verdict !== "string" || typeof body.warn !== "boolean") {
    throw new CompanionError(COMPANION_STATE.ERROR, "bad_response");
  }
  return body;
}

function isHttpUrl(value) {
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * Records an event for the companion. It is in storage.local before this
 * resolves, so it survives the worker, the browser and the companion being
 * down; delivery starts at once and is retried until the companion answers.
 */
export async function record(type, clickId, data) {
  const event = { id: crypto.randomUUID(), type, at: new Date().toISOString(), click_id: clickId, data };
  await storage.update("local", LOCAL.OUTBOX, (saved) => enqueue(asOutbox(saved), event, OUTBOX_MAX));
  void deliver();
}

// Delivery state while this worker lives; the outbox itself is in storage.
let delivering = false;
let deliverAgain = false;
let retryTimer = null;
let failures = 0;

/** Sends the outbox, batch after batch, until it is empty or the companion fails. */
async function deliver() {
  if (delivering) {
    // An event recorded during a delivery must not wait for the next tick.
    deliverAgain = true;
    return;
  }
  delivering = true;
  clearTimeout(retryTimer);
  try {
    do {
      deliverAgain = false;
      await deliverOutbox();
    } while (deliverAgain);
  } finally {
    delivering = false;
  }
}

async function deliverOutbox() {
  for (;;) {
    const batch = takeBatch(asOutbox(await storage.get("local", LOCAL.OUTBOX)), EVENT_BATCH_MAX);
    if (batch.length === 0) {
      failures = 0;
      return;
    }
    const ids = batch.map((event) => event.id);
    try {
      const { body } = await call("POST", "/events", { body: { events: batch } });
      await storage.update("local", LOCAL.OUTBOX, (saved) => {
        const { outbox, rejected } = applyAck(asOutbox(saved), ids, body);
        for (const rejection of rejected) {
          console.warn("Cashback Guard: the companion rejected event", rejection.id, rejection.error);
        }
        return outbox;
      });
      failures = 0;
    } catch (error) {
      if (error instanceof CompanionError && ["not_partner", "no_offer"].includes(error.code)) {
        await storage.update("local", LOCAL.OUTBOX, (saved) => applyRefusal(asOutbox(saved), ids));
        continue;
      }
      if (!(error instanceof CompanionError)) {
        console.error("Cashback Guard: delivering events failed", error);
      }
      retryTimer = setTimeout(deliver, backoffDelay(failures++, RETRY_BASE_MS, RETRY_MAX_MS));
      return;
    }
  }
}

function onAlarm(alarm) {
  if (alarm.name === TICK_ALARM) {
    void deliver();
  }
}

export function startListeners() {
  webext.alarms.onAlarm.addListener(onAlarm);
  // Creating an alarm that exists would restart its period on every wake-up.
  void webext.alarms.get(TICK_ALARM).then((alarm) => {
    if (!alarm) {
      return webext.alarms.create(TICK_ALARM, { periodInMinutes: TICK_PERIOD_MINUTES });
    }
  });
  void deliver();
}
