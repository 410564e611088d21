// The order recogniser (extension/lib/order.js) under property-based fuzzing
// with fast-check: whatever a page puts into the facts, recognizeOrder never
// throws, answers null or {source, order_id, amount, currency} with values the
// companion's protocol takes, reads no order where there is no order signal,
// and does not change its answer for changes that do not matter.
// Deterministic: a fixed seed and a bounded number of runs per property.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";

import { decimalAmount, FACT_LIMITS, orderId, recognizeOrder } from "../../extension/lib/order.js";

const RUNS = { seed: 20261123, numRuns: 300 };
// The comparisons run the recogniser twice on pages of up to 100,000 characters.
const PAIRS = { seed: 20261123, numRuns: 150 };
const SOURCES = ["order_page", "ga4", "ua", "jsonld", "wording"];
// What the companion's OrderData takes (companion/tracking/events.py): an
// amount from 0 to 1e12, a three-letter currency, an order id of at most 128
// characters. The recogniser promises less: ids of 64 characters at most.
const MAX_AMOUNT = 1e12;
const ORDER_ID = /^[\p{L}\p{N}][\p{L}\p{N}._/:#-]{0,63}$/u;

// ---------------------------------------------------------------- values

const WEIRD_NUMBERS = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  0,
  -1,
  0.1 + 0.2,
  1e-7,
  5e-324,
  1e12,
  1e12 + 0.5,
  9_999_999_999_999,
  999_999_999_999_999,
  1e21,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
];
// Numbers as shops write them: English and Russian grouping, decimal commas,
// and the ambiguous or malformed ones the recogniser must refuse.
const NUMERIC_STRINGS = [
  "2450.50",
  "2,450.50",
  "2 450,50",
  "2\u00a0450,50",
  "2\u202f450,50",
  " 1 299,90 ",
  "1,234,567",
  "2,450",
  "2.450,50",
  "2.450",
  "1e3",
  "-5",
  "+5",
  "0x10",
  "Infinity",
  "NaN",
  "₽ 100",
  "100 ₽",
  "１２３",
  "9999999999999",
  "999999999999999.999999",
  "1000000000000",
  "999999999999.99",
  "12.3456789",
  "",
  " ",
];
const SIGNAL_WORDS = ["purchase", "Order", "event", "ecommerce", "transaction_id", "value", "currency"];
const POLLUTING_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "length"];
const MEANINGFUL_KEYS = [
  "event",
  "ecommerce",
  "purchase",
  "actionField",
  "transaction_id",
  "value",
  "currency",
  "currencyCode",
  "id",
  "revenue",
  "@type",
  "@graph",
  "@context",
  "orderNumber",
  "price",
  "priceCurrency",
  "totalPaymentDue",
  "url",
  "dataLayer",
  "jsonld",
  "text",
  "title",
  "heading",
  "referrer",
];
const HUGE = "9".repeat(FACT_LIMITS.textChars + 10);

const strings = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(...NUMERIC_STRINGS, ...SIGNAL_WORDS, ...POLLUTING_KEYS, "RUB", "rub", " usd ", "ß", "A-1001", "#A-1", "№ 77"),
  fc.constantFrom(HUGE, "x".repeat(600), "\u0000", "line\nbreak", "\u2028", "\u202e", "<script>"),
);
const numbers = fc.oneof(fc.constantFrom(...WEIRD_NUMBERS), fc.double(), fc.integer());
const scalars = fc.oneof(fc.constant(null), fc.constant(undefined), fc.boolean(), numbers, strings);
const keys = fc.oneof(fc.constantFrom(...MEANINGFUL_KEYS, ...POLLUTING_KEYS), fc.string({ maxLength: 8 }));

// Any value a page could hand over, nested, with own keys such as __proto__
// (as JSON.parse and structured cloning make them), and, rarely, an object
// without a prototype.
const { value: anyValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalars,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(keys, tie("value"), { maxKeys: 4 }),
    fc.dictionary(keys, tie("value"), { maxKeys: 3 }).map((entries) => Object.assign(Object.create(null), entries)),
  ),
}));

