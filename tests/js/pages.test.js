// Cart and checkout recognition by URL path, and the partners' order-page globs.
import { test } from "node:test";
import assert from "node:assert/strict";

import { classifyPath, isOrderPage, PAGE_KIND } from "../../extension/lib/pages.js";

const { PAGE, CART, CHECKOUT } = PAGE_KIND;

const PATHS = [
  ["/", PAGE],
  ["/item/1", PAGE],
  ["/cart", CART],
  ["/cart/", CART],
  ["/CART", CART],
  ["/ru/cart", CART],
  ["/cart.html", CART],
  ["/basket", CART],
  ["/basket.php", CART],
  ["/shopping-cart", CART],
  ["/korzina/", CART],
  ["/personal/korzinka", CART],
  ["/%D0%BA%D0%BE%D1%80%D0%B7%D0%B8%D0%BD%D0%B0/", CART],
  ["/checkout", CHECKOUT],
  ["/checkout/", CHECKOUT],
  ["/order/checkout", CHECKOUT],
  ["/cart/checkout", CHECKOUT],
  ["/checkout/cart", CHECKOUT],
  ["/checkout.aspx", CHECKOUT],
  ["/personal/order/make/", CHECKOUT],
  ["/oformlenie-zakaza", CHECKOUT],
  ["/%D0%BE%D1%84%D0%BE%D1%80%D0%BC%D0%BB%D0%B5%D0%BD%D0%B8%D0%B5/", CHECKOUT],
  // Near misses stay plain pages.
  ["/cartier-watches", PAGE],
  ["/blog/how-to-checkout-faster-tips", PAGE],
  ["/women/bags", PAGE],
  ["/order", PAGE],
  ["/order/complete", PAGE],
  ["/make/order", PAGE],
  ["/%E0%A4%A", PAGE],
];

for (const [path, kind] of PATHS) {
  test(`classifyPath(${path}) = ${kind}`, () => {
    assert.equal(classifyPath(path), kind);
  });
}

const GLOBS = [
  [["/order/complete"], "/order/complete", true],
  [["/order/complete"], "/order/complete/", false],
  [["/order/complete"], "/x/order/complete", false],
  [["/checkout/success*"], "/checkout/success", true],
  [["/checkout/success*"], "/checkout/success/123", true],
  [["/order/*/complete"], "/order/77/complete", true],
  [["/order/*/complete"], "/order/a/b/complete", true],
  [["/order/*/complete"], "/order/77/complete/edit", false],
  [["/thanks.html"], "/thanksxhtml", false],
  [["/a+b(c)"], "/a+b(c)", true],
  [["/a+b(c)"], "/aab(c)", false],
  [[], "/order/complete", false],
  [[null, 5, "/x"], "/x", true],
];

for (const [patterns, path, expected] of GLOBS) {
  test(`isOrderPage(${JSON.stringify(patterns)}, ${path}) = ${expected}`, () => {
    assert.equal(isOrderPage(patterns, path), expected);
  });
}
