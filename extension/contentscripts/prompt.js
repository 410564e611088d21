/*
 * The in-page prompt on a partner store: the store, the best offer, the
 * other programs' rates, and the Activate button. Injected by js/inject.js
 * into partner tabs only.
 *
 * The store's page is hostile ground. Its CSS is kept out by a shadow root;
 * every text goes in with textContent, never as markup; and a click counts
 * only if the browser says a person made it (event.isTrusted), so the store's
 * own scripts cannot activate cashback through the open shadow root.
 *
 * A classic script (executeScript does not inject modules), so it uses the
 * `chrome` namespace with callbacks, which Chromium and Firefox both offer,
 * instead of js/webext.js.
 */
(() => {
  // Injected again into the same document (a history navigation, a page the
  // back/forward cache restored), it must not draw a second prompt while one
  // is up; once that one is gone, the worker decides again. Of several
  // injections, the last one's answer counts: an earlier question can be
  // answered late, after the page was frozen in the cache.
  if (globalThis.cashbackGuardPrompt?.isConnected) {
    return;
  }
  const run = (globalThis.cashbackGuardPromptRuns ?? 0) + 1;
  globalThis.cashbackGuardPromptRuns = run;

  const { t, send, element, shadowHost, showHost } = globalThis.cashbackGuardUi;

  // Only constants here, no data from the page or the index.
  const STYLE = `
    :host { all: initial; position: fixed; top: 16px; right: 16px; z-index: 2147483647; display: block; }
    .card { box-sizing: border-box; width: 320px; padding: 14px 16px; border-radius: 10px;
      background: #ffffff; color: #202124; box-shadow: 0 4px 24px rgba(0, 0, 0, .25);
      font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    header { display: flex; align-items: center; justify-content: space-between; margin-bottom: 6px; }
    .brand { font-size: 12px; font-weight: 600; color: #188038; text-transform: uppercase; letter-spacing: .04em; }
    h2 { margin: 0 0 6px; font-size: 16px; font-weight: 600; }
    p, ul { margin: 0 0 8px; padding: 0; }
    li { list-style: none; color: #5f6368; }
    .rate { font-weight: 700; color: #188038; }
    .actions { display: flex; gap: 8px; align-items: center; margin-top: 10px; }
    button { font: inherit; cursor: pointer; border-radius: 6px; }
    .activate { padding: 8px 14px; border: 0; background: #188038; color: #ffffff; font-weight: 600; }
    .activate:disabled { opacity: .6; cursor: default; }
    .never { padding: 8px 4px; border: 0; background: none; color: #5f6368; text-decoration: underline; }
    .dismiss { width: 28px; height: 28px; border: 0; background: none; color: #5f6368; font-size: 20px; line-height: 1; }
    .error { color: #c5221f; }
    .notice { color: #8a5300; }
    code { padding: 1px 5px; border-radius: 4px; background: #f1f3f4; color: #202124; white-space: nowrap; user-select: all; }
    button:focus-visible { outline: 2px solid #1a73e8; outline-offset: 2px; }
  `;

  // The commands that start the companion, the same in every language.
  const SERVE_COMMAND = "cashback-companion serve";
  const SERVICE_COMMAND = "cashback-companion service install";

  // Why Activate failed. A companion that does not answer is the one failure
  // the shopper can only fix outside the browser: they get the commands.
  function showFailure(error, failure) {
    if (failure?.state === "not_running") {
      error.replaceChildren(notRunningNotice());
    } else {
      error.textContent = failure?.message ?? t("statusError");
    }
    error.hidden = false;
  }

  function notRunningNotice() {
    return element("span", { "data-testid": "companion-not-running" }, [
      t("companionNotRunning"),
      " ",
      element("code", {}, [SERVE_COMMAND]),
      element("br"),
      t("startWithSession"),
      " ",
      element("code", {}, [SERVICE_COMMAND]),
    ]);
  }

  function render({ partner, otherAffiliate }) {
    const [best, ...others] = partner.offers;
    const { host, root } = shadowHost("cashback-guard-prompt", STYLE);

    const activate = element("button", { type: "button", class: "activate", "data-testid": "activate" }, [
      t("activate"),
    ]);
    const never = element("button", { type: "button", class: "never", "data-testid": "never-here" }, [
      t("neverHere"),
    ]);
    const dismiss = element(
      "button",
      { type: "button", class: "dismiss", "data-testid": "dismiss", "aria-label": t("dismiss"), title: t("dismiss") },
      ["×"],
    );
    const error = element("p", { class: "error", role: "alert", hidden: "", "data-testid": "prompt-error" });

    const children = [
      element("header", {}, [element("span", { class: "brand" }, [t("extName")]), dismiss]),
      element("h2", { id: "title" }, [t("promptTitle", [partner.name])]),
    ];
    if (best) {
      children.push(
        element("p", {}, [
          t("bestOffer"),
          " ",
          element("span", { class: "rate" }, [best.rate]),
          " ",
          t("offerProgram", [best.programName]),
        ]),
      );
    }
    if (others.length > 0) {
      children.push(
        element("p", {}, [t("otherOffers")]),
        element(
          "ul",
          {},
          others.map((offer) => element("li", {}, [t("offerLine", [offer.programName, offer.rate])])),
        ),
      );
    }
    if (otherAffiliate && best) {
      // Nobody else's affiliate click is replaced without the shopper knowing.
      children.push(
        element("p", { class: "notice", "data-testid": "other-affiliate" }, [t("otherAffiliate", [best.programName])]),
      );
    }
    children.push(element("div", { class: "actions" }, [activate, never]), error);

    const card = element(
      "div",
      { class: "card", role: "dialog", "aria-labelledby": "title", "data-testid": "prompt" },
      children,
    );
    root.append(card);

    const close = () => host.remove();
    // A page can hide, fade or move elements it does not know: not this one.
    showHost(host);

    dismiss.addEventListener("click", (event) => {
      if (event.isTrusted) {
        close();
        void send({ type: "dismissPrompt" });
      }
    });
    never.addEventListener("click", (event) => {
      if (event.isTrusted) {
        close();
        void send({ type: "neverAskHere" });
      }
    });
    activate.addEventListener("click", async (event) => {
      if (!event.isTrusted) {
        return;
      }
      activate.disabled = true;
      activate.textContent = t("activating");
      const answer = await send({ type: "activate" });
      if (answer === null || answer.error) {
        showFailure(error, answer?.error);
        activate.disabled = false;
        activate.textContent = t("activate");
      } else {
        // The tab is on its way to the program's redirect.
        close();
      }
    });

    document.documentElement.append(host);
    globalThis.cashbackGuardPrompt = host;
  }

  void send({ type: "getPrompt" }).then((answer) => {
    const latest = run === globalThis.cashbackGuardPromptRuns;
    if (answer?.show === true && latest && !globalThis.cashbackGuardPrompt?.isConnected) {
      render(answer);
    }
  });
})();
