/*
 * What kind of store page a URL path is: a pure function over a table, so
 * that a new store's cart URL is one more row (and one more test case).
 */

export const PAGE_KIND = Object.freeze({ PAGE: "page", CART: "cart", CHECKOUT: "checkout" });

// Path segments, or runs of consecutive segments, that name a page kind in
// English and Russian (transliterated, as in /korzina, or in Cyrillic).
// Checkout is looked for first: "/cart/checkout" is the checkout.
const KIND_PATTERNS = [
  [
    PAGE_KIND.CHECKOUT,
    [
      ["checkout"],
      ["check-out"],
      ["checkouts"],
      ["oformlenie"],
      ["oformlenie-zakaza"],
      ["оформление"],
      ["оформление-заказа"],
      ["order", "make"],
      ["order", "create"],
      ["zakaz", "oformit"],
    ],
  ],
  [
    PAGE_KIND.CART,
    [
      ["cart"],
      ["carts"],
      ["basket"],
      ["shopping-cart"],
      ["shoppingcart"],
      ["shopping-bag"],
      ["trolley"],
      ["korzina"],
      ["korzinka"],
      ["корзина"],
    ],
  ],
];

// "/cart.html" and "/basket.php" name the same pages as "/cart" and "/basket".
const PAGE_EXTENSION = /\.(?:html?|php|aspx?|jsp)$/;

/** The kind of the page at a URL path ("/ru/korzina/"): page, cart or checkout. */
export function classifyPath(path) {
  const segments = segmentsOf(path);
  for (const [kind, patterns] of KIND_PATTERNS) {
    if (patterns.some((pattern) => containsRun(segments, pattern))) {
      return kind;
    }
  }
  return PAGE_KIND.PAGE;
}

/**
 * Whether a URL path matches one of a partner's `order_pages` patterns:
 * `*` stands for any run of characters (slashes too) and the pattern must
 * cover the whole path. The query string is never part of `path`.
 */
export function isOrderPage(patterns, path) {
  return patterns.some((pattern) => typeof pattern === "string" && globToRegExp(pattern).test(path));
}

function globToRegExp(pattern) {
  const body = pattern
    .split("*")
    .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "s");
}

function segmentsOf(path) {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A malformed escape: match on the raw path rather than fail.
  }
  return decoded
    .toLowerCase()
    .split("/")
    .filter((segment) => segment !== "")
    .map((segment) => segment.replace(PAGE_EXTENSION, ""));
}

function containsRun(segments, run) {
  for (let start = 0; start + run.length <= segments.length; start++) {
    if (run.every((segment, i) => segments[start + i] === segment)) {
      return true;
    }
  }
  return false;
}
