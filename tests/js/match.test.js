// The matcher against the vectors it shares with the companion, and a few
// cases of its own about the JavaScript side (prototype keys, a damaged index).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { everydayHost, hostOf, isIndex, matchPartner } from "../../extension/lib/match.js";

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

test("a new index is matched by its own hosts, not the table made for the last one", () => {
  const before = { version: "v1", hosts: { "shop.example": "shop" }, partners: index.partners };
  const after = { version: "v2", hosts: { "other.example": "shop" }, partners: index.partners };
  assert.equal(matchPartner(before, "https://shop.example/"), "shop");
  assert.equal(matchPartner(after, "https://shop.example/"), null);
  assert.equal(matchPartner(after, "https://www.other.example/"), "shop");
  assert.equal(matchPartner(before, "https://www.other.example/"), null);
});

test("a host ending in a digit is an IPv4 address only when it is one", () => {
  const numbered = { version: "v", hosts: { "shop24.example": "shop" }, partners: index.partners };
  assert.equal(hostOf("http://10.0.0.1/"), null);
  assert.equal(hostOf("http://shop.example1/"), "shop.example1");
  assert.equal(matchPartner(numbered, "https://m.shop24.example/"), "shop");
});

// URLs near the everyday shape and just off it, joined from these pieces.
const PIECES = [
  "http://", "https://", "HTTPS://", "http:/", "http:\\\\", " https://", "https:", "shop.example",
  "aliexpress.com", "store.co.uk", "seller.shop.example", "www.", "m.", "SHOP", ".", "..", "-",
  "1", "0x7f", "127.0.0.1", "xn--80ak6aa92e", "xn--zz", "ырф", "@", ":", ":443", ":8080",
  ":99999", "%2e", "%41", "\\", "/", "?", "#", "\t", "\n", " ", "[::1]", "evil.test", "a", "com",
];

// A small seeded generator (mulberry32), so every run tries the same URLs.
function random(seed) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("the everyday-URL shortcut gives the WHATWG parser's host, or leaves the URL to it", () => {
  const next = random(7);
  let taken = 0;
  for (let round = 0; round < 20000; round++) {
    const count = 1 + Math.floor(next() * 6);
    let url = PIECES[Math.floor(next() * 2)];
    for (let piece = 0; piece < count; piece++) {
      url += PIECES[Math.floor(next() * PIECES.length)];
    }
    const host = everydayHost(url);
    if (host !== null) {
      taken++;
      assert.equal(host, hostOf(url), url);
    }
  }
  // The shortcut must really be taken, or this checks nothing.
  assert.ok(taken > 1000, `only ${taken} URLs took the shortcut`);
});

const EVERYDAY = [
  ["https://shop.example", "shop.example"],
  ["https://www.shop.example/a?b#c", "www.shop.example"],
  ["https://shop.example?x", "shop.example"],
  ["https://shop.example.", null],
  ["https://shop..example/", null],
  ["https://xn--80aairftm.xn--p1ai/", null],
  ["https://10.0.0.1/", null],
  ["https://shop.example:8080/", null],
  ["https://x@shop.example/", null],
  ["https://evil.test\\@shop.example/", null],
  ["HTTPS://shop.example/", null],
];

for (const [url, host] of EVERYDAY) {
  test(`everydayHost(${JSON.stringify(url)})`, () => {
    assert.equal(everydayHost(url), host);
  });
}
