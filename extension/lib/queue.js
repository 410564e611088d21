/*
 * The event outbox as plain data, and the pure operations on it. The
 * background keeps it in storage.local (js/companion.js) so that nothing is
 * lost while the companion is down or the worker is killed.
 *
 * An outbox is {events, single}: `events` in the order they happened, each
 * already in the wire format of POST /api/v1/events with its own UUID, and
 * `single`, the ids of events to send one at a time (see applyRefusal).
 * Events leave the outbox only when the companion has answered for them, so
 * an answer lost on the way means a resend, which the companion recognises by
 * id and does not count twice.
 */

export function emptyOutbox() {
  return { events: [], single: [] };
}

/** A stored value as an outbox (a missing or damaged one as an empty one). */
export function asOutbox(value) {
  return Array.isArray(value?.events) && Array.isArray(value?.single) ? value : emptyOutbox();
}

/**
 * Adds an event at the end. Past `max` events the oldest page view is dropped
 * first: landings and orders are what the shopper's claim rests on.
 */
export function enqueue(outbox, event, max) {
  const events = [...outbox.events, event];
  while (events.length > max) {
    const pageView = events.findIndex((queued) => queued.type === "page");
    events.splice(pageView === -1 ? 0 : pageView, 1);
  }
  return { events, single: keepKnown(outbox.single, events) };
}

/**
 * The next events to send, oldest first, at most `max`. An event marked
 * single goes alone, and a batch stops before one.
 */
export function takeBatch(outbox, max) {
  const single = new Set(outbox.single);
  const [head] = outbox.events;
  if (head === undefined) {
    return [];
  }
  if (single.has(head.id)) {
    return [head];
  }
  const batch = [];
  for (const event of outbox.events) {
    if (batch.length === max || single.has(event.id)) {
      break;
    }
    batch.push(event);
  }
  return batch;
}

/**
 * The companion answered a batch with {accepted, duplicates, rejected}: every
 * sent event is settled. Accepted and duplicate ones are stored there; rejected
 * ones it can never take (say, their click was deleted), so retrying them
 * would block the queue forever. Returns the new outbox and the rejections
 * that concern this batch, for the log.
 */
export function applyAck(outbox, sentIds, ack) {
  const sent = new Set(sentIds);
  const rejected = Array.isArray(ack?.rejected)
    ? ack.rejected.filter((rejection) => sent.has(rejection?.id))
    : [];
  return { outbox: without(outbox, sent), rejected };
}

/**
 * The companion refused a whole batch as malformed (422). That is a bug on
 * this side, in one event or in all; resending the same batch would fail the
 * same way forever. So a refused batch is split: each of its events is sent
 * alone next, and an event refused alone is dropped. One bad event costs only
 * itself.
 */
export function applyRefusal(outbox, sentIds) {
  if (sentIds.length === 1) {
    return without(outbox, new Set(sentIds));
  }
  return { events: outbox.events, single: [...new Set([...outbox.single, ...sentIds])] };
}

/**
 * How long to wait before retry number `attempt` (0 for the first): doubling
 * from `baseMs`, never more than `maxMs`. No jitter: each companion has one
 * client, so there is no herd to spread.
 */
export function backoffDelay(attempt, baseMs, maxMs) {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
}

function without(outbox, ids) {
  const events = outbox.events.filter((event) => !ids.has(event.id));
  return { events, single: keepKnown(outbox.single, events) };
}

function keepKnown(singleIds, events) {
  const present = new Set(events.map((event) => event.id));
  return singleIds.filter((id) => present.has(id));
}
