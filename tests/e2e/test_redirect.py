"""The program's redirect after Activate, left by the shopper before it reached the store, in a
real Chromium with our extension and a real companion.

The network is slow (``slow_network`` in the store's address: ``sites.py``), so the shopper goes
elsewhere in the same tab while it is still on its way: their mail typed in the address bar, or
Back. That is the end of the redirect: the click never landed, nothing the tab showed meanwhile
goes into the purchase's record, and the store asks again. Playwright's ``goto`` is a typed
navigation to Chromium (transitionType ``typed``), and ``go_back`` is Back (``forward_back``).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browser
from tests.e2e.harness import Companion, Sites, wait_until
from tests.e2e.journey import pair
from tests.e2e.shopper import ChromiumShopper

TIMEOUT_MS = 15_000
MAIL = "/inbox?session=SECRET123"


def chain_at_network(browser: Browser) -> bool:
    """Whether the extension is following a redirect that has reached the network (and waits)."""
    chains: list[Any] = browser.worker.evaluate(
        """async () => Object.entries(await chrome.storage.session.get(null))
            .filter(([key]) => key.startsWith("activation:"))
            .map(([, chain]) => chain)"""
    )
    return any("net.test" in hop for chain in chains for hop in chain["hops"])


def activate_and_wait_for_the_network(browser: Browser, page: Page) -> None:
    button = page.get_by_test_id("activate")
    expect(button).to_be_visible(timeout=TIMEOUT_MS)
    button.click()
    wait_until(lambda: chain_at_network(browser), 15, "the redirect to reach the slow network")


def asked_again(browser: Browser, page: Page, companion: Companion, clicks: int) -> None:
    """The store's page after the shopper left the redirect: asked again, and said so."""
    expect(page.get_by_test_id("activate")).to_be_visible(timeout=TIMEOUT_MS)
    tab = browser.tab_id(page)
    badge = browser.worker.evaluate(
        """async (tabId) => [await chrome.action.getBadgeText({ tabId }),
                              await chrome.action.getTitle({ tabId })]""",
        tab,
    )
    assert badge[0] == "%", badge
    assert "never reached the store" in badge[1], badge
    popup = browser.page(f"skin/popup.html?tabId={tab}")
    expect(popup.get_by_test_id("session-state")).to_have_attribute(
        "data-state", "never_landed", timeout=TIMEOUT_MS
    )
    expect(popup.get_by_test_id("session-state")).to_contain_text("never reached the store")
    popup.close()
    records = companion.log_records()
    assert len(records) == clicks
    assert {record["status"] for record in records} == {"clicked"}, records
    assert all(not record["hops"] for record in records), records


def test_the_shopper_leaves_a_slow_redirect(
    browser: Browser, companion: Companion, sites: Sites
) -> None:
    pair(ChromiumShopper(browser), companion)
    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/item/1?slow_network=1"))
    activate_and_wait_for_the_network(browser, page)

    # Their mail, typed, then the store, typed too: well within the redirect's two minutes.
    page.goto(sites.url("other.test", MAIL))
    page.goto(sites.url("shop.test", "/item/1"))
    asked_again(browser, page, companion, clicks=1)
    assert "SECRET123" not in json.dumps(companion.log_records())
    # The companion's checks agree at once, not after its own two minutes: not activated.
    page.goto(sites.url("shop.test", "/cart"))
    warning = page.get_by_test_id("untracked-warning")
    expect(warning).to_have_attribute("data-verdict", "untracked", timeout=TIMEOUT_MS)
    expect(warning).to_contain_text("not activated")

    # Activated again, and Back while the network is slow, to a store page reached by a link
    # (Back to one typed would still say "typed": Back's own mark is forward_back).
    page.goto(sites.url("shop.test", "/"))
    page.get_by_role("link", name="Kettle").click()
    page.wait_for_url(sites.url("shop.test", "/item/1"))
    page.goto(sites.url("shop.test", "/item/2?slow_network=1"))
    activate_and_wait_for_the_network(browser, page)
    # The redirect's own navigation, still waiting for the network, is cancelled by Back: the
    # browser reports it aborted, and go_back() with it.
    with contextlib.suppress(PlaywrightError):
        page.go_back(wait_until="commit")
    # Back may show the page from the back/forward cache, which fires no load event.
    page.wait_for_url(sites.url("shop.test", "/item/1"), wait_until="commit", timeout=TIMEOUT_MS)
    asked_again(browser, page, companion, clicks=2)

    # Activated once more, where the network is quick: this one lands, tracked, as ever.
    page.get_by_test_id("activate").click()
    page.wait_for_url("**/item/1?aff_id=NET-c_*", timeout=TIMEOUT_MS)
    wait_until(
        lambda: any(r["status"] == "landed" for r in companion.log_records()), 20, "the landing"
    )
    landed = next(r for r in companion.log_records() if r["status"] == "landed")
    assert landed["tracking"] == "tracked"
    assert not any("other.test" in hop or "/item/2" in hop for hop in landed["hops"])


def test_a_tab_closed_during_the_redirect_is_no_activation(
    browser: Browser, companion: Companion, sites: Sites
) -> None:
    """The redirect never reached the store: in another tab the store asks again, and with the
    companion stopped the cart still says, by itself, that cashback is not activated."""
    pair(ChromiumShopper(browser), companion)
    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/item/1?slow_network=1"))
    activate_and_wait_for_the_network(browser, page)
    page.close()

    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/item/1"))
    asked_again(browser, page, companion, clicks=1)

    companion.stop()
    page.goto(sites.url("shop.test", "/cart"))
    warning = page.get_by_test_id("untracked-warning")
    expect(warning).to_have_attribute("data-verdict", "untracked", timeout=TIMEOUT_MS)
    expect(warning).to_contain_text("not activated")


def test_leaving_a_store_page_still_loading_keeps_the_landing(
    browser: Browser, companion: Companion, sites: Sites
) -> None:
    """The redirect reached the store, whose page is still loading (a slow image), when the
    shopper types another address: the store saw the click, so it landed, tracked."""
    pair(ChromiumShopper(browser), companion)
    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/item/1?slow=1"))
    page.get_by_test_id("activate").click(timeout=TIMEOUT_MS)
    page.wait_for_url("**/item/1?slow=1&aff_id=NET-c_*", wait_until="commit", timeout=TIMEOUT_MS)
    page.goto(sites.url("other.test", MAIL))
    wait_until(
        lambda: any(r["status"] == "landed" for r in companion.log_records()), 20, "the landing"
    )
    (landed,) = companion.log_records()
    assert landed["tracking"] == "tracked"
    assert "SECRET123" not in json.dumps(landed), json.dumps(landed)
