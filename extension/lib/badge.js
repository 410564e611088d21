/*
 * What the toolbar badge says on a page: its look (one of BADGE) and the
 * message that is its title. Two looks carry more than one title: the words
 * say why, so that a look never claims what did not happen.
 */
import { BADGE, SESSION_STATE } from "../js/constants.js";
import { neverLanded } from "./redirect.js";
import { TRACKING } from "./tracking.js";

/**
 * The badge of a page: `partner` whether it is a partner store's,
 * `isPrivate` whether its tab is in a private window, `redirecting` whether
 * the tab is following an activation's redirect, `session` the store's
 * session as it stands on this page (session.forPage) or null, `now` in ms.
 * Answers {look, title}.
 */
export function badgeFor({ partner, isPrivate, redirecting, session, now }) {
  if (!partner) {
    return { look: BADGE.NONE, title: "extName" };
  }
  if (isPrivate) {
    // The programs do not count a private window, whatever session the store has; nothing
    // was activated there, and nothing can be.
    return { look: BADGE.AT_RISK, title: "badgePrivate" };
  }
  if (redirecting) {
    return { look: BADGE.ACTIVATED, title: "badgeActivated" };
  }
  if (session === null) {
    return { look: BADGE.PARTNER, title: "badgePartner" };
  }
  if (neverLanded(session, now)) {
    // Not activated after all: the store saw no click.
    return { look: BADGE.PARTNER, title: "badgeNeverLanded" };
  }
  if (session.state === SESSION_STATE.ACTIVATED || session.tracking === TRACKING.UNKNOWN) {
    return { look: BADGE.ACTIVATED, title: "badgeActivated" };
  }
  return session.tracking === TRACKING.TRACKED
    ? { look: BADGE.TRACKED, title: "badgeTracked" }
    : { look: BADGE.AT_RISK, title: "badgeAtRisk" };
}
