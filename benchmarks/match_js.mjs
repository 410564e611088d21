// The extension's matcher under node: `node benchmarks/match_js.mjs INDEX.json URLS.json`.
// Prints {"per_second": N, "hits": N}: the best of several timed passes over the URLs, after
// one pass that lets the JIT settle. The index is the companion's own export.
import { readFileSync } from "node:fs";
import { matchPartner } from "../extension/lib/match.js";

const [indexPath, urlsPath] = process.argv.slice(2);
const index = JSON.parse(readFileSync(indexPath, "utf8"));
const urls = JSON.parse(readFileSync(urlsPath, "utf8"));

function pass() {
  let hits = 0;
  const began = process.hrtime.bigint();
  for (const url of urls) {
    if (matchPartner(index, url) !== null) {
      hits++;
    }
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  return { perSecond: urls.length / seconds, hits };
}

let { hits } = pass();
let best = 0;
for (let round = 0; round < 5; round++) {
  const result = pass();
  best = Math.max(best, result.perSecond);
  hits = result.hits;
}
console.log(JSON.stringify({ per_second: best, hits }));