// Values for the fields a recogniser reads: usually of a plausible kind.
const amounts = fc.oneof(numbers, fc.constantFrom(...NUMERIC_STRINGS), anyValue);
const ids = fc.oneof(fc.constantFrom("A-1001", 778899, "#A-1", "№ 4455", "x".repeat(65), "a b", ""), numbers, anyValue);
const currencies = fc.oneof(fc.constantFrom("RUB", "rub", " eur ", "RUBLES", "ß", "ﬀa"), anyValue);

const ga4 = fc.record(
  {
    event: fc.oneof(fc.constantFrom("purchase", "view_cart", "begin_checkout"), anyValue),
    ecommerce: fc.oneof(
      fc.record({ transaction_id: ids, value: amounts, currency: currencies }, { requiredKeys: [] }),
      anyValue,
    ),
  },
  { requiredKeys: [] },
);
const gtag = fc.tuple(
  fc.constantFrom("event", "config", "js"),
  fc.constantFrom("purchase", "page_view"),
  fc.oneof(fc.record({ transaction_id: ids, value: amounts, currency: currencies }, { requiredKeys: [] }), anyValue),
);
const ua = fc.record({
  ecommerce: fc.record(
    {
      currencyCode: currencies,
      purchase: fc.oneof(fc.record({ actionField: fc.record({ id: ids, revenue: amounts }, { requiredKeys: [] }) }), anyValue),
    },
    { requiredKeys: [] },
  ),
});
const entries = fc.array(fc.oneof(ga4, gtag, ua, anyValue), { maxLength: FACT_LIMITS.dataLayerEntries + 5, size: "medium" });

const jsonLdOrder = fc.record(
  {
    "@type": fc.oneof(fc.constantFrom("Order", "schema:Order", "https://schema.org/Order", "OrderItem", "order"), anyValue),
    orderNumber: ids,
    price: amounts,
    priceCurrency: currencies,
    totalPaymentDue: fc.oneof(fc.record({ price: amounts, value: amounts, currency: currencies }, { requiredKeys: [] }), anyValue),
  },
  { requiredKeys: [] },
);
const jsonLdTexts = fc.oneof(
  fc.oneof(jsonLdOrder, anyValue).map((node) => JSON.stringify({ "@context": "https://schema.org", "@graph": [node] }) ?? ""),
  jsonLdOrder.map((node) => `{"__proto__": ${JSON.stringify(node)}}`),
  fc.constantFrom("{ not json", "", "[".repeat(40_000) + "]".repeat(40_000), `{"@type":"Order","pad":"${"x".repeat(FACT_LIMITS.jsonLdChars)}"}`),
  anyValue,
);

const PHRASES = [
  "Thank you for your order!",
  "Order #A-1 has been placed.",
  "Order no. 5 has been placed",
  "Спасибо за заказ!",
  "Ваш заказ №77 оформлен.",
  "Заказ № R-5 успешно оформлен!",
  "Order summary. Place order",
  "Thank you for your orders over the years",
  "Оформление заказа",
  "Заказ считается оформленным после оплаты",
];
const texts = fc.oneof(
  fc.array(fc.oneof(fc.constantFrom(...PHRASES), strings), { maxLength: 6 }).map((parts) => parts.join(" ")),
  fc.constantFrom(HUGE, "order 1 ".repeat(7000), "заказ № ".repeat(7000)),
  anyValue,
);
const urls = fc.oneof(
  fc.constantFrom(
    "https://shop.example/",
    "https://shop.example/order/1/done",
    "http://shop.example/thanks?x=1#y",
    "https://shop.example/" + "a/".repeat(3000),
    "javascript:alert(1)",
    "ftp://shop.example/",
    "https://",
    "not a url",
  ),
  fc.webUrl(),
  anyValue,
);
// The partner's globs come from the catalog, which takes paths of up to 500
// characters ("/" and no spaces); these have at most two stars (see
// docs/reliability.md on globs with more). Anything else in the list is skipped.
const globs = fc.oneof(
  fc.constantFrom("/order/*/done", "/thanks", "/checkout/success*", "/*", "/"),
  fc
    .string({ maxLength: 40 })
    .map((text) => `/${text.replace(/\s/gu, "")}`)
    .filter((glob) => glob.split("*").length <= 3),
);
const orderPages = fc.oneof(
  fc.array(fc.oneof(globs, anyValue.filter((value) => typeof value !== "string")), { maxLength: 3 }),
  anyValue.filter((value) => !Array.isArray(value)),
);

