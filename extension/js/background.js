/*
 * The background: Chromium's service worker, Firefox's event page. It only
 * wires the modules together. Each registers its listeners synchronously,
 * here on the first turn of the event loop, because a worker woken by an
 * event receives it only if the listener is already there.
 */
import * as activation from "./activation.js";
import * as badge from "./badge.js";
import * as companion from "./companion.js";
import * as diagnostics from "./diagnostics.js";
import * as incognito from "./incognito.js";
import * as messages from "./messages.js";
import * as navigation from "./navigation.js";
import * as partners from "./partners.js";
import * as session from "./session.js";
import * as welcome from "./welcome.js";

messages.startListeners();
navigation.startListeners();
activation.startListeners();
session.startListeners();
badge.startListeners();
partners.startListeners();
companion.startListeners();
diagnostics.startListeners();
incognito.startListeners();
welcome.startListeners();
