/*
 * The partner index: kept in sync with the companion, matched against
 * locally. The last copy lives in storage.local, so detection goes on while
 * the companion is down; the companion is asked again with If-None-Match at
 * most every INDEX_REFRESH_MS, and on every tick while no copy is held.
 */
import { webext } from "./webext.js";
import * as storage from "./storage.js";
import * as companion from "./companion.js";
import { INDEX_REFRESH_MS, LOCAL, TICK_ALARM } from "./constants.js";
import { isIndex, matchPartner } from "../lib/match.js";
import { describeOffers } from "../lib/offers.js";

const EMPTY_INDEX = Object.freeze({ version: "", hosts: {}, partners: {} });

// In memory while the worker lives: the stored copy, read once, and when the
// companion was last asked (not stored: a fresh worker may well ask again).
let saved = null;
let checkedAt = 0;

async function savedIndex() {
  saved ??= (await storage.get("local", LOCAL.INDEX)) ?? { etag: null, index: EMPTY_INDEX };
  return saved;
}

/** The current index (an empty one before the first sync). */
async function currentIndex() {
  return (await savedIndex()).index;
}

/**
 * Asks the companion for a newer index. Rejects with a CompanionError when it
 * cannot be asked; the stored copy stays in use.
 */
export async function sync() {
  const current = await savedIndex();
  const answer = await companion.fetchIndex(current.etag);
  checkedAt = Date.now();
  if (answer.notModified) {
    return;
  }
  if (!isIndex(answer.index)) {
    console.warn("Cashback Guard: the companion sent an index of the wrong shape; keeping the old one");
    return;
  }
  if (answer.index.version === current.index.version && answer.etag === current.etag) {
    return;
  }
  saved = { etag: answer.etag, index: answer.index };
  await storage.update("local", LOCAL.INDEX, () => saved);
}

/** {id, partner} of the partner a URL belongs to, or null. */
export async function match(url) {
  const current = await currentIndex();
  const id = matchPartner(current, url);
  return id === null ? null : { id, partner: current.partners[id] };
}

/** {id, partner} of a partner by its id, or null. */
export async function byId(id) {
  const current = await currentIndex();
  return Object.hasOwn(current.partners, id) ? { id, partner: current.partners[id] } : null;
}

/** The domains a partner is matched by: where its cookies live. */
export async function domainsOf(id) {
  const current = await currentIndex();
  return Object.entries(current.hosts)
    .filter(([, partnerId]) => partnerId === id)
    .map(([host]) => host);
}

/** What the prompt and popup show of a partner: its name and offers, best first. */
export function describe({ id, partner }) {
  const t = (key, substitutions) => webext.i18n.getMessage(key, substitutions);
  return { id, name: partner.name, offers: describeOffers(partner.offers, t) };
}

async function onAlarm(alarm) {
  if (alarm.name !== TICK_ALARM) {
    return;
  }
  if (Date.now() - checkedAt > INDEX_REFRESH_MS || (await currentIndex()).version === "") {
    // The companion being down is the normal case here, not an error.
    await sync().catch(() => {});
  }
}

export function startListeners() {
  webext.alarms.onAlarm.addListener(onAlarm);
  void sync().catch(() => {});
}
