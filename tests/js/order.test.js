// Order recognition on the facts gathered from real-looking pages
// (tests/js/fixtures/orders/*.json: {why, orderPages, facts, expected}),
// and the sanitising of what a page claims.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";

import {
  addsTo,
  decimalAmount,
  FACT_LIMITS,
  isComplete,
  isNewOrder,
  navigationOf,
  orderId,
  recognizeOrder,
  rememberOrder,
} from "../../extension/lib/order.js";

const FIXTURES = new URL("./fixtures/orders/", import.meta.url);

const fixtures = readdirSync(FIXTURES)
  .filter((name) => name.endsWith(".json"))
  .map((name) => ({ name, ...JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8")) }));

test("there are fixtures both of orders and of pages that are not", () => {
  assert.ok(fixtures.some((fixture) => fixture.expected === null));
  assert.ok(fixtures.some((fixture) => fixture.expected !== null));
});

for (const { name, why, orderPages, facts, expected } of fixtures) {
  test(`${name}: ${why}`, () => {
    assert.deepEqual(recognizeOrder(facts, orderPages), expected);
  });
}

const NOT_FACTS = [undefined, null, {}, { url: "javascript:alert(1)" }, { url: 42, text: "Thank you for your order" }];

for (const facts of NOT_FACTS) {
  test(`no order without a web page URL: ${JSON.stringify(facts)}`, () => {
    assert.equal(recognizeOrder(facts, []), null);
  });
}

test("wording past the text cap is not read", () => {
  const text = `${"x".repeat(FACT_LIMITS.textChars)} Thank you for your order`;
  assert.equal(recognizeOrder({ url: "https://shop.example/", text, heading: "Thank you for your order" }, []), null);
});

test("a JSON-LD script over the cap is not parsed", () => {
  const order = JSON.stringify({ "@type": "Order", orderNumber: "1", pad: "x".repeat(FACT_LIMITS.jsonLdChars) });
  assert.equal(recognizeOrder({ url: "https://shop.example/", jsonld: [order] }, []), null);
});

// Confirmation wording alone, phrase by phrase, on a page whose heading says
// it too: [text, recognised, order id].
const WORDING = [
  ["Thank you for your order!", true, null],
  ["THANK YOU FOR YOUR ORDER", true, null],
  ["Order #A-1 has been placed.", true, "A-1"],
  ["Order no. 5 has been placed", true, "5"],
  ["Спасибо за заказ!", true, null],
  ["Спасибо за ваш заказ", true, null],
  ["Ваш заказ №77 оформлен.", true, "77"],
  ["Ваш заказ 77 успешно оформлен", true, "77"],
  ["Ваш заказ успешно оформлен", true, null],
  ["Заказ успешно оформлен", true, null],
  ["Заказ № R-5 успешно оформлен!", true, "R-5"],
  ["Thank you for your orders over the years", false, null],
  ["Order summary. Place order", false, null],
  ["Once your order has been placed you will get an e-mail", false, null],
  ["Спасибо за заказы", false, null],
  ["Оформление заказа", false, null],
  ["Ваш заказ №77 оформленный ранее отменён", false, null],
  ["Заказ считается оформленным после оплаты", false, null],
];

for (const [text, recognised, id] of WORDING) {
  test(`wording ${JSON.stringify(text)}: ${recognised ? `an order (${id})` : "no order"}`, () => {
    const order = recognizeOrder({ url: "https://shop.example/", dataLayer: null, jsonld: [], text, heading: text }, []);
    assert.deepEqual(order, recognised ? { source: "wording", order_id: id, amount: null, currency: null } : null);
  });
}

// Where the wording alone is believed: "Anna, thank you for your order!" in
// the text (a seller answering a review) on a page with these facts besides.
// [why, facts, order pages, the order recognised (null: none)].
const SAID = "Reviews. Seller: Anna, thank you for your order! Order #A-1 has been placed, we said.";
const WORDING_ONLY = { source: "wording", order_id: "A-1", amount: null, currency: null };
const PURCHASE = { event: "purchase", ecommerce: { value: 10, currency: "RUB" } };
const WHERE = [
  ["a product page", { url: "https://shop.example/item/1", title: "Kettle", heading: "Kettle" }, [], null],
  ["no title, heading or referrer", { url: "https://shop.example/item/1" }, [], null],
  ["the title says it", { url: "https://shop.example/done", title: "Thank you for your order - Shop" }, [], WORDING_ONLY],
  ["an h1 says it", { url: "https://shop.example/done", heading: "Shop\nСпасибо за заказ!" }, [], WORDING_ONLY],
  ["an h1 says something else", { url: "https://shop.example/done", heading: "Your order" }, [], null],
  ["past the heading's cap", { url: "https://shop.example/done", heading: `${"x".repeat(FACT_LIMITS.stringChars)} Thank you for your order` }, [], null],
  ["the title is no text", { url: "https://shop.example/done", title: ["Thank you for your order"] }, [], null],
  ["under the checkout", { url: "https://shop.example/checkout/success" }, [], WORDING_ONLY],
  ["under the cart", { url: "https://shop.example/cart/done" }, [], null],
  ["from the checkout", { url: "https://shop.example/done", referrer: "https://shop.example/checkout?step=pay" }, [], WORDING_ONLY],
  ["from the cart", { url: "https://shop.example/item/1", referrer: "https://shop.example/cart" }, [], null],
  ["from another site's checkout", { url: "https://shop.example/item/1", referrer: "https://other.example/checkout" }, [], null],
  ["from a checkout on another port", { url: "https://shop.example/item/1", referrer: "https://shop.example:8443/checkout" }, [], null],
  ["the referrer is no web address", { url: "https://shop.example/item/1", referrer: "about:blank" }, [], null],
  ["the referrer is no text", { url: "https://shop.example/item/1", referrer: { pathname: "/checkout" } }, [], null],
  ["the catalog's order page", { url: "https://shop.example/done" }, ["/done"], { ...WORDING_ONLY, source: "order_page" }],
  ["beside a purchase in the dataLayer", { url: "https://shop.example/done", dataLayer: [PURCHASE] }, [], { source: "ga4", order_id: "A-1", amount: "10", currency: "RUB" }],
];

for (const [why, facts, orderPages, expected] of WHERE) {
  test(`wording in the text, ${why}: ${expected === null ? "no order" : expected.source}`, () => {
    assert.deepEqual(recognizeOrder({ text: SAID, ...facts }, orderPages), expected);
  });
}

const AMOUNTS = [
  [2450.5, "2450.5"],
  [100, "100"],
  [0, "0"],
  ["2450.50", "2450.50"],
  [" 2 450,50 ", "2450.50"],
  ["2\u00a0450,5", "2450.5"],
  ["2,450.50", "2450.50"],
  ["1,234,567", "1234567"],
  ["2,450", null],
  ["2.450,50", null],
  ["-5", null],
  [-5, null],
  ["1e3", null],
  [1e21, null],
  [Number.NaN, null],
  [Number.POSITIVE_INFINITY, null],
  ["12.3456789", null],
  ["999999999999.99", "999999999999.99"],
  // Over the companion's 1e12, which would refuse the whole order event.
  ["9999999999999", null],
  [1e13, null],
  ["1 000 000 000 000", null],
  ["₽ 100", null],
  [null, null],
  [true, null],
  [{ value: 1 }, null],
];

for (const [value, expected] of AMOUNTS) {
  test(`decimalAmount(${typeof value === "string" ? JSON.stringify(value) : String(value)}) = ${expected}`, () => {
    assert.equal(decimalAmount(value), expected);
  });
}

test("an amount the companion would refuse is left out, and the order kept", () => {
  const purchase = { event: "purchase", ecommerce: { transaction_id: "A-1", value: 9_999_999_999_999, currency: "RUB" } };
  assert.deepEqual(recognizeOrder({ url: "https://shop.example/thanks", dataLayer: [purchase] }, []), {
    source: "ga4",
    order_id: "A-1",
    amount: null,
    currency: null,
  });
});

const ORDER_IDS = [
  ["A-1001", "A-1001"],
  ["  #A-1001 ", "A-1001"],
  ["№ 4455", "4455"],
  [778899, "778899"],
  ["Заказ-7", "Заказ-7"],
  [1.5, null],
  [-1, null],
  ["", null],
  ["a b", null],
  ["<script>", null],
  ["x".repeat(65), null],
  [["A"], null],
];

for (const [value, expected] of ORDER_IDS) {
  test(`orderId(${JSON.stringify(value)}) = ${expected}`, () => {
    assert.equal(orderId(value), expected);
  });
}

// A later read of the same confirmation page: [order, as recorded before, adds to it, complete].
const BARE = { source: "order_page", order_id: null, amount: null, currency: null };
const NUMBERED = { source: "wording", order_id: "A-1", amount: null, currency: null };
const PRICED = { source: "order_page", order_id: null, amount: "10.00", currency: "RUB" };
const FULL = { source: "ga4", order_id: "A-1", amount: "10.00", currency: "RUB" };
const SIGHTINGS = [
  [BARE, null, true, false],
  [FULL, null, true, true],
  [BARE, BARE, false, false],
  [NUMBERED, BARE, true, false],
  [PRICED, BARE, true, false],
  [FULL, NUMBERED, true, true],
  [NUMBERED, NUMBERED, false, false],
  [BARE, NUMBERED, false, false],
  [PRICED, NUMBERED, true, false],
  [FULL, FULL, false, true],
  [BARE, FULL, false, false],
  [NUMBERED, PRICED, true, false],
];

for (const [order, earlier, adds, complete] of SIGHTINGS) {
  test(`sighting ${JSON.stringify(order)} after ${JSON.stringify(earlier)}`, () => {
    assert.equal(addsTo(order, earlier), adds);
    assert.equal(isComplete(order), complete);
  });
}

// A first reading of an order, against the store's orders recorded before:
// [why, the reading, recorded orders, a new order].
const THANKS = "https://shop.example/thank-you";
const COMPLETE = "https://shop.example/order/complete";
const RECORDED = [
  { clickId: "c_1", orderId: null, addresses: [THANKS] },
  { clickId: "c_2", orderId: "A-1", addresses: [COMPLETE] },
];
const READING = { orderId: null, address: THANKS, clickId: "c_3", navigation: "navigate", last: false };
const FIRST_READINGS = [
  ["nothing recorded", READING, undefined, true],
  ["an address not recorded", { ...READING, address: "https://shop.example/thanks?n=2" }, RECORDED, true],
  ["an id not recorded", { ...READING, orderId: "A-2", address: COMPLETE }, RECORDED, true],
  ["an id recorded, under another click", { ...READING, orderId: "A-1", address: THANKS }, RECORDED, false],
  ["an id recorded, under its own click", { ...READING, orderId: "A-1", clickId: "c_2" }, RECORDED, false],
  ["the fixed address of an order without id, another click", READING, RECORDED, true],
  ["the fixed address, its own click", { ...READING, clickId: "c_1" }, RECORDED, false],
  ["the fixed address, reloaded", { ...READING, navigation: "reload" }, RECORDED, false],
  ["the fixed address, back and forward", { ...READING, navigation: "back_forward" }, RECORDED, false],
  ["the fixed address, not known how it was loaded", { ...READING, navigation: null }, RECORDED, true],
  ["an address whose order gave its id, another click, more readings to come", { ...READING, address: COMPLETE }, RECORDED, false],
  ["an address whose order gave its id, another click, the last reading", { ...READING, address: COMPLETE, last: true }, RECORDED, true],
  ["an address whose order gave its id, reloaded, the last reading", { ...READING, address: COMPLETE, navigation: "reload", last: true }, RECORDED, false],
  ["the newest order at the address decides", READING, [...RECORDED, { clickId: "c_3", orderId: null, addresses: [THANKS] }], false],
  // The list's first form (plain ids and addresses, no click), written before the update.
  ["an address of the list's first form, more readings to come", READING, [THANKS, "A-1"], false],
  ["an address of the list's first form, the last reading", { ...READING, last: true }, [THANKS, "A-1"], true],
  ["an address of the list's first form, reloaded", { ...READING, navigation: "reload", last: true }, [THANKS], false],
  ["an id of the list's first form", { ...READING, orderId: "A-1", address: COMPLETE }, [THANKS, "A-1"], false],
  ["no list", READING, "A-1", true],
];

for (const [why, reading, seen, isNew] of FIRST_READINGS) {
  test(`first reading, ${why}: ${isNew ? "a new order" : "not now"}`, () => {
    assert.equal(isNewOrder(seen, reading), isNew);
  });
}

// What is remembered of a recorded sighting: [why, recorded before, sighting, max, recorded after].
const REMEMBERED = [
  ["the first order", undefined, { clickId: "c_1", orderId: null, address: THANKS }, 100, [RECORDED[0]]],
  [
    "a later sighting gives the id",
    [RECORDED[0]],
    { clickId: "c_1", orderId: "A-5", address: THANKS },
    100,
    [{ ...RECORDED[0], orderId: "A-5" }],
  ],
  [
    "the first id stays, a new address is added, the order moves last",
    RECORDED,
    { clickId: "c_2", orderId: "A-9", address: THANKS },
    100,
    [RECORDED[0], { clickId: "c_2", orderId: "A-1", addresses: [COMPLETE, THANKS] }],
  ],
  [
    "another click's order at the same address",
    RECORDED,
    { clickId: "c_3", orderId: null, address: THANKS },
    100,
    [...RECORDED, { clickId: "c_3", orderId: null, addresses: [THANKS] }],
  ],
  ["the oldest go past the cap", RECORDED, { clickId: "c_3", orderId: null, address: THANKS }, 2, [RECORDED[1], { clickId: "c_3", orderId: null, addresses: [THANKS] }]],
  [
    "the list's first form is kept, as orders of no known click",
    [THANKS, "A-1", 7],
    { clickId: "c_1", orderId: null, address: THANKS },
    100,
    [
      { clickId: null, orderId: null, addresses: [THANKS] },
      { clickId: null, orderId: "A-1", addresses: [] },
      RECORDED[0],
    ],
  ],
];

for (const [why, seen, sighting, max, expected] of REMEMBERED) {
  test(`remembered: ${why}`, () => {
    assert.deepEqual(rememberOrder(seen, sighting, max), expected);
  });
}

test("two purchases at one fixed address without ids: each a new order, each shown again none", () => {
  let seen;
  for (const clickId of ["c_1", "c_2"]) {
    const reading = { orderId: null, address: THANKS, clickId, navigation: "navigate", last: false };
    assert.equal(isNewOrder(seen, reading), true, clickId);
    seen = rememberOrder(seen, reading, 100);
    assert.equal(isNewOrder(seen, reading), false, `${clickId} read again`);
    assert.equal(isNewOrder(seen, { ...reading, clickId: "c_9", navigation: "reload" }), false, `${clickId} reloaded`);
  }
});

// [why, facts, backForward, navigation]
const SHOWN = [
  ["a page loaded by a link", { url: THANKS, navigation: "navigate" }, false, "navigate"],
  ["a reload", { url: THANKS, navigation: "reload" }, false, "reload"],
  ["restored by Back from the back/forward cache", { url: THANKS, navigation: "navigate" }, true, "back_forward"],
  ["loaded anew by Back", { url: THANKS, navigation: "back_forward" }, true, "back_forward"],
  ["not known", { url: THANKS, navigation: null }, false, null],
];

for (const [why, facts, backForward, navigation] of SHOWN) {
  test(`shown: ${why}`, () => {
    assert.equal(navigationOf(facts, backForward), navigation);
  });
}

test("an earlier purchase's number-less thank-you page, restored by Back under a new click, is no new order", () => {
  const first = { orderId: null, address: THANKS, clickId: "c_1", navigation: "navigate", last: false };
  const seen = rememberOrder(undefined, first, 100);
  const restored = { url: THANKS, navigation: "navigate" };
  const reading = { ...first, clickId: "c_2", last: true };
  assert.equal(isNewOrder(seen, { ...reading, navigation: restored.navigation }), true, "as the page says");
  assert.equal(isNewOrder(seen, { ...reading, navigation: navigationOf(restored, true) }), false);
});