const facts = fc.oneof(
  fc.record(
    {
      url: urls,
      dataLayer: fc.oneof(entries, anyValue),
      jsonld: fc.oneof(fc.array(jsonLdTexts, { maxLength: FACT_LIMITS.jsonLdScripts + 2 }), anyValue),
      text: texts,
      title: texts,
      heading: texts,
      referrer: urls,
      extra: anyValue,
    },
    { requiredKeys: [] },
  ),
  anyValue,
);

// ------------------------------------------------------------ the checks

function assertOrderShape(order) {
  if (order === null) {
    return;
  }
  assert.deepEqual(Object.keys(order).sort(), ["amount", "currency", "order_id", "source"]);
  assert.ok(SOURCES.includes(order.source), order.source);
  if (order.order_id !== null) {
    assert.equal(typeof order.order_id, "string");
    assert.match(order.order_id, ORDER_ID);
  }
  if (order.amount !== null) {
    assertAmount(order.amount);
  }
  if (order.currency !== null) {
    assert.match(order.currency, /^[A-Z]{3}$/);
    assert.notEqual(order.amount, null, "a currency only with an amount");
  }
}

function assertAmount(amount) {
  assert.equal(typeof amount, "string");
  assert.match(amount, /^\d+(?:\.\d{1,6})?$/);
  const number = Number(amount);
  assert.ok(Number.isFinite(number) && number >= 0 && number <= MAX_AMOUNT, amount);
}

function prototypesNow() {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((proto) =>
    Reflect.ownKeys(proto).map(String).sort().join(","),
  );
}

// ------------------------------------------------------------ properties

/** A deep copy that keeps each object's prototype (null, too) and own keys such as __proto__. */
function copyOf(value) {
  if (typeof value !== "object" || value === null) {
    return value;
  }
  const copy = Array.isArray(value) ? [] : Object.create(Object.getPrototypeOf(value));
  for (const key of Reflect.ownKeys(value)) {
    const described = Object.getOwnPropertyDescriptor(value, key);
    Object.defineProperty(copy, key, "value" in described ? { ...described, value: copyOf(described.value) } : described);
  }
  return copy;
}

test("any facts: never throws, the documented shape, nothing polluted or changed", () => {
  const prototypes = prototypesNow();
  fc.assert(
    fc.property(facts, orderPages, (pageFacts, pages) => {
      const before = copyOf(pageFacts);
      const order = recognizeOrder(pageFacts, pages);
      assertOrderShape(order);
      assert.deepEqual(pageFacts, before, "the facts are only read");
      assert.deepEqual(recognizeOrder(pageFacts, pages), order, "the same facts, the same answer");
    }),
    RUNS,
  );
  assert.deepEqual(prototypesNow(), prototypes, "no prototype gained or lost a key");
  assert.equal({}.polluted, undefined);
});

test("decimalAmount: null or a plain decimal the companion takes; a number keeps its value", () => {
  fc.assert(
    fc.property(fc.oneof(amounts, fc.string({ unit: "grapheme-ascii", maxLength: 20 })), (value) => {
      const amount = decimalAmount(value);
      if (amount !== null) {
        assertAmount(amount);
        if (typeof value === "number") {
          assert.equal(Number(amount), value);
        }
      }
    }),
    RUNS,
  );
});

