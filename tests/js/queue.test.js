// The outbox: order kept, batches, acknowledgements, duplicates, rejections,
// refused batches and the retry delays.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  applyAck,
  applyRefusal,
  asOutbox,
  backoffDelay,
  emptyOutbox,
  enqueue,
  takeBatch,
} from "../../extension/lib/queue.js";

const event = (id, type = "page") => ({ id, type, at: "2026-11-23T08:00:00.000Z", click_id: "c_1", data: {} });
const ids = (events) => events.map((queued) => queued.id);

function outboxOf(...names) {
  return names.reduce((outbox, name) => enqueue(outbox, event(name), 100), emptyOutbox());
}

test("events stay in the order they happened", () => {
  assert.deepEqual(ids(outboxOf("a", "b", "c").events), ["a", "b", "c"]);
});

test("a full outbox drops the oldest page view, never a landing or an order", () => {
  let outbox = emptyOutbox();
  for (const [id, type] of [["l", "landing"], ["p1", "page"], ["o", "order"], ["p2", "page"], ["p3", "page"]]) {
    outbox = enqueue(outbox, event(id, type), 3);
  }
  assert.deepEqual(ids(outbox.events), ["l", "o", "p3"]);
});

test("a full outbox of landings and orders drops the oldest", () => {
  let outbox = emptyOutbox();
  for (const id of ["o1", "o2", "o3"]) {
    outbox = enqueue(outbox, event(id, "order"), 2);
  }
  assert.deepEqual(ids(outbox.events), ["o2", "o3"]);
});

const BATCHES = [
  [[], 100, []],
  [["a", "b", "c"], 100, ["a", "b", "c"]],
  [["a", "b", "c"], 2, ["a", "b"]],
];

for (const [names, max, expected] of BATCHES) {
  test(`takeBatch of ${names.length} with max ${max}`, () => {
    assert.deepEqual(ids(takeBatch(outboxOf(...names), max)), expected);
  });
}

test("an acknowledged batch leaves the outbox, later events stay", () => {
  const outbox = outboxOf("a", "b", "c");
  const { outbox: after, rejected } = applyAck(outbox, ["a", "b"], { accepted: 2, duplicates: 0, rejected: [] });
  assert.deepEqual(ids(after.events), ["c"]);
  assert.deepEqual(rejected, []);
});

test("duplicates are settled like accepted events: sent again, counted once", () => {
  const { outbox } = applyAck(outboxOf("a", "b"), ["a", "b"], { accepted: 0, duplicates: 2, rejected: [] });
  assert.deepEqual(outbox.events, []);
});

test("rejected events are dropped and reported, not retried", () => {
  const ack = { accepted: 1, duplicates: 0, rejected: [{ id: "b", error: "click_id: no such click" }, { id: "zzz" }] };
  const { outbox, rejected } = applyAck(outboxOf("a", "b", "c"), ["a", "b"], ack);
  assert.deepEqual(ids(outbox.events), ["c"]);
  assert.deepEqual(rejected, [{ id: "b", error: "click_id: no such click" }]);
});

test("an event recorded while a batch was on its way survives the ack", () => {
  const sent = ids(takeBatch(outboxOf("a", "b"), 100));
  const meanwhile = enqueue(outboxOf("a", "b"), event("c"), 100);
  assert.deepEqual(ids(applyAck(meanwhile, sent, { accepted: 2 }).outbox.events), ["c"]);
});

test("a refused batch is split: its events go one at a time, and one refused alone is dropped", () => {
  let outbox = outboxOf("a", "b", "c");
  outbox = applyRefusal(outbox, ids(takeBatch(outbox, 2)));
  assert.deepEqual(ids(outbox.events), ["a", "b", "c"]);
  assert.deepEqual(ids(takeBatch(outbox, 100)), ["a"]);

  outbox = applyAck(outbox, ["a"], { accepted: 1 }).outbox;
  assert.deepEqual(ids(takeBatch(outbox, 100)), ["b"]);

  outbox = applyRefusal(outbox, ["b"]);
  assert.deepEqual(ids(outbox.events), ["c"]);
  assert.deepEqual(outbox.single, []);
  assert.deepEqual(ids(takeBatch(outbox, 100)), ["c"]);
});

test("a batch stops before an event that must go alone", () => {
  const outbox = { ...outboxOf("a", "b", "c"), single: ["b"] };
  assert.deepEqual(ids(takeBatch(outbox, 100)), ["a"]);
});

const STORED = [undefined, null, "junk", { events: "x" }, { events: [] }];

for (const value of STORED) {
  test(`asOutbox(${JSON.stringify(value)}) is an empty outbox`, () => {
    assert.deepEqual(asOutbox(value), emptyOutbox());
  });
}

const DELAYS = [
  [0, 1000],
  [1, 2000],
  [2, 4000],
  [4, 16_000],
  [5, 30_000],
  [50, 30_000],
  [5000, 30_000],
];

for (const [attempt, delay] of DELAYS) {
  test(`retry ${attempt} waits ${delay} ms`, () => {
    assert.equal(backoffDelay(attempt, 1000, 30_000), delay);
  });
}
