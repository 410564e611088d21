/*
 * The options page: pairing with the companion. The background does the
 * talking (js/messages.js); this page only shows where things stand.
 */
import { ask, localizePage, t } from "./localize.js";

// The companion's state as the page's data-state, a stable hook for tests.
const DATA_STATE = {
  paired: "paired",
  not_paired: "not-paired",
  not_running: "unreachable",
  error: "unreachable",
};

const form = document.getElementById("pair-form");
const urlInput = document.getElementById("companion-url");
const codeInput = document.getElementById("pairing-code");
const pairButton = document.getElementById("pair");
const status = document.getElementById("pair-status");

function show({ state, message }) {
  status.dataset.state = DATA_STATE[state] ?? DATA_STATE.error;
  status.textContent = message;
}

async function refresh() {
  const answer = await ask({ type: "getStatus" });
  if (answer.error) {
    show(answer.error);
    return;
  }
  urlInput.value ||= answer.url;
  show(answer);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  pairButton.disabled = true;
  status.textContent = t("pairing");
  const answer = await ask({ type: "pair", url: urlInput.value, code: codeInput.value });
  pairButton.disabled = false;
  if (answer.error) {
    show(answer.error);
  } else if (answer.pairError) {
    show({ state: answer.state, message: answer.pairError.message });
  } else {
    codeInput.value = "";
    show(answer);
  }
});

localizePage();
void refresh();
