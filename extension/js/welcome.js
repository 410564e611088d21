/*
 * The first run. Right after the extension is installed (not after an update
 * of it or of the browser) it opens the welcome page, which says what the
 * extension does, what it keeps and where, when it adds affiliate links, and
 * how to pair it with the companion: it can do nothing useful before that.
 */
import { webext } from "./webext.js";

const WELCOME_PAGE = "skin/welcome.html";

function onInstalled({ reason }) {
  if (reason === "install") {
    void webext.tabs.create({ url: webext.runtime.getURL(WELCOME_PAGE) });
  }
}

export function startListeners() {
  webext.runtime.onInstalled.addListener(onInstalled);
}
