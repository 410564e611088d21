/*
 * The one-click fixes in the companion's answer to the checks, cut to what
 * this browser can carry out. Pure, so node tests it: js/diagnostics.js
 * passes what the browser can do (js/webext.js), and the warning, the popup
 * and js/fixes.js all read the answer as cut here.
 */

/**
 * The answer {verdict, checks: [{actions}], ...} without the actions
 * `can` rules out: `can.disableExtensions` false drops every
 * "disable_extension" (Firefox turns off themes only). The check itself,
 * its words and its fix text stay: the shopper can still do it by hand.
 */
export function possibleActions(result, can) {
  if (can.disableExtensions) {
    return result;
  }
  const checks = result.checks.map((check) => ({
    ...check,
    actions: check.actions.filter((action) => action.type !== "disable_extension"),
  }));
  return { ...result, checks };
}
