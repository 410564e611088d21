// The browser setting "Not allowed to use cookies" for the test store, as a shopper sets it
// in the store's site settings.
chrome.runtime.onInstalled.addListener(() => {
  chrome.contentSettings.cookies.set({ primaryPattern: "http://shop.test:*/*", setting: "block" });
});
