/*
 * The page-load check's facts: a checkout or order-confirmation page of a
 * followed session that the tab left (another navigation, or the tab closed)
 * before the page finished loading. The store's own report of the order
 * often runs last on such pages; a page left early may never have sent it.
 *
 * Which tab is loading such a page is kept in memory: it lasts from a commit
 * to the load event a moment later, while navigation events keep the worker
 * awake.
 */
import * as session from "./session.js";
import { classifyPath, isOrderPage, PAGE_KIND } from "../lib/pages.js";

// tabId → {partnerId, clickId, kind}: a payment page committed, not yet loaded.
const loading = new Map();

function kindOf(url, store) {
  const { pathname } = new URL(url);
  if (isOrderPage(store.partner.order_pages ?? [], pathname)) {
    return "order";
  }
  return classifyPath(pathname) === PAGE_KIND.CHECKOUT ? "checkout" : null;
}

/**
 * The tab is leaving its page. Resolves to the partner id whose session got
 * an unfinished page, else null.
 */
export async function onLeaving(tabId) {
  const page = loading.get(tabId);
  loading.delete(tabId);
  if (page === undefined) {
    return null;
  }
  await session.note(page.partnerId, page.clickId, "unfinished", page.kind);
  return page.partnerId;
}

/** A top-level document committed; `store` is its partner match or null. */
export async function onCommitted(tabId, url, store) {
  const left = await onLeaving(tabId);
  if (store !== null) {
    const kind = kindOf(url, store);
    const current = kind === null ? null : await session.following(store.id);
    if (current !== null) {
      loading.set(tabId, { partnerId: store.id, clickId: current.clickId, kind });
    }
  }
  return left;
}

/** The tab's top document finished loading. */
export function onCompleted(tabId) {
  loading.delete(tabId);
}
