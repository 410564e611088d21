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
  state.dataset.state = session.state;
  state.textContent = t(`session_${session.state}`);
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

  const activate = byId("activate");
  activate.hidden = state.partner === null;
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
