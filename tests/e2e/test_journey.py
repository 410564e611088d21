"""The whole purchase, in a real Chromium with our extension and a real companion.

Pair, visit a partner, see the prompt, press Activate, pass through the affiliate network
(which sets the store's tracking cookie), land, go to cart, checkout and the confirmation page,
and find the click tracked and the order with its id and amount in ``cashback-companion log``.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import Browser
from tests.e2e.harness import Companion, Sites
from tests.e2e.journey import activate_from_prompt, pair, record_for
from tests.e2e.sites import ORDER_AMOUNT, ORDER_CURRENCY, ORDER_ID


def test_whole_journey(browser: Browser, companion: Companion, sites: Sites) -> None:
    pair(browser, companion)
    page = browser.context.new_page()

    # A site that is no partner: no prompt, and nothing recorded. Checked first, so the
    # absence below is not just a slow extension: the same run then shows the prompt.
    page.goto(sites.url("other.test"))
    page.wait_for_timeout(1500)
    expect(page.locator("cashback-guard-prompt")).to_have_count(0)

    page.goto(sites.url("shop.test", "/item/1"))
    activate_from_prompt(page)

    # The tab goes through /go/ and the network and lands on the store with the network's id.
    page.wait_for_url("**/item/1?aff_id=NET-c_*", timeout=15_000)
    cookies = {c["name"]: c["value"] for c in browser.context.cookies(sites.url("shop.test"))}
    assert cookies["aff_click"].startswith("NET-c_")

    landed = record_for(companion, lambda r: r["status"] == "landed", "the click to be landed")
    assert landed["tracking"] == "tracked"
    assert landed["partner"] == "shop"
    assert any("/go/" in hop for hop in landed["hops"]), landed["hops"]
    assert any("net.test" in hop for hop in landed["hops"]), landed["hops"]

    for path in ("/cart", "/checkout", "/order/complete"):
        page.goto(sites.url("shop.test", path))

    placed = record_for(companion, lambda r: r["status"] == "order_placed", "the order")
    assert placed["click_id"] == landed["click_id"]
    assert (placed["order_id"], placed["order_amount"], placed["order_currency"]) == (
        ORDER_ID,
        ORDER_AMOUNT,
        ORDER_CURRENCY,
    )
    assert placed["cart_at"]
    assert placed["checkout_at"]

    # Reloading the thank-you page must not make a second order.
    page.reload()
    page.wait_for_timeout(2000)
    records = companion.log_records()
    assert len(records) == 1
    assert companion.cli("log", "--csv").count(ORDER_ID) == 1


def test_no_prompt_and_nothing_recorded_off_partner_sites(
    browser: Browser, companion: Companion, sites: Sites
) -> None:
    pair(browser, companion)
    page = browser.context.new_page()
    page.goto(sites.url("other.test"))
    page.wait_for_timeout(2000)
    expect(page.locator("cashback-guard-prompt")).to_have_count(0)
    assert companion.log_records() == []
    # Nor does the extension keep anything about the site.
    stored = browser.worker.evaluate(
        "async () => JSON.stringify([await chrome.storage.local.get(null),"
        " await chrome.storage.session.get(null)])"
    )
    assert "other.test" not in stored


def test_companion_down_during_the_purchase(
    browser: Browser, companion: Companion, sites: Sites
) -> None:
    """The extension queues what happens while the companion is stopped, and delivers it once."""
    pair(browser, companion)
    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/item/1"))
    activate_from_prompt(page)
    page.wait_for_url("**/item/1?aff_id=*", timeout=15_000)
    record_for(companion, lambda r: r["status"] == "landed", "the landing")

    companion.stop()
    for path in ("/cart", "/checkout", "/order/complete"):
        page.goto(sites.url("shop.test", path))
    page.reload()  # the order page seen twice while offline
    page.wait_for_timeout(1000)
    companion.start()

    placed = record_for(
        companion,
        lambda r: r["status"] == "order_placed",
        "the queued order after the restart",
        timeout=75,
    )
    assert placed["order_id"] == ORDER_ID
    assert placed["checkout_at"]
    assert len(companion.log_records()) == 1
    orders = companion.cli("log", "--csv").count(ORDER_ID)
    assert orders == 1
