/*
 * Whether a store's page is an order confirmation, and what order: a pure
 * decision over facts gathered from the page (js/inject.js gathers them).
 * Everything in the facts comes from the store's page and is untrusted: every
 * value is type-checked and capped here, whatever the gatherer promised.
 */
import { classifyPath, isOrderPage, PAGE_KIND } from "./pages.js";

const ORDER_SOURCE = Object.freeze({
  ORDER_PAGE: "order_page",
  GA4: "ga4",
  UA: "ua",
  JSONLD: "jsonld",
  WORDING: "wording",
});

// Caps on what is read from a page; the gatherer reads no more than this
// either, so a hostile page cannot make the worker parse megabytes.
export const FACT_LIMITS = Object.freeze({
  dataLayerEntries: 50,
  dataLayerDepth: 6,
  dataLayerNodes: 2000,
  stringChars: 500,
  urlChars: 2048,
  jsonLdScripts: 20,
  jsonLdChars: 100_000,
  jsonLdNodes: 1000,
  textChars: 50_000,
});

const ID_CHARS = String.raw`[\p{L}\p{N}][\p{L}\p{N}_/-]{0,63}`;
// An order reference in running text: "#A-1001", "№ 12345", "number 77", or a
// bare number. A bare word is not taken, or "Ваш заказ успешно оформлен" would
// read "успешно" as the order number.
const ORDER_REF = String.raw`(?:(?:#|№|no\.?|number|номер)\s*(?<ref>${ID_CHARS})|(?<num>\p{N}[\p{L}\p{N}_/-]{0,63}))`;

// Confirmation wording, English and Russian. Each phrase appears on a
// confirmation page and not in a cart or checkout ("Place order", "Order
// summary", "Оформление заказа" do not match): `оформлен` must end the word.
// A product or help page can still say them (a seller answering a review:
// "Анна, спасибо за заказ!"), so wording alone counts only on a page that is
// plausibly a confirmation (`isConfirmationPage`).
const WORDING = [
  /\bthank you for your order\b/iu,
  new RegExp(String.raw`\border\s+${ORDER_REF}\s+has\s+been\s+placed\b`, "iu"),
  /спасибо\s+за\s+(?:ваш\s+)?заказ(?!\p{L})/iu,
  new RegExp(String.raw`ваш\s+заказ\s+${ORDER_REF}\s+(?:успешно\s+)?оформлен(?!\p{L})`, "iu"),
  new RegExp(String.raw`заказ\s+(?:${ORDER_REF}\s+)?успешно\s+оформлен(?!\p{L})`, "iu"),
];

