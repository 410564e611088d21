/*
 * The welcome page (opened once, by js/welcome.js, when the extension is
 * installed). Its texts are static; it shows where pairing stands, again
 * whenever the shopper comes back to it from the options page.
 */
import { webext } from "../js/webext.js";
import { ask, localizePage } from "./localize.js";

const status = document.getElementById("status");

async function showStatus() {
  const answer = await ask({ type: "getStatus" });
  const { state, message } = answer.error ?? answer;
  status.dataset.state = state ?? "error";
  status.textContent = message;
}

// The companion is released with the extension and shares its version
// (tests/packaging/test_versions.py), so this names the right file.
function showInstallCommand() {
  const { version } = webext.runtime.getManifest();
  document.getElementById("install-command").textContent =
    `pipx install ./cashback_companion-${version}-py3-none-any.whl`;
}

localizePage();
showInstallCommand();
document.getElementById("open-pairing").addEventListener("click", () => webext.runtime.openOptionsPage());
window.addEventListener("focus", () => void showStatus());
void showStatus();
