// Every text the shopper sees exists in English and Russian, with the same
// placeholders, and every message is used somewhere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";

import { SESSION_STATE } from "../../extension/js/constants.js";
import { TRACKING } from "../../extension/lib/tracking.js";

const EXTENSION = new URL("../../extension/", import.meta.url);
const read = (path) => readFileSync(new URL(path, EXTENSION), "utf8");
const messages = (locale) => JSON.parse(read(`_locales/${locale}/messages.json`));
const en = messages("en");
const ru = messages("ru");

const sources = readdirSync(EXTENSION, { recursive: true })
  .filter((path) => /\.(?:js|html|json)$/.test(path) && !path.startsWith("_locales"))
  .map((path) => read(path))
  .join("\n");

// How the code names a message: t("key"), t(cond ? "a" : "b"), getMessage("key"), data-i18n="key",
// __MSG_key__, and the lookup tables' values ("statusPaired", "badgeTracked").
const REFERENCES = [
  /\b(?:t|getMessage)\(\s*"(\w+)"/g,
  /\bt\([^()]*?\?\s*"(\w+)"\s*:\s*"(\w+)"/g,
  /data-i18n(?:-placeholder)?="(\w+)"/g,
  /__MSG_(\w+)__/g,
  /:\s*"((?:status|error|badge|offline)[A-Z]\w*)"/g,
];
const DYNAMIC = [
  ...Object.values(SESSION_STATE).map((state) => `session_${state}`),
  ...Object.values(TRACKING).map((state) => `tracking_${state}`),
];
const referenced = new Set([
  ...REFERENCES.flatMap((pattern) => [...sources.matchAll(pattern)].flatMap((match) => match.slice(1))),
  ...DYNAMIC,
]);

test("English and Russian have the same messages", () => {
  assert.deepEqual(Object.keys(ru).sort(), Object.keys(en).sort());
});

for (const [key, entry] of Object.entries(en)) {
  test(`message ${key}: both languages, same placeholders`, () => {
    assert.ok(entry.message.length > 0 && ru[key].message.length > 0);
    assert.deepEqual(Object.keys(ru[key].placeholders ?? {}).sort(), Object.keys(entry.placeholders ?? {}).sort());
    for (const name of Object.keys(entry.placeholders ?? {})) {
      const marker = `$${name.toUpperCase()}$`;
      assert.ok(entry.message.includes(marker) && ru[key].message.includes(marker), marker);
    }
  });
  test(`message ${key} is used`, () => {
    assert.ok(referenced.has(key), `${key} is never shown`);
  });
}

for (const key of referenced) {
  if (key.startsWith("@@")) {
    continue;
  }
  test(`referenced message ${key} exists`, () => {
    assert.ok(Object.hasOwn(en, key), `${key} has no text`);
  });
}

test("the options page says Paired in English when paired (a test hook)", () => {
  assert.match(en.statusPaired.message, /Paired/);
});
