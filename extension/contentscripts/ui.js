/*
 * What the in-page prompt and warning share: localized text, a message to the
 * service worker, elements built from text only, and a shadow root styled by
 * a constructed sheet. Injected just before either of them (js/inject.js), it
 * lives in the extension's isolated world, where the page cannot reach it.
 *
 * A classic script with the `chrome` namespace: content scripts injected from
 * files cannot be ES modules.
 */
globalThis.cashbackGuardUi ??= Object.freeze({
  t: (key, substitutions) => chrome.i18n.getMessage(key, substitutions),

  send(message) {
    return new Promise((resolve) => {
      chrome.runtime.sendMessage(message, (response) => {
        // The worker can be gone (extension reloaded): treat as no answer.
        resolve(chrome.runtime.lastError ? null : (response ?? null));
      });
    });
  },

  /** An element whose every child is a node or plain text: never parsed as HTML. */
  element(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      node.setAttribute(name, value);
    }
    for (const child of children) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  },

  /**
   * A host element with an open shadow root styled by `css`. A constructed
   * sheet, not a <style> element: a store's Content-Security-Policy may forbid
   * inline styles (Firefox applies it to ours too), and it does not govern the
   * CSS object model.
   */
  shadowHost(tag, css) {
    const host = document.createElement(tag);
    const root = host.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    return { host, root };
  },

  /**
   * Shows `host`, whatever the page's stylesheets say about its tag: an
   * inline !important declaration outranks any of theirs, so a store cannot
   * hide, fade or move the prompt or the warning with CSS alone.
   */
  showHost(host) {
    // The page's rules on the host outrank its own :host rule; these do not.
    const shown = {
      display: "block",
      position: "fixed",
      top: "16px",
      right: "16px",
      bottom: "auto",
      left: "auto",
      "z-index": "2147483647",
      visibility: "visible",
      opacity: "1",
      transform: "none",
      filter: "none",
      "clip-path": "none",
      width: "auto",
      height: "auto",
      overflow: "visible",
      "pointer-events": "auto",
    };
    for (const [property, value] of Object.entries(shown)) {
      host.style.setProperty(property, value, "important");
    }
  },
});
