/*
 * Which partner a URL belongs to, by the rule of docs/protocol.md, shared with
 * the companion's matcher through tests/vectors/match.json. Pure: no browser
 * API, so node runs the same vectors.
 */

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * The host a URL is matched by, or null when it cannot be a store: not a URL,
 * not http(s), or an IP literal. The WHATWG parser has already lower-cased the
 * host, turned Unicode labels into punycode, dropped the port and userinfo, and
 * rewritten every IPv4 spelling (0x7f.1, 2130706433) as dotted decimal.
 */
export function hostOf(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return null;
  }
  let host = parsed.hostname;
  // A fully qualified name ("shop.com.") is the same host as "shop.com".
  if (host.endsWith(".")) {
    host = host.slice(0, -1);
  }
  if (host === "" || host.startsWith("[") || (endsWithDigit(host) && IPV4.test(host))) {
    return null;
  }
  return host;
}

// Only a host ending in a digit can be an IPv4 address; asking first spares
// the regular expression on almost every navigation.
function endsWithDigit(host) {
  return isDigit(host.charCodeAt(host.length - 1));
}

function isDigit(code) {
  return code >= 48 && code <= 57;
}

// The everyday shape of a URL, whose host the WHATWG parser returns exactly as
// written: http(s), "//", a host of lower-case ASCII letters, digits, dots and
// hyphens, then the end, a path, a query or a fragment. Matching it is a third
// of the cost of `new URL`. The companion's matcher has the same rule.
const EVERYDAY_URL = /^https?:\/\/([a-z0-9.-]+)(?=[/?#]|$)/;

/**
 * The host of an everyday URL, or null when the URL is anything else (userinfo,
 * a port, upper case, escapes, Unicode, spaces...), which only the WHATWG
 * parser may judge: see hostOf. tests/js/match.test.js checks the two agree.
 */
export function everydayHost(url) {
  const found = EVERYDAY_URL.exec(url);
  if (found === null) {
    return null;
  }
  const host = found[1];
  // Empty labels, a trailing dot, punycode (which the parser validates) and a
  // last label that may be an IPv4 number are the parser's too.
  if (
    host.startsWith(".") ||
    host.endsWith(".") ||
    host.includes("..") ||
    host.includes("xn--") ||
    isDigit(host.charCodeAt(host.lastIndexOf(".") + 1))
  ) {
    return null;
  }
  return host;
}

/**
 * The partner id for a URL, or null. Tries the host, then each parent on label
 * boundaries; the first key of `index.hosts` found decides, and a key whose
 * value is null is a host carved out of a partner's domain.
 */
export function matchPartner(index, url) {
  const host = everydayHost(url) ?? hostOf(url);
  if (host === null) {
    return null;
  }
  const hosts = hostTable(index);
  // Walked with indexOf rather than split and join: this runs on every
  // navigation, and allocates one string per label this way.
  for (let suffix = host; ; ) {
    const id = hosts.get(suffix);
    if (id !== undefined) {
      return id;
    }
    const dot = suffix.indexOf(".");
    if (dot < 0) {
      return null;
    }
    suffix = suffix.slice(dot + 1);
  }
}

// index -> Map(host -> partner id or null), made on the first lookup in an index. V8 keeps an
// object of 50,000 keys as a slow dictionary; a Map is about a third faster to probe, and has no
// inherited keys: a host named "constructor" is not a partner. A WeakMap lets an index that was
// replaced take its table with it.
const tables = new WeakMap();

function hostTable(index) {
  let table = tables.get(index);
  if (table === undefined) {
    table = new Map();
    for (const [host, id] of Object.entries(index.hosts)) {
      // A host naming a partner the index does not describe matches nothing, like a carve-out.
      table.set(host, typeof id === "string" && Object.hasOwn(index.partners, id) ? id : null);
    }
    tables.set(index, table);
  }
  return table;
}

/** Whether a value has the shape of the index the companion exports. */
export function isIndex(value) {
  return (
    isPlainObject(value) &&
    typeof value.version === "string" &&
    isPlainObject(value.hosts) &&
    isPlainObject(value.partners) &&
    Object.values(value.hosts).every((id) => id === null || typeof id === "string") &&
    Object.values(value.partners).every(
      (partner) =>
        isPlainObject(partner) && typeof partner.name === "string" && Array.isArray(partner.offers),
    )
  );
}

function isPlainObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
