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
  if (host === "" || host.startsWith("[") || IPV4.test(host)) {
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
  const host = hostOf(url);
  if (host === null) {
    return null;
  }
  // Walked with indexOf rather than split and join: this runs on every
  // navigation, and allocates one string per label this way.
  for (let suffix = host; ; ) {
    // Own keys only: a host named "constructor" is not a partner.
    if (Object.hasOwn(index.hosts, suffix)) {
      const id = index.hosts[suffix];
      return typeof id === "string" && Object.hasOwn(index.partners, id) ? id : null;
    }
    const dot = suffix.indexOf(".");
    if (dot < 0) {
      return null;
    }
    suffix = suffix.slice(dot + 1);
  }
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
