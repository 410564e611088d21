// The matcher against the vectors it shares with the companion, and a few
// cases of its own about the JavaScript side (prototype keys, a damaged index).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { hostOf, isIndex, matchPartner } from "../../extension/lib/match.js";

const vectors = JSON.parse(readFileSync(new URL("../vectors/match.json", import.meta.url), "utf8"));

test("the shared vectors' index has the exported shape", () => {
  assert.ok(isIndex(vectors.index));
});

for (const { url, partner, why } of vectors.cases) {
  test(`shared vector: ${why}: ${url}`, () => {
    assert.equal(matchPartner(vectors.index, url), partner);
  });
}

const index = {
  version: "v1",
  hosts: { "shop.example": "shop", "ghost.example": "ghost", "bad.example": 42 },
  partners: { shop: { name: "Shop", offers: [] } },
};

const OWN_CASES = [
  ["http://constructor/", null, "a host named after an Object.prototype key is no partner"],
  ["http://__proto__.example/", null, "nor is __proto__"],
  ["https://ghost.example/", null, "a host whose partner is missing from the index"],
  ["https://bad.example/", null, "a host whose value is not a partner id"],
  ["https://shop.example../", null, "only one trailing dot is stripped"],
  ["https://SHOP.example:443/", "shop", "default port, upper case"],
  ["https://xn--shop.example.shop.example/", "shop", "a punycode-looking label under the domain"],
  ["", null, "an empty string"],
];

for (const [url, partner, why] of OWN_CASES) {
  test(`own case: ${why}`, () => {
    assert.equal(matchPartner(index, url), partner);
  });
}

const HOSTS = [
  ["https://Www.Shop.Example./a", "www.shop.example"],
  ["https://магазин.рф/", "xn--80aairftm.xn--p1ai"],
  ["http://2130706433/", null],
  ["http://[2001:db8::1]:8080/", null],
  ["data:text/html,hi", null],
];

for (const [url, host] of HOSTS) {
  test(`hostOf(${JSON.stringify(url)})`, () => {
    assert.equal(hostOf(url), host);
  });
}

const NOT_INDEXES = [
  null,
  [],
  { hosts: {}, partners: {} },
  { version: "v", hosts: { a: 1 }, partners: {} },
  { version: "v", hosts: {}, partners: { a: { name: "A" } } },
];

for (const value of NOT_INDEXES) {
  test(`isIndex refuses ${JSON.stringify(value)}`, () => {
    assert.equal(isIndex(value), false);
  });
}
