/*
 * What the extension puts into a store's tab, and nothing else does. Only
 * partner tabs get anything, and only after their navigation was matched
 * (js/navigation.js decides when): there are no static content scripts.
 *
 * Between the match and the injection the tab may have moved on, so nothing
 * injected acts on its own: the prompt asks the worker first, which matches
 * the sender's URL again, and the page readers return the URL they ran on,
 * which the caller matches again before using anything they read.
 */
import { webext } from "./webext.js";
import { INJECTION_TIMEOUT_MS } from "./constants.js";
import { FACT_LIMITS } from "../lib/order.js";

/** The in-page activation prompt (contentscripts/prompt.js). */
export async function injectPrompt(tabId) {
  await run({ target: { tabId, frameIds: [0] }, files: ["contentscripts/ui.js", "contentscripts/prompt.js"] });
}

/** The in-page warning before paying (contentscripts/warning.js); it asks for what to show. */
export async function injectWarning(tabId) {
  await run({ target: { tabId, frameIds: [0] }, files: ["contentscripts/ui.js", "contentscripts/warning.js"] });
}

/**
 * What the order recogniser (lib/order.js) needs from the page: {url,
 * dataLayer, jsonld, text, title, heading, referrer, navigation}, or null when
 * the page could not be read or changed between the two reads.
 */
export async function gatherFacts(tabId) {
  const target = { tabId, frameIds: [0] };
  const [page, dataLayer] = await Promise.all([
    run({ target, func: readPage, args: [FACT_LIMITS] }),
    // window.dataLayer belongs to the page's own scripts: only the MAIN world sees it.
    run({ target, func: copyDataLayer, args: [FACT_LIMITS], world: "MAIN" }),
  ]);
  if (page === null || (dataLayer !== null && dataLayer.url !== page.url)) {
    return null;
  }
  return { ...page, dataLayer: dataLayer?.entries ?? null };
}

/** The injection's result in the top frame, or null if it failed or hung. */
async function run(injection) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, INJECTION_TIMEOUT_MS, null);
  });
  try {
    const results = await Promise.race([webext.scripting.executeScript(injection), timeout]);
    return results?.[0]?.result ?? null;
  } catch {
    // Error pages, the browser's own pages, a tab closed meanwhile.
    return null;
  } finally {
    clearTimeout(timer);
  }
}

// The two functions below are serialised and run in the page: they may use
// nothing from this module, only their arguments.

/* Runs in the extension's isolated world of the page. */
function readPage(limits) {
  const scripts = document.querySelectorAll('script[type="application/ld+json"]');
  const [load] = performance.getEntriesByType("navigation");
  return {
    url: location.href,
    jsonld: Array.from(scripts)
      .slice(0, limits.jsonLdScripts)
      .map((script) => (script.textContent ?? "").slice(0, limits.jsonLdChars)),
    text: (document.body?.innerText ?? "").slice(0, limits.textChars),
    title: document.title.slice(0, limits.stringChars),
    heading: Array.from(document.querySelectorAll("h1"), (h1) => (h1.innerText ?? "").slice(0, limits.stringChars))
      .join("\n")
      .slice(0, limits.stringChars),
    referrer: document.referrer.slice(0, limits.urlChars),
    // How the document was loaded (a reload, back and forward), while it is
    // at the address it was loaded at: a single-page store's later pages were
    // not loaded so.
    navigation: load?.name === location.href ? load.type : null,
  };
}

/*
 * Runs in the page's own world, where the store's scripts can have replaced
 * anything, made getters throw or built cycles. Returns a plain-data copy of
 * the newest dataLayer entries: strings, finite numbers, booleans, arrays and
 * objects only, bounded in depth, size and string length. gtag.js pushes
 * `arguments` objects, which become arrays.
 */
function copyDataLayer(limits) {
  let budget = limits.dataLayerNodes;
  const copy = (value, depth) => {
    if (--budget < 0) {
      return null;
    }
    switch (typeof value) {
      case "string":
        return value.slice(0, limits.stringChars);
      case "number":
        return Number.isFinite(value) ? value : null;
      case "boolean":
        return value;
      case "object": {
        if (value === null || depth >= limits.dataLayerDepth) {
          return null;
        }
        const isList = Array.isArray(value) || Object.prototype.toString.call(value) === "[object Arguments]";
        if (isList) {
          return Array.from(value).slice(0, limits.dataLayerEntries).map((item) => copy(item, depth + 1));
        }
        const result = {};
        for (const key of Object.keys(value).slice(0, limits.dataLayerEntries)) {
          try {
            Object.defineProperty(result, key.slice(0, limits.stringChars), {
              value: copy(value[key], depth + 1),
              enumerable: true,
            });
          } catch {
            // A throwing getter: leave the key out.
          }
        }
        return result;
      }
      default:
        return null;
    }
  };
  try {
    const { dataLayer } = window;
    if (!Array.isArray(dataLayer)) {
      return { url: location.href, entries: null };
    }
    return {
      url: location.href,
      entries: dataLayer.slice(-limits.dataLayerEntries).map((entry) => copy(entry, 0)),
    };
  } catch {
    return null;
  }
}