test("decimalAmount: an amount written the English or Russian way is read exactly, or not at all", () => {
  const written = fc.record({
    cents: fc.bigInt({ min: 0n, max: 10n ** 14n - 1n }),
    locale: fc.constantFrom("en-US", "en-GB", "ru-RU"),
    digits: fc.constantFrom(0, 1, 2, 3),
  });
  fc.assert(
    fc.property(written, ({ cents, locale, digits }) => {
      const exact = `${cents / 100n}.${String(cents % 100n).padStart(2, "0")}`;
      const text = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(
        exact,
      );
      // What the text shows: `exact` rounded half up to `digits` places.
      const unit = 10n ** BigInt(3 - digits);
      const shown = ((cents * 10n + unit / 2n) / unit) * unit;
      const amount = decimalAmount(text);
      if (amount !== null) {
        assert.equal(Number(amount), Number(`${shown / 1000n}.${String(shown % 1000n).padStart(3, "0")}`), text);
      }
      if (digits === 2) {
        assert.equal(amount, exact, `${text}: two decimals are never ambiguous in ${locale}`);
      }
    }),
    RUNS,
  );
});

test("orderId: null or a bounded id; safe whole numbers are their digits", () => {
  fc.assert(
    fc.property(ids, (value) => {
      const id = orderId(value);
      if (id !== null) {
        assert.match(id, ORDER_ID);
      }
      if (Number.isSafeInteger(value) && value >= 0) {
        assert.equal(id, String(value));
      }
    }),
    RUNS,
  );
});

// --------------------------------------------- pages without an order

// Text, keys and values without the words an order signal needs, plus the near
// misses: the wrong event, a type that only ends like Order, cart wording.
const quiet = (text) => !/purchase|order|заказ/iu.test(text);
const quietStrings = strings.filter(quiet);
const quietKeys = keys.filter(quiet);
const { value: quietValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.constant(null), fc.boolean(), numbers, quietStrings),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(quietKeys, tie("value"), { maxKeys: 4 }),
  ),
}));
const NEAR_MISS_ENTRIES = [
  { event: "Purchase", ecommerce: { transaction_id: "A-1", value: 10, currency: "RUB" } },
  { event: "purchase ", ecommerce: { transaction_id: "A-1", value: 10 } },
  { event: "refund", ecommerce: { transaction_id: "A-1", value: 10 } },
  { event: "purchase" },
  { event: "purchase", ecommerce: null },
  { event: "purchase", ecommerce: ["A-1"] },
  ["event", "Purchase", { transaction_id: "A-1" }],
  ["Event", "purchase", { transaction_id: "A-1" }],
  ["purchase", "event", { transaction_id: "A-1" }],
  { ecommerce: { purchase: "A-1" } },
  { ecommerce: { purchase: { actionField: null } } },
  { ecommerce: { purchase: { actionField: ["A-1", 10] } } },
  { ecommerce: { currencyCode: "RUB", add: { actionField: { id: "A-1", revenue: 10 } } } },
];
const NEAR_MISS_JSONLD = [
  { "@type": "OrderItem", orderNumber: "A-1", price: 10 },
  { "@type": "Order ", orderNumber: "A-1" },
  { "@type": "order", orderNumber: "A-1" },
  { "@type": "ReturnOrder", orderNumber: "A-1" },
  { "@type": "Orders", orderNumber: "A-1" },
  { "@type": "schema:OrderStatus" },
  { "@type": { Order: true }, orderNumber: "A-1" },
  { "@type": ["Product", "Offer"], price: 10 },
  { orderNumber: "A-1", price: 10 },
].map((node) => JSON.stringify(node));
const NEAR_MISS_TEXTS = [
  "Order summary. Place order",
  "Thank you for your orders over the years",
  "Once your order has been placed you will get an e-mail",
  "Спасибо за заказы",
  "Оформление заказа",
  "Ваш заказ №77 оформленный ранее отменён",
  "Заказ считается оформленным после оплаты",
];
const QUIET_GLOBS = ["/order/*/done", "/thanks", "/checkout/success*"];
const quietUrls = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }).filter((url) => !/order|thanks|checkout/iu.test(url)),
  fc.constantFrom("https://shop.example/", "https://shop.example/cart", "https://shop.example/order/1/pending"),
);
const quietFacts = fc.record({
  url: quietUrls,
  dataLayer: fc.array(fc.oneof(quietValue, fc.constantFrom(...NEAR_MISS_ENTRIES)), { maxLength: 8 }),
  jsonld: fc.array(
    fc.oneof(
      quietValue.map((node) => JSON.stringify({ "@context": "https://schema.org", "@graph": [node] })),
      fc.constantFrom(...NEAR_MISS_JSONLD),
    ),
    { maxLength: 3 },
  ),
  text: fc
    .array(fc.oneof(quietStrings, fc.constantFrom(...NEAR_MISS_TEXTS)), { maxLength: 6 })
    .map((parts) => parts.join(" ")),
});

