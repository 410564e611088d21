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
  orderId,
  recognizeOrder,
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
  assert.equal(recognizeOrder({ url: "https://shop.example/", text }, []), null);
});

test("a JSON-LD script over the cap is not parsed", () => {
  const order = JSON.stringify({ "@type": "Order", orderNumber: "1", pad: "x".repeat(FACT_LIMITS.jsonLdChars) });
  assert.equal(recognizeOrder({ url: "https://shop.example/", jsonld: [order] }, []), null);
});

// Confirmation wording alone, phrase by phrase: [text, recognised, order id].
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
    const order = recognizeOrder({ url: "https://shop.example/", dataLayer: null, jsonld: [], text }, []);
    assert.deepEqual(order, recognised ? { source: "wording", order_id: id, amount: null, currency: null } : null);
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
