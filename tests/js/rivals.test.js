// Signs that another affiliate's click replaced the shopper's (extension/lib/rivals.js).
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  changedCookies,
  changedParams,
  entersWithClick,
  entryVia,
  paramValues,
  withoutParams,
  withSign,
} from "../../extension/lib/rivals.js";

const STORE = "http://shop.test:8080";

// [urls, names, values]
const VALUES = [
  [[`${STORE}/?aff_id=NET-1`], ["aff_id"], { aff_id: "NET-1" }],
  [[`${STORE}/?aff_id=A`, `${STORE}/item?aff_id=B`], ["aff_id"], { aff_id: "B" }],
  [[`${STORE}/?aff_id=A`, `${STORE}/item`], ["aff_id"], { aff_id: "A" }],
  [[`${STORE}/?other=1`], ["aff_id"], {}],
  [["not a url", `${STORE}/?aff_id=%20x`], ["aff_id"], { aff_id: " x" }],
  [[`${STORE}/?aff_id=A`], undefined, {}],
];

for (const [urls, names, expected] of VALUES) {
  test(`paramValues ${JSON.stringify(urls)}`, () => {
    assert.deepEqual(paramValues(urls, names), expected);
  });
}

// [landing values, url, changed]
const CHANGES = [
  [{ aff_id: "NET-c_1" }, `${STORE}/item/1?aff_id=RIVAL-1`, ["aff_id"]],
  [{ aff_id: "NET-c_1" }, `${STORE}/item/1?aff_id=NET-c_1`, []],
  // Stores drop their parameters from later pages: no change.
  [{ aff_id: "NET-c_1" }, `${STORE}/cart`, []],
  // A parameter the landing never had cannot have been replaced.
  [{}, `${STORE}/item/1?aff_id=RIVAL-1`, []],
  [{ aff_id: "" }, `${STORE}/?aff_id=x`, ["aff_id"]],
];

for (const [landing, url, expected] of CHANGES) {
  test(`changedParams ${url} after ${JSON.stringify(landing)}`, () => {
    assert.deepEqual(changedParams(landing, url, ["aff_id"]), expected);
  });
}

// [hops, via]
const ENTRIES = [
  [[{ url: "http://rival.test:8080/click?to=x", store: false }, { url: `${STORE}/?aff_id=R`, store: true }], "rival.test"],
  [
    [
      { url: "http://coupons.example/out", store: false },
      { url: "https://net2.example/c", store: false },
      { url: `${STORE}/`, store: true },
    ],
    "coupons.example",
  ],
  // The store's own redirects (http → https, a trailing slash) are no other host.
  [[{ url: `${STORE}/a`, store: true }, { url: "https://shop.test/a/", store: true }], null],
  // The companion's own /go/ redirect sits on 127.0.0.1: ours, not a rival's.
  [[{ url: "http://127.0.0.1:47615/go/c_x", store: false }, { url: `${STORE}/`, store: true }], null],
  [[{ url: "chrome-extension://abc/page.html", store: false }, { url: `${STORE}/`, store: true }], null],
  [[], null],
];

for (const [hops, expected] of ENTRIES) {
  test(`entryVia ${hops.map((hop) => hop.url).join(" → ") || "(no hops)"}`, () => {
    assert.equal(entryVia(hops), expected);
  });
}

test("changedCookies: only a cookie that had another digest at the landing", () => {
  assert.deepEqual(changedCookies({ aff_click: "aa" }, { aff_click: "bb" }), ["aff_click"]);
  assert.deepEqual(changedCookies({ aff_click: "aa" }, { aff_click: "aa" }), []);
  assert.deepEqual(changedCookies({}, { aff_click: "bb" }), []);
  // A cookie that is gone is the one-session check's business.
  assert.deepEqual(changedCookies({ aff_click: "aa" }, {}), []);
});

test("withSign keeps each sign once, newest last, at most max", () => {
  const one = { via: "rival.test", from_store: true };
  assert.deepEqual(withSign(undefined, one, 3), [one]);
  assert.deepEqual(withSign([one], one, 3), [one]);
  assert.deepEqual(withSign([1, 2, 3], 4, 3), [2, 3, 4]);
  assert.deepEqual(withSign([1, 2, 3], 1, 3), [2, 3, 1]);
});

// [url, without the partner's tracking parameters]
const CLEANED = [
  [`${STORE}/item/1?aff_id=RIVAL-1`, `${STORE}/item/1`],
  [`${STORE}/item/1?color=red&aff_id=RIVAL-1&aff_id=X#top`, `${STORE}/item/1?color=red#top`],
  // Untouched when there is nothing to take out, byte for byte.
  [`${STORE}/search?q=a+b%20c`, `${STORE}/search?q=a+b%20c`],
  ["not a url", "not a url"],
];

for (const [url, expected] of CLEANED) {
  test(`withoutParams ${url}`, () => {
    assert.equal(withoutParams(url, ["aff_id"]), expected);
  });
}

// [url landed on, the partner's tracking params, an affiliate's click?]
const ENTERED = [
  [`${STORE}/item/1?aff_id=RIVAL-1`, ["aff_id"], true],
  [`${STORE}/item/1?x=1&aff_id=`, ["aff_id"], true],
  // A sign-in or a 3-D Secure page sends the tab back without one.
  [`${STORE}/auth/callback?code=abc`, ["aff_id"], false],
  [`${STORE}/order/complete?PaRes=xyz`, ["aff_id", "utm_source"], false],
  [`${STORE}/?utm_source=admitad`, ["aff_id", "utm_source"], true],
  // No parameter named in the catalog: no telling, so it counts.
  [`${STORE}/auth/callback`, [], true],
  [`${STORE}/auth/callback`, undefined, true],
  [`${STORE}/auth/callback`, [42], true],
];

for (const [url, names, expected] of ENTERED) {
  test(`entersWithClick ${url} ${JSON.stringify(names)}`, () => {
    assert.equal(entersWithClick(url, names), expected);
  });
}
