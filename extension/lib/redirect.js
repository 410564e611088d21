/*
 * The program's redirect after Activate: when the shopper took the tab away
 * from it before it reached the store, and when a click never landed.
 */
import { ACTIVATION_TIMEOUT_MS, SESSION_STATE } from "../js/constants.js";

// What the browser tells webNavigation.onCommitted about a navigation the
// shopper made themselves: the address bar (typed, generated, keyword...), a
// bookmark, Back or Forward. Chromium and Firefox both give these (Firefox
// has no keyword_generated).
const SHOPPERS_OWN_TYPES = new Set(["typed", "auto_bookmark", "generated", "keyword", "keyword_generated"]);
const SHOPPERS_OWN_QUALIFIERS = ["forward_back", "from_address_bar"];

/**
 * How the shopper left the redirect with the top-level document committed
 * with `transitionType` and `transitionQualifiers`: that word ("typed",
 * "forward_back" ...), or null when the commit may be the program's own hop.
 * `chainPageCame`: whether a page of the chain had committed before this one.
 *
 * The type wins over a redirect qualifier: an address typed that answers
 * 302 commits as typed + server_redirect. A plain "link" with no qualifier
 * is no sign either way: it is how both browsers report a program's hop by
 * script after its page loaded (and Firefox any hop by script), an
 * auto-submitted form is "form_submit", and a click on a program's "go to
 * the store" button is a link too.
 */
export function leftBy(transitionType, transitionQualifiers, chainPageCame = false) {
  const qualifier = SHOPPERS_OWN_QUALIFIERS.find((name) => (transitionQualifiers ?? []).includes(name));
  if (qualifier !== undefined) {
    return qualifier;
  }
  if (transitionType === "reload") {
    // A page of the chain's own had come (a program's, or the store's): the
    // reload (the shopper's, or an anti-bot check's script) is of it, and the
    // chain goes on. Before that, a 302 chain has shown nothing yet, and the
    // reload is of the page Activate was pressed on: the redirect is over.
    return chainPageCame ? null : "reload";
  }
  return SHOPPERS_OWN_TYPES.has(transitionType) ? transitionType : null;
}

/**
 * Whether the store's session `session` (or null) is a click whose redirect
 * never reached the store, at `now` (ms): the shopper left it (its
 * `redirectLeft` signs), or the extension stopped following it. The store
 * saw no click, so cashback is not on: the prompt asks again, the badge and
 * the popup say so, and the cart is warned as for no activation.
 */
export function neverLanded(session, now) {
  if (session?.state !== SESSION_STATE.ACTIVATED) {
    return false;
  }
  return (session.redirectLeft?.length ?? 0) > 0 || now - session.startedAt > ACTIVATION_TIMEOUT_MS;
}