test("a page without an order signal is never an order", () => {
  fc.assert(
    fc.property(quietFacts, (pageFacts) => {
      assert.equal(recognizeOrder(pageFacts, QUIET_GLOBS), null);
    }),
    RUNS,
  );
});

test("confirmation wording in the text alone is no order on such a page, whatever its title, heading and referrer", () => {
  const beside = fc.record({
    title: fc.oneof(quietStrings, anyValue),
    heading: fc.oneof(quietStrings, anyValue),
    referrer: fc.oneof(quietUrls, fc.constantFrom("https://shop.example/cart", "https://other.example/checkout"), anyValue),
  });
  fc.assert(
    fc.property(quietFacts, beside, fc.constantFrom(...PHRASES.slice(0, 6)), (pageFacts, facts, phrase) => {
      assert.equal(recognizeOrder({ ...pageFacts, ...facts, text: `${pageFacts.text} ${phrase}` }, QUIET_GLOBS), null);
    }),
    RUNS,
  );
});

test("one order signal on such a page is recognised, with what it says, however much came before it", () => {
  const signal = fc.oneof(
    fc.record({ kind: fc.constant("ga4"), id: ids, value: amounts, currency: currencies }),
    fc.record({ kind: fc.constant("jsonld"), id: ids, value: amounts, currency: currencies }),
    fc.record({ kind: fc.constant("wording"), phrase: fc.constantFrom(...PHRASES.slice(0, 6)) }),
  );
  fc.assert(
    fc.property(quietFacts, signal, fc.array(quietValue, { maxLength: 80, size: "max" }), (pageFacts, { kind, id, value, currency, phrase }, older) => {
      let page;
      if (kind === "ga4") {
        const purchase = { event: "purchase", ecommerce: { transaction_id: id, value, currency } };
        page = { ...pageFacts, dataLayer: [...pageFacts.dataLayer, purchase] };
      } else if (kind === "jsonld") {
        const order = JSON.stringify({ "@type": "Order", orderNumber: id, price: value, priceCurrency: currency });
        fc.pre(order.length <= FACT_LIMITS.jsonLdChars);
        page = { ...pageFacts, jsonld: [order, ...pageFacts.jsonld] };
      } else {
        page = { ...pageFacts, heading: phrase, text: `${phrase} ${pageFacts.text}` };
      }
      const order = recognizeOrder(page, QUIET_GLOBS);
      assert.notEqual(order, null);
      assert.equal(order.source, kind);
      if (kind !== "wording") {
        // JSON-LD is text: what the page's script says is what JSON makes of it.
        const seen = kind === "jsonld" ? JSON.parse(JSON.stringify({ id, value, currency }) ?? "{}") : { id, value, currency };
        assert.equal(order.order_id, orderId(seen.id));
        assert.equal(order.amount, decimalAmount(seen.value));
      }
      // The page's own dataLayer entries come last: older ones (over the cap, too) do not matter.
      assert.deepEqual(recognizeOrder({ ...page, dataLayer: [...older, ...page.dataLayer] }, QUIET_GLOBS), order);
    }),
    RUNS,
  );
});

// ------------------------------------------------ changes that do not matter

const pageFacts = fc.record({
  url: urls,
  dataLayer: entries,
  jsonld: fc.array(jsonLdTexts, { maxLength: 4 }),
  text: texts,
});
const unrelatedKeys = keys.filter((key) => !MEANINGFUL_KEYS.includes(key));

