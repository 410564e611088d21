/*
 * The only code that knows which browser it runs in. Firefox exposes the
 * promise-based `browser` namespace; Chromium's `chrome` namespace returns
 * promises too in Manifest V3, so everything else calls `webext.*` and awaits.
 */
export const webext = globalThis.browser ?? globalThis.chrome;
