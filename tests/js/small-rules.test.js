// The small pure rules: offers as the shopper reads them, the companion's
// address, the tracking hints, URLs as events record them, and the fixes a
// browser can carry out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { possibleActions } from "../../extension/lib/actions.js";
import { describeOffers } from "../../extension/lib/offers.js";
import { companionOrigin } from "../../extension/lib/loopback.js";
import {
  COOKIE_NAME_CHARS,
  COOKIE_NAMES_MAX,
  cookieNames,
  cookiesPresent,
  paramsPresent,
  setSince,
  trackingState,
  TRACKING,
} from "../../extension/lib/tracking.js";
import { MAX_URL_LENGTH, recordableUrl } from "../../extension/lib/url.js";

// The extension's own message lookup, with the real English and Russian texts.
function lookup(locale) {
  const messages = JSON.parse(
    readFileSync(new URL(`../../extension/_locales/${locale}/messages.json`, import.meta.url), "utf8"),
  );
  return (key, substitutions = []) => {
    let text = messages[key].message;
    for (const [name, { content }] of Object.entries(messages[key].placeholders ?? {})) {
      const value = substitutions[Number(content.slice(1)) - 1];
      text = text.replaceAll(`$${name.toUpperCase()}$`, value);
    }
    return text;
  };
}

const offer = (fields) => ({ program: "p", program_name: "Program", currency: "RUB", rate_percent: null, fixed_amount: null, up_to: false, ...fields });

const OFFERS = [
  ["en", offer({ rate_percent: "5" }), "5%"],
  ["en", offer({ rate_percent: "3.4", up_to: true }), "up to 3.4%"],
  ["ru", offer({ rate_percent: "3.4", up_to: true }), "до 3,4 %"],
  ["en", offer({ fixed_amount: "150" }), "150 RUB"],
  ["ru", offer({ fixed_amount: "150", up_to: true }), "до 150 RUB"],
  ["en", offer({ rate_percent: 7 }), "7%"],
];

for (const [locale, given, rate] of OFFERS) {
  test(`offer ${JSON.stringify(given.rate_percent ?? given.fixed_amount)} in ${locale} reads "${rate}"`, () => {
    assert.deepEqual(describeOffers([given], lookup(locale)), [{ program: "p", programName: "Program", rate }]);
  });
}

test("offers keep the index's order (best first) and drop unreadable ones", () => {
  const offers = [
    offer({ program: "a", rate_percent: "5" }),
    offer({ program: "b", rate_percent: "1e9" }),
    offer({ program: "c", fixed_amount: "100", currency: null }),
    offer({ program: "d", rate_percent: "2" }),
  ];
  assert.deepEqual(
    describeOffers(offers, lookup("en")).map((described) => described.program),
    ["a", "d"],
  );
  assert.deepEqual(describeOffers(undefined, lookup("en")), []);
});

const ADDRESSES = [
  ["http://127.0.0.1:47615", "http://127.0.0.1:47615"],
  [" http://127.0.0.1:47615/ ", "http://127.0.0.1:47615"],
  ["http://localhost:8000", "http://localhost:8000"],
  ["http://[::1]:47615", "http://[::1]:47615"],
  ["http://127.0.0.1", "http://127.0.0.1"],
  ["https://127.0.0.1:47615", null],
  ["http://192.168.1.10:47615", null],
  ["http://127.0.0.1.evil.example:47615", null],
  ["http://user:pw@127.0.0.1:47615", null],
  ["http://127.0.0.1:47615/api", null],
  ["http://127.0.0.1:47615/?x=1", null],
  ["127.0.0.1:47615", null],
  ["", null],
];

for (const [text, origin] of ADDRESSES) {
  test(`companionOrigin(${JSON.stringify(text)}) = ${origin}`, () => {
    assert.equal(companionOrigin(text), origin);
  });
}

test("parameter hints are found in any of the store's URLs", () => {
  const urls = ["https://shop.example/item/1?aff_id=NET-1&x=2", "https://shop.example/item/1", "not a url"];
  assert.deepEqual(paramsPresent(urls, ["aff_id", "utm_source"]), ["aff_id"]);
  assert.deepEqual(paramsPresent(urls, undefined), []);
});

