/*
 * The warning before paying: on a partner store's cart or checkout while a
 * tracking check fails or cashback is not activated (or anywhere on the store
 * once an activated session broke), it names each problem and its fix, with
 * the fixes the browser allows as buttons. Injected by js/inject.js when the
 * companion's verdict says so; what it shows is the worker's last answer for
 * this tab (getWarning).
 *
 * The store's page is hostile ground, as for the prompt: a shadow root keeps
 * its CSS out, every text goes in as text, and a button acts only on a click
 * the browser says a person made (event.isTrusted).
 *
 * A classic script with the `chrome` namespace, like contentscripts/prompt.js.
 */
(() => {
  const TAG = "cashback-guard-warning";
  const { t, send, element, shadowHost, showHost } = globalThis.cashbackGuardUi;

  // Only constants here, no data from the page or the companion.
  const STYLE = `
    :host { all: initial; position: fixed; top: 16px; right: 16px; z-index: 2147483647; display: block; }
    .card { box-sizing: border-box; width: 360px; max-height: calc(100vh - 32px); overflow: auto;
      padding: 14px 16px; border-radius: 10px; border-top: 5px solid #c5221f;
      background: #ffffff; color: #202124; box-shadow: 0 4px 24px rgba(0, 0, 0, .3);
      font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    .card.at_risk { border-top-color: #e37400; }
    header { display: flex; align-items: center; justify-content: space-between; margin-bottom: 6px; }
    .brand { font-size: 12px; font-weight: 600; color: #5f6368; text-transform: uppercase; letter-spacing: .04em; }
    h2 { margin: 0 0 8px; font-size: 16px; font-weight: 600; color: #c5221f; }
    .at_risk h2 { color: #b06000; }
    ul { margin: 0 0 8px; padding: 0; }
    li { list-style: none; margin: 0 0 8px; padding-left: 10px; border-left: 3px solid #c5221f; }
    li[data-status="warn"] { border-left-color: #e37400; }
    p { margin: 2px 0; }
    .title { font-weight: 600; }
    .fix { color: #3c4043; }
    .actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; }
    button { font: inherit; cursor: pointer; border-radius: 6px; padding: 7px 12px; border: 1px solid #dadce0;
      background: #ffffff; color: #202124; }
    button.primary { border: 0; background: #188038; color: #ffffff; font-weight: 600; }
    button:disabled { opacity: .6; cursor: default; }
    .dismiss { width: 28px; height: 28px; padding: 0; border: 0; background: none; color: #5f6368; font-size: 20px; line-height: 1; }
    .error { color: #c5221f; }
    button:focus-visible { outline: 2px solid #1a73e8; outline-offset: 2px; }
  `;

  // Each distinct fix once, however many checks offer it; Activate first.
  function fixesOf(checks) {
    const seen = new Map();
    for (const action of checks.flatMap((check) => check.actions)) {
      seen.set(`${action.type}\u0000${action.extension_id ?? ""}`, action);
    }
    return [...seen.values()].sort((a, b) => (b.type === "activate") - (a.type === "activate"));
  }

  function render(result) {
    const problems = result.checks.filter((check) => check.status === "fail" || check.status === "warn");
    const notActivated = result.checks.some((check) => check.reason === "not_activated");
    const { host, root } = shadowHost(TAG, STYLE);
    const error = element("p", { class: "error", role: "alert", hidden: "" });
    const dismiss = element(
      "button",
      { type: "button", class: "dismiss", "data-testid": "dismiss-warning", "aria-label": t("dismiss"), title: t("dismiss") },
      ["×"],
    );

    const buttons = [];
    const fixButton = (action) => {
      if (action.type === "activate") {
        const label = t(notActivated ? "activate" : "activateAgain");
        return [element("button", { type: "button", class: "primary", "data-testid": "fix-activate" }, [label]), { type: "activate" }, true];
      }
      if (action.type === "disable_extension") {
        const button = element(
          "button",
          { type: "button", "data-testid": "fix-disable-extension", "data-extension-id": action.extension_id },
          [t("turnOff", [action.name])],
        );
        return [button, { type: "disableExtension", extensionId: action.extension_id }, false];
      }
      const button = element("button", { type: "button", "data-testid": "fix-clear-cookies" }, [t("clearAndActivate")]);
      return [button, { type: "clearCookiesAndActivate" }, true];
    };
    for (const action of fixesOf(problems)) {
      const [button, message, leaves] = fixButton(action);
      button.addEventListener("click", async (event) => {
        if (!event.isTrusted) {
          return;
        }
        button.disabled = true;
        const answer = await send(message);
        if (answer === null || answer.error) {
          error.textContent = answer?.error?.message ?? t("statusError");
          error.hidden = false;
          button.disabled = false;
        } else if (leaves) {
          // The tab is on its way through the program's redirect.
          host.remove();
        } else {
          button.textContent = t("turnedOff", [action.name]);
        }
      });
      buttons.push(button);
    }

    const card = element(
      "div",
      { class: `card ${result.verdict}`, role: "alertdialog", "aria-labelledby": "title", "data-testid": "untracked-warning", "data-verdict": result.verdict },
      [
        element("header", {}, [element("span", { class: "brand" }, [t("extName")]), dismiss]),
        element("h2", { id: "title" }, [t(result.verdict === "untracked" ? "warningUntracked" : "warningAtRisk")]),
        element(
          "ul",
          {},
          problems.map((check) =>
            element("li", { "data-check": check.check, "data-status": check.status, "data-reason": check.reason }, [
              element("p", { class: "title" }, [check.title]),
              element("p", {}, [check.why]),
              ...(check.fix ? [element("p", { class: "fix" }, [check.fix])] : []),
            ]),
          ),
        ),
        element("div", { class: "actions" }, buttons),
        error,
      ],
    );
    root.append(card);
    showHost(host);
    dismiss.addEventListener("click", (event) => {
      if (event.isTrusted) {
        host.remove();
      }
    });
    // A single-page store's next page gets the verdict of its own: one warning at a time.
    for (const old of document.querySelectorAll(TAG)) {
      old.remove();
    }
    document.documentElement.append(host);
  }

  void send({ type: "getWarning" }).then((answer) => {
    if (answer?.show === true && Array.isArray(answer.checks)) {
      render(answer);
    }
  });
})();
