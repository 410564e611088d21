/*
 * The popup: the current tab's store, its offers, the purchase session and
 * the Activate button. Everything comes from the background (getTabState);
 * activation happens only when the shopper clicks here or in the prompt.
 */
import { webext } from "../js/webext.js";
import { ask, localizePage, t, uiLocale } from "./localize.js";
import { decimalText } from "../lib/offers.js";

const byId = (id) => document.getElementById(id);

function showError(error) {
  byId("error").textContent = error.message;
  byId("error").hidden = false;
}

function renderCompanion(status) {
  byId("companion").hidden = status.state === "paired";
  byId("companion-message").textContent = status.message;
  renderNotRunning(status.state === "not_running");
}

// The one state the settings cannot fix: the shopper gets the commands that
// start the companion instead of the settings button.
function renderNotRunning(notRunning) {
  byId("not-running").hidden = !notRunning;
  byId("companion-message").hidden = notRunning;
  byId("open-options").hidden = notRunning;
}

function renderStore(partner) {
  byId("not-partner").hidden = partner !== null;
  byId("store-name").textContent = partner?.name ?? "";
  const [best, ...others] = partner?.offers ?? [];
  byId("offers").hidden = best === undefined;
  if (best !== undefined) {
    byId("best-rate").textContent = best.rate;
    byId("best-program").textContent = t("offerProgram", [best.programName]);
    byId("other-offers").hidden = others.length === 0;
    byId("other-offer-list").replaceChildren(
      ...others.map((offer) => {
        const item = document.createElement("li");
        item.textContent = t("offerLine", [offer.programName, offer.rate]);
        return item;
      }),
    );
  }
}

function renderSession(session) {
  const state = byId("session-state");
  // Activated, but the program's redirect never reached the store: not on after all, and no
  // tracking to speak of.
  state.dataset.state = session.neverLanded ? "never_landed" : session.state;
  state.textContent = session.neverLanded ? t("sessionNeverLanded") : t(`session_${session.state}`);
  byId("tracking-line").hidden = session.neverLanded;
  const tracking = byId("tracking");
  tracking.dataset.state = session.tracking;
  tracking.textContent = t(`tracking_${session.tracking}`);
  byId("at-risk-advice").hidden = session.tracking !== "at_risk";
  // The click time is what support asks for when cashback goes missing.
  byId("activated-at").hidden = session.startedAt === null;
  if (session.startedAt !== null) {
    const time = new Intl.DateTimeFormat(uiLocale, {
      dateStyle: "short",
      timeStyle: "short",
    }).format(session.startedAt);
    byId("activated-at").textContent = t("activatedAt", [time]);
  }
  const order = session.order;
  byId("order").hidden = order === null;
  if (order !== null) {
    const parts = [t("orderPlacedLine", [order.order_id ?? t("orderIdUnknown")])];
    if (order.amount !== null) {
      parts.push(t("orderAmountLine", [decimalText(order.amount, t), order.currency ?? ""]).trim());
    }
    byId("order").textContent = parts.join(" · ");
  }
}

// The tracking checks, each with its status and, when something is wrong,
// why and what to do; the fixes the browser allows are buttons. Activation
// has its own button below.
const VERDICTS = () => ({
  tracked: t("verdictTracked"),
  at_risk: t("verdictAtRisk"),
  untracked: t("verdictUntracked"),
});
const MARKS = () => ({
  ok: ["✓", t("checkOk")],
  warn: ["!", t("checkWarn")],
  fail: ["✗", t("checkFail")],
  unknown: ["?", t("checkUnknown")],
});

function renderChecks(checks, tabId) {
  byId("checks-section").hidden = checks === null || Boolean(checks.error);
  if (checks === null || checks.error) {
    return;
  }
  const verdict = byId("verdict");
  verdict.dataset.verdict = checks.verdict;
  verdict.textContent = VERDICTS()[checks.verdict] ?? "";
  const marks = MARKS();
  byId("checks").replaceChildren(
    ...checks.checks.map((check) => {
      const item = document.createElement("li");
      Object.assign(item.dataset, { check: check.check, status: check.status, reason: check.reason });
      const [symbol, label] = marks[check.status] ?? marks.unknown;
      const mark = document.createElement("span");
      mark.className = "mark";
      mark.textContent = symbol;
      mark.setAttribute("aria-label", label);
      mark.title = label;
      const title = document.createElement("strong");
      title.textContent = check.title;
      const why = document.createElement("p");
      why.textContent = check.why;
      item.append(mark, " ", title, why);
      if (check.fix && (check.status === "fail" || check.status === "warn")) {
        const fix = document.createElement("p");
        fix.className = "advice";
        fix.textContent = check.fix;
        item.append(fix);
      }
      return item;
    }),
  );
  byId("fixes").replaceChildren(...fixButtons(checks.checks, tabId));
}

// Each fix once: turning an extension off, clearing the store's cookies.
function fixButtons(checks, tabId) {
  const seen = new Map();
  for (const action of checks.filter((c) => c.status !== "ok").flatMap((c) => c.actions)) {
    if (action.type !== "activate") {
      seen.set(`${action.type}\u0000${action.extension_id ?? ""}`, action);
    }
  }
  return [...seen.values()].map((action) => {
    const button = document.createElement("button");
    button.type = "button";
    const disable = action.type === "disable_extension";
    button.dataset.testid = disable ? "fix-disable-extension" : "fix-clear-cookies";
    button.textContent = disable ? t("turnOff", [action.name]) : t("clearAndActivate");
    button.addEventListener("click", async () => {
      button.disabled = true;
      const request = disable
        ? { type: "disableExtension", tabId, extensionId: action.extension_id }
        : { type: "clearCookiesAndActivate", tabId };
      const answer = await ask(request);
      if (answer.error) {
        button.disabled = false;
        showError(answer.error);
      } else if (disable) {
        button.textContent = t("turnedOff", [action.name]);
      } else {
        window.close();
      }
    });
    return button;
  });
}

// The tab the popup is about: the active one, or the one named by
// ?tabId=N, the hook tests use to open the popup as a page of its own.
async function currentTabId() {
  const named = Number.parseInt(new URLSearchParams(location.search).get("tabId") ?? "", 10);
  if (Number.isInteger(named)) {
    return named;
  }
  const [tab] = await webext.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

async function main() {
  localizePage();
  const tabId = await currentTabId();
  const state = await ask({ type: "getTabState", tabId });
  if (state.error) {
    showError(state.error);
    return;
  }
  renderCompanion(state.companion);
  renderStore(state.partner);
  byId("session").hidden = state.partner === null;
  renderSession(state.session);
  renderChecks(state.checks, tabId);

  const activate = byId("activate");
  // Nothing is activated in a private window (the checks say why, when the
  // companion runs): the browser's own word, not the checks', decides.
  activate.hidden = state.partner === null || state.private;
  activate.textContent = t(state.session.state === "none" ? "activate" : "activateAgain");
  activate.addEventListener("click", async () => {
    activate.disabled = true;
    const answer = await ask({ type: "activate", tabId });
    if (answer.error) {
      activate.disabled = false;
      showError(answer.error);
    } else {
      window.close();
    }
  });

  byId("never-ask").hidden = !state.neverAsk;
  byId("ask-again").addEventListener("click", async () => {
    await ask({ type: "askHereAgain", partnerId: state.partner.id });
    byId("never-ask").hidden = true;
  });
  byId("open-options").addEventListener("click", () => webext.runtime.openOptionsPage());
}

void main();