test("cookie hints are found by name", () => {
  const cookies = [{ name: "aff_click", value: "1" }, { name: "session", value: "2" }];
  assert.deepEqual(cookiesPresent(cookies, ["aff_click", "other"]), ["aff_click"]);
  assert.deepEqual(cookiesPresent(cookies, [7]), []);
});

// [present, fingerprints at the click, fingerprints now, set since the click]
const SET_SINCE = [
  [["aff_click"], {}, { aff_click: "a1" }, ["aff_click"]],
  [["aff_click"], { aff_click: "a1" }, { aff_click: "b2" }, ["aff_click"]],
  // Another affiliate's cookie from before the click, left as it was by the redirect.
  [["aff_click"], { aff_click: "a1" }, { aff_click: "a1" }, []],
  [["aff_click", "adm_uid"], { aff_click: "a1" }, { aff_click: "a1", adm_uid: "c3" }, ["adm_uid"]],
  // A session from before this rule: nothing was taken at the click.
  [["aff_click"], undefined, { aff_click: "a1" }, ["aff_click"]],
  [["aff_click"], { aff_click: "a1" }, {}, ["aff_click"]],
  [[], { aff_click: "a1" }, {}, []],
];

for (const [present, before, now, set] of SET_SINCE) {
  test(`setSince(${JSON.stringify(present)}, ${JSON.stringify(before)}, ${JSON.stringify(now)}) = ${JSON.stringify(set)}`, () => {
    assert.deepEqual(setSince(present, before, now), set);
  });
}

const STATES = [
  [["aff_click"], [], TRACKING.TRACKED],
  [[], ["aff_id"], TRACKING.TRACKED],
  [[], [], TRACKING.AT_RISK],
];

for (const [cookies, params, state] of STATES) {
  test(`cookies ${JSON.stringify(cookies)} and params ${JSON.stringify(params)}: ${state}`, () => {
    assert.equal(trackingState(cookies, params), state);
  });
}

const RECORDED = [
  ["https://shop.example/cart?x=1#step-2", "https://shop.example/cart?x=1"],
  ["https://shop.example/", "https://shop.example/"],
  ["not a url", "not a url"],
];

for (const [url, recorded] of RECORDED) {
  test(`recordableUrl(${url}) = ${recorded}`, () => {
    assert.equal(recordableUrl(url), recorded);
  });
}

test("recorded URLs are capped", () => {
  const long = `https://shop.example/?q=${"x".repeat(5000)}`;
  assert.equal(recordableUrl(long).length, MAX_URL_LENGTH);
});

test("possibleActions leaves out the fixes the browser cannot carry out, and only those", () => {
  const turnOff = { type: "disable_extension", extension_id: "rival", label: "Rival Coupons" };
  const activate = { type: "activate", extension_id: null, label: null };
  const answer = {
    verdict: "untracked",
    warn: true,
    checks: [
      { check: "rival_extensions", status: "fail", fix: "Turn it off.", actions: [turnOff, activate] },
      { check: "ad_blocker", status: "ok", fix: null, actions: [] },
    ],
  };
  assert.equal(possibleActions(answer, { disableExtensions: true }), answer);
  const firefox = possibleActions(answer, { disableExtensions: false });
  assert.deepEqual(firefox.checks[0].actions, [activate]);
  assert.equal(firefox.checks[0].fix, "Turn it off.");
  assert.deepEqual(firefox.checks[1], answer.checks[1]);
  assert.equal(firefox.verdict, "untracked");
  assert.deepEqual(answer.checks[0].actions, [turnOff, activate], "the answer given is not changed");
});

test("cookieNames: each name once, none empty, each and all capped as the companion takes them", () => {
  const jar = (...names) => names.map((name) => ({ name, value: "v" }));
  assert.deepEqual(cookieNames(jar("cart", "", "session", "cart")), ["cart", "session"]);
  assert.deepEqual(cookieNames(jar("")), []);
  assert.deepEqual(cookieNames(jar("x".repeat(300))), ["x".repeat(COOKIE_NAME_CHARS)]);
  const many = jar(...Array.from({ length: 250 }, (_, n) => `c${n}`));
  assert.equal(cookieNames(many).length, COOKIE_NAMES_MAX);
});