const ORDER_ID = /^[\p{L}\p{N}][\p{L}\p{N}._/:#-]{0,63}$/u;
// At most twelve digits before the point: the companion refuses an amount over
// 1e12, and with it the whole order event, so a bigger one is left out here.
const DECIMAL = /^\d{1,12}(?:\.\d{1,6})?$/;
// "2,450.50" and "1,234,567" group thousands with commas; "2,450" alone
// could as well be two and a half, and is refused.
const GROUPED_DECIMAL = /^\d{1,3}(?:(?:,\d{3})+\.\d{1,6}|(?:,\d{3}){2,})$/;
const COMMA_DECIMAL = /^\d{1,15},\d{1,6}$/;
const CURRENCY = /^[A-Z]{3}$/;
const JSONLD_ORDER_TYPE = /(?:^|[/:#])Order$/;

/**
 * Recognises an order from `facts` = {url, dataLayer, jsonld, text, title,
 * heading, referrer}: the page URL, a copy of window.dataLayer (array of
 * entries), the texts of its JSON-LD scripts, its visible text, its title, the
 * text of its h1 headings, and the address it was opened from. `orderPages`
 * are the partner's path globs.
 *
 * Returns null, or {source, order_id, amount, currency} where `source` is the
 * strongest evidence that this is a confirmation (the catalog's own pattern
 * first, then structured data, then wording), and the details come from the
 * richest source that gives them. `amount` is a decimal string.
 */
export function recognizeOrder(facts, orderPages = []) {
  const url = parseHttpUrl(facts?.url);
  if (url === null) {
    return null;
  }
  const entries = Array.isArray(facts.dataLayer)
    ? facts.dataLayer.slice(-FACT_LIMITS.dataLayerEntries)
    : [];
  const findings = [
    [ORDER_SOURCE.ORDER_PAGE, Array.isArray(orderPages) && isOrderPage(orderPages, url.pathname) ? {} : null],
    [ORDER_SOURCE.GA4, fromGa4(entries)],
    [ORDER_SOURCE.UA, fromUniversalAnalytics(entries)],
    [ORDER_SOURCE.JSONLD, fromJsonLd(facts.jsonld)],
    [ORDER_SOURCE.WORDING, fromWording(facts.text)],
  ].filter(([, found]) => found !== null);
  const wordingAlone = findings.length === 1 && findings[0][0] === ORDER_SOURCE.WORDING;
  if (findings.length === 0 || (wordingAlone && !isConfirmationPage(facts, url))) {
    return null;
  }
  const details = findings.map(([, found]) => found);
  const priced = details.find((found) => found.amount != null);
  return {
    source: findings[0][0],
    order_id: details.map((found) => found.order_id).find((id) => id != null) ?? null,
    amount: priced?.amount ?? null,
    currency: priced?.currency ?? null,
  };
}

/**
 * Whether `order` tells more than `earlier`, the same page's order as last
 * recorded (null: none yet): an id or an amount where that had none. A page's
 * tag manager or script often brings them a moment after the page.
 */
export function addsTo(order, earlier) {
  return (
    earlier === null ||
    (order.order_id !== null && earlier.order_id === null) ||
    (order.amount !== null && earlier.amount === null)
  );
}

/** Whether an order has all a confirmation page can tell: its id and amount. */
export function isComplete(order) {
  return order.order_id !== null && order.amount !== null;
}

// How a page that was already shown is shown again (the Navigation Timing
// types): its order is one recorded before, whichever click is on now.
const SHOWN_AGAIN = Object.freeze(["reload", "back_forward"]);

/**
 * How the page the facts were read from was loaded, as `isNewOrder` takes it:
 * "back_forward" where the browser said Back or Forward showed it
 * (`backForward`, from the commit's transition), else what the page said
 * (`facts.navigation`). A page the back/forward cache restores still says how
 * it was first loaded: "navigate", for a link.
 */
export function navigationOf(facts, backForward) {
  return backForward ? "back_forward" : facts.navigation;
}

/**
 * Whether the first reading of an order on a page is an order not recorded
 * yet. `seen` is the store's recorded orders as `rememberOrder` keeps them;
 * `reading` is {orderId, address, clickId, navigation, last}: the order id the
 * page gave (or null), its address as recorded, the click whose session reads
 * it, how the page was loaded (null: not known), and whether no reading of
 * the page follows this one.
 *
 * An order id is the store's own: once recorded, it is that order again. An
 * address alone is weaker, since a store with one fixed "thank you" address
 * shows every order there. It is the same order under the click that recorded
 * it there, or when the page was reloaded or reached by back and forward.
 * Under another click it is a new order, unless the order recorded there gave
 * its id, or was recorded before orders kept their click: then it may be that
 * old page again with its id still to come, so only the last reading, still
 * without an id, makes it a new order.
 */
export function isNewOrder(seen, { orderId, address, clickId, navigation, last }) {
  const orders = recordedOrders(seen);
  if (orderId !== null) {
    return !orders.some((order) => order.orderId === orderId);
  }
  const earlier = orders.findLast((order) => order.addresses.includes(address));
  if (earlier === undefined) {
    return true;
  }
  if (earlier.clickId === clickId || SHOWN_AGAIN.includes(navigation)) {
    return false;
  }
  return (earlier.orderId === null && earlier.clickId !== null) || last;
}

/**
 * `seen` with a reading of the order of `clickId` added: its id (if it gave
 * one; the first stays) and the address it was read at. The order moves to
 * the end, and only the newest `max` orders are kept.
 */
export function rememberOrder(seen, { orderId, address, clickId }, max) {
  const orders = recordedOrders(seen);
  const earlier = orders.find((order) => order.clickId === clickId);
  const addresses = earlier?.addresses ?? [];
  const order = {
    clickId,
    orderId: earlier?.orderId ?? orderId,
    addresses: addresses.includes(address) ? addresses : [...addresses, address],
  };
  return [...orders.filter((other) => other !== earlier), order].slice(-max);
}

// The list as rememberOrder writes it. Its first form, written by the
// version before, held plain strings, an order's id or the address it was
// read at, with no click: each is read as an order of no known click, so an
// order recorded then is still known after the update.
function recordedOrders(seen) {
  if (!Array.isArray(seen)) {
    return [];
  }
  return seen.flatMap((order) => {
    if (typeof order === "string") {
      const address = /^https?:\/\//.test(order);
      return [{ clickId: null, orderId: address ? null : order, addresses: address ? [order] : [] }];
    }
    return Array.isArray(order?.addresses) ? [order] : [];
  });
}

// GA4 through Google Tag Manager: {event: "purchase", ecommerce: {...}};
// through gtag.js, whose dataLayer entries are its arguments:
// ["event", "purchase", {...}]. The last purchase on the page wins.
function fromGa4(entries) {
  for (const entry of entries.toReversed()) {
    let params = null;
    if (isObject(entry) && entry.event === "purchase" && isObject(entry.ecommerce)) {
      params = entry.ecommerce;
    } else if (Array.isArray(entry) && entry[0] === "event" && entry[1] === "purchase") {
      params = isObject(entry[2]) ? entry[2] : {};
    }
    if (params !== null) {
      return orderDetails(params.transaction_id, params.value, params.currency);
    }
  }
  return null;
}

// Universal Analytics enhanced ecommerce:
// {ecommerce: {currencyCode, purchase: {actionField: {id, revenue}}}}.
function fromUniversalAnalytics(entries) {
  for (const entry of entries.toReversed()) {
    const ecommerce = isObject(entry) ? entry.ecommerce : null;
    const field = isObject(ecommerce) && isObject(ecommerce.purchase) ? ecommerce.purchase.actionField : null;
    if (isObject(field)) {
      return orderDetails(field.id, field.revenue, ecommerce.currencyCode);
    }
  }
  return null;
}

// A schema.org Order anywhere in a JSON-LD script (top level, in an array, in
// an @graph, or nested). Its total is `price`, or `totalPaymentDue` as a
// PriceSpecification ({price, priceCurrency}) or MonetaryAmount ({value, currency}).
function fromJsonLd(texts) {
  if (!Array.isArray(texts)) {
    return null;
  }
  for (const text of texts.slice(0, FACT_LIMITS.jsonLdScripts)) {
    if (typeof text !== "string" || text.length > FACT_LIMITS.jsonLdChars) {
      continue;
    }
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      continue;
    }
    const order = findNode(data, isJsonLdOrder);
    if (order !== null) {
      const due = isObject(order.totalPaymentDue) ? order.totalPaymentDue : {};
      return orderDetails(
        order.orderNumber,
        order.price ?? due.price ?? due.value ?? order.totalPaymentDue,
        order.priceCurrency ?? due.priceCurrency ?? due.currency,
      );
    }
  }
  return null;
}

function isJsonLdOrder(node) {
  const types = Array.isArray(node["@type"]) ? node["@type"] : [node["@type"]];
  return types.some((type) => typeof type === "string" && JSONLD_ORDER_TYPE.test(type));
}

/** Breadth-first search for an object node, bounded in nodes visited. */
function findNode(root, predicate) {
  const queue = [root];
  for (let visited = 0; visited < queue.length && visited < FACT_LIMITS.jsonLdNodes; visited++) {
    const node = queue[visited];
    if (isObject(node) && predicate(node)) {
      return node;
    }
    if (typeof node === "object" && node !== null) {
      for (const child of Object.values(node)) {
        if (typeof child === "object" && child !== null && queue.length < FACT_LIMITS.jsonLdNodes) {
          queue.push(child);
        }
      }
    }
  }
  return null;
}

// Where confirmation wording on its own is believed: under the store's
// checkout ("/checkout/success"), on a page whose title or main heading says
// it, or on the page the checkout led to. Not the page the cart led to: from
// the cart the shopper also opens the items in it, whose reviews say it too.
function isConfirmationPage(facts, url) {
  const referrer = typeof facts.referrer === "string" ? parseHttpUrl(facts.referrer.slice(0, FACT_LIMITS.urlChars)) : null;
  return (
    classifyPath(url.pathname) === PAGE_KIND.CHECKOUT ||
    [facts.title, facts.heading].some((text) => fromWording(text, FACT_LIMITS.stringChars) !== null) ||
    (referrer?.origin === url.origin && classifyPath(referrer.pathname) === PAGE_KIND.CHECKOUT)
  );
}

function fromWording(text, limit = FACT_LIMITS.textChars) {
  if (typeof text !== "string") {
    return null;
  }
  const flat = text.slice(0, limit).replace(/\s+/gu, " ");
  const matches = WORDING.map((pattern) => pattern.exec(flat)).filter((match) => match !== null);
  if (matches.length === 0) {
    return null;
  }
  // "Thank you for your order" has no number; "Order #A-1 has been placed" beside it may.
  const reference = matches.map((match) => match.groups?.ref ?? match.groups?.num).find(Boolean);
  return orderDetails(reference, null, null);
}

function orderDetails(id, amount, currency) {
  const decimal = decimalAmount(amount);
  return {
    order_id: orderId(id),
    amount: decimal,
    currency: decimal === null ? null : currencyCode(currency),
  };
}

/** An order id as a short string, or null: numbers and strings only. */
export function orderId(value) {
  let text;
  if (typeof value === "number") {
    text = Number.isSafeInteger(value) && value >= 0 ? String(value) : "";
  } else if (typeof value === "string") {
    text = value.trim().replace(/^[#№]\s*/u, "");
  } else {
    return null;
  }
  return ORDER_ID.test(text) ? text : null;
}

/**
 * An amount as a decimal string ("2450.50"), or null. A JSON number becomes
 * its shortest exact decimal spelling; a string may group thousands with
 * spaces ("2 450,50") or commas ("2,450.50"), or use a decimal comma. Anything
 * ambiguous ("2,450": two thousand, or two and a half?) is refused, because a
 * missing amount is better than a wrong one.
 */
export function decimalAmount(value) {
  let text;
  if (typeof value === "number") {
    text = Number.isFinite(value) && value >= 0 ? String(value) : "";
  } else if (typeof value === "string") {
    text = value.trim().replace(/\s/gu, "");
    if (GROUPED_DECIMAL.test(text)) {
      text = text.replaceAll(",", "");
    } else if (COMMA_DECIMAL.test(text) && !/,\d{3}$/.test(text)) {
      text = text.replace(",", ".");
    }
  } else {
    return null;
  }
  return DECIMAL.test(text) ? text : null;
}

function currencyCode(value) {
  if (typeof value !== "string") {
    return null;
  }
  const code = value.trim().toUpperCase();
  return CURRENCY.test(code) ? code : null;
}

function parseHttpUrl(value) {
  if (typeof value !== "string") {
    return null;
  }
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