/** A copy of `value` with `key: extra` added to every object in its first 50 levels that lacks it. */
function withKey(value, key, extra, depth = 0) {
  if (typeof value !== "object" || value === null || depth > 50) {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((item) => withKey(item, key, extra, depth + 1));
  }
  const copy = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withKey(v, key, extra, depth + 1)]));
  if (Object.hasOwn(copy, key)) {
    return copy;
  }
  return Object.defineProperty(copy, key, { value: extra, enumerable: true, writable: true, configurable: true });
}

test("unrelated keys anywhere in the dataLayer, in JSON-LD objects and in the facts change nothing", () => {
  const scalar = fc.oneof(fc.constant(null), fc.boolean(), numbers, strings);
  fc.assert(
    fc.property(pageFacts, orderPages, unrelatedKeys, anyValue, scalar, (page, pages, key, extra, small) => {
      const jsonld = page.jsonld.map((text) => {
        // A scalar beside the others: JSON-LD's objects are searched, its scalars are not.
        let again;
        try {
          again = JSON.stringify(withKey(JSON.parse(text), key, small));
        } catch {
          return text; // not JSON; or too deep for JSON.stringify to write again
        }
        return again.length <= FACT_LIMITS.jsonLdChars || text.length > FACT_LIMITS.jsonLdChars ? again : text;
      });
      const changed = { ...withKey({ ...page, jsonld: [] }, key, extra), jsonld };
      changed.dataLayer = withKey(page.dataLayer, key, extra);
      assert.deepEqual(recognizeOrder(changed, pages), recognizeOrder(page, pages));
    }),
    PAIRS,
  );
});

test("older dataLayer entries before the page's own change nothing", () => {
  fc.assert(
    fc.property(pageFacts, orderPages, fc.array(quietValue, { minLength: 1, maxLength: 60, size: "max" }), (page, pages, older) => {
      const changed = { ...page, dataLayer: [...older, ...page.dataLayer] };
      assert.deepEqual(recognizeOrder(changed, pages), recognizeOrder(page, pages));
    }),
    PAIRS,
  );
});

test("how the text is spaced changes nothing", () => {
  const spaces = fc.constantFrom(" \n", "\t", "\u00a0", "\r\n  ", "\u2028", "\u3000");
  fc.assert(
    fc.property(pageFacts, orderPages, spaces, (page, pages, space) => {
      fc.pre(typeof page.text === "string" && page.text.length < 10_000);
      const changed = { ...page, text: page.text.replace(/\s/gu, space) };
      assert.deepEqual(recognizeOrder(changed, pages), recognizeOrder(page, pages));
    }),
    PAIRS,
  );
});

test("confirmation wording added to the heading and text adds a wording order only where there was none", () => {
  fc.assert(
    fc.property(pageFacts, orderPages, (page, pages) => {
      const text = typeof page.text === "string" ? page.text : "";
      fc.pre(text.length < FACT_LIMITS.textChars - 100);
      const before = recognizeOrder(page, pages);
      const said = "Thank you for your order!";
      const after = recognizeOrder({ ...page, heading: said, text: `${said} ${text}` }, pages);
      const web = typeof page.url === "string" && URL.canParse(page.url) && /^https?:$/u.test(new URL(page.url).protocol);
      if (before !== null || !web) {
        assert.deepEqual(after, before);
      } else {
        // Said in the heading, the text's own wording counts too, and may give an order number.
        assert.deepEqual({ ...after, order_id: null }, { source: "wording", order_id: null, amount: null, currency: null });
      }
    }),
    PAIRS,
  );
});

test("the facts as JSON (NaN, -0, undefined as JSON has them) give the same answer", () => {
  fc.assert(
    fc.property(facts, orderPages, (page, pages) => {
      const json = JSON.stringify(page);
      fc.pre(json !== undefined);
      assert.deepEqual(recognizeOrder(JSON.parse(json), pages), recognizeOrder(page, pages));
    }),
    PAIRS,
  );
});
