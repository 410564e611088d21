/*
 * Private windows. The manifest lets the shopper allow the extension in them
 * ("incognito": "spanning") only so that it can say there what it sees: the
 * programs do not count purchases made in a private window. In a private tab
 * nothing is activated, recorded or stored; the checks run without a click,
 * so the companion keeps nothing of them either.
 */
import { webext } from "./webext.js";

// tabId → whether it is private: a tab never changes windows between the two kinds.
const known = new Map();

export async function isPrivateTab(tabId) {
  if (!known.has(tabId)) {
    const tab = await webext.tabs.get(tabId).catch(() => null);
    known.set(tabId, tab?.incognito === true);
  }
  return known.get(tabId);
}

export function startListeners() {
  webext.tabs.onRemoved.addListener((tabId) => known.delete(tabId));
}
