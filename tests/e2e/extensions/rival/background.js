// Like a coupon extension taking the last click: as soon as the shopper has landed on the
// store through somebody's affiliate link, the tab goes through this extension's own network,
// which sends it back to the store with its own affiliate id.
chrome.webNavigation.onCompleted.addListener(
  (details) => {
    if (details.frameId !== 0) {
      return;
    }
    const url = new URL(details.url);
    const affiliate = url.searchParams.get("aff_id");
    if (affiliate === null || affiliate.startsWith("RIVAL-")) {
      return;
    }
    url.searchParams.delete("aff_id");
    const network = `${url.protocol}//rival.test:${url.port}/click?to=${encodeURIComponent(url.href)}`;
    chrome.tabs.update(details.tabId, { url: network });
  },
  { url: [{ hostEquals: "shop.test" }] },
);
