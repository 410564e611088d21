/*
 * The only code that knows which browser it runs in. Firefox exposes the
 * promise-based `browser` namespace; Chromium's `chrome` namespace returns
 * promises too in Manifest V3, so everything else calls `webext.*` and awaits.
 */
export const webext = globalThis.browser ?? globalThis.chrome;

/**
 * Whether management.setEnabled may turn another extension off. Chromium
 * lets it (the shopper's click, then the browser's own confirmation);
 * Firefox only for themes, so there the fix's words are the way, not a
 * button that can only fail. runtime.getBrowserInfo is Firefox's alone.
 */
export const canDisableExtensions = typeof webext.runtime?.getBrowserInfo !== "function";
