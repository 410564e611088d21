"""The whole purchase, in a real browser with our extension and a real companion.

Each test runs twice, in Chromium and in Firefox ESR (the ``shopper`` fixture). Pair, visit a
partner, see the prompt, press Activate, pass through the affiliate network (which sets the
store's tracking cookie), land, go to cart, checkout and the confirmation page, and find the
click tracked and the order with its id and amount in ``cashback-companion log``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.harness import Companion, Sites, wait_until
from tests.e2e.journey import activate_and_land, activate_from_prompt, pair, record_for
from tests.e2e.shopper import FirefoxShopper, Shopper
from tests.e2e.sites import ORDER_AMOUNT, ORDER_CURRENCY, ORDER_ID, demo_catalog

PROMPT = "cashback-guard-prompt"
SECOND_ORDER_ID = "A-1002"
# Long enough for the extension's readings of a page (js/constants.js ORDER_CHECK_DELAYS_MS).
ORDER_READINGS_S = 4.5


def test_whole_journey(shopper: Shopper, companion: Companion, sites: Sites) -> None:
    pair(shopper, companion)
    tab = shopper.new_tab()

    # A site that is no partner: no prompt, and nothing recorded. Checked first, so the
    # absence below is not just a slow extension: the same run then shows the prompt.
    tab.goto(sites.url("other.test"))
    tab.pause(1.5)
    assert tab.count(PROMPT) == 0

    tab.goto(sites.url("shop.test", "/item/1"))
    activate_from_prompt(tab)

    # The tab goes through /go/ and the network and lands on the store with the network's id.
    tab.wait_for_url(
        lambda url: "/item/1?aff_id=NET-c_" in url, "the landing on the store with the network's id"
    )
    assert shopper.cookies(sites.url("shop.test"))["aff_click"].startswith("NET-c_")

    landed = record_for(companion, lambda r: r["status"] == "landed", "the click to be landed")
    assert landed["tracking"] == "tracked"
    assert landed["partner"] == "shop"
    assert any("/go/" in hop for hop in landed["hops"]), landed["hops"]
    assert any("net.test" in hop for hop in landed["hops"]), landed["hops"]

    # The confirmation gives the order's number and amount a moment after it loads (?late=1 at
    # checkout), as a tag manager does: first read without them, the order is completed.
    for path in ("/cart", f"/checkout?order={ORDER_ID}&late=1", "/order/complete"):
        tab.goto(sites.url("shop.test", path))

    placed = record_for(
        companion, lambda r: r["order_amount"] is not None, "the order with its amount"
    )
    assert placed["click_id"] == landed["click_id"]
    assert (placed["order_id"], placed["order_amount"], placed["order_currency"]) == (
        ORDER_ID,
        ORDER_AMOUNT,
        ORDER_CURRENCY,
    )
    assert placed["cart_at"]
    assert placed["checkout_at"]

    # Reloading the thank-you page must not make a second order.
    tab.reload()
    tab.pause(2)
    records = companion.log_records()
    assert len(records) == 1
    assert companion.cli("log", "--csv").count(ORDER_ID) == 1

    # Another purchase on the same store: the session ended with its order. Straight back to
    # the cart, the shopper is warned before paying; on a product page the prompt asks again,
    # and the second order is logged with a click of its own. Its confirmation is the same
    # fixed address as the first's, also late: first read without a number there, the address
    # already recorded for the first order must not stop the reading.
    tab.goto(sites.url("shop.test", "/cart"))
    tab.wait_for(
        lambda: tab.attribute("untracked-warning", "data-verdict"),
        "the warning in the cart of a second purchase",
    )
    assert tab.attribute("untracked-warning", "data-verdict") == "untracked"
    tab.goto(sites.url("shop.test", "/item/2"))
    activate_from_prompt(tab)
    tab.wait_for_url(lambda url: "/item/2?aff_id=NET-c_" in url, "the second landing")
    for path in ("/cart", f"/checkout?order={SECOND_ORDER_ID}&late=1", "/order/complete"):
        tab.goto(sites.url("shop.test", path))
    second = record_for(
        companion, lambda r: r["order_id"] == SECOND_ORDER_ID, "the second purchase's order"
    )
    assert second["click_id"] != placed["click_id"]
    assert second["status"] == "order_placed"
    assert (second["order_amount"], second["order_currency"]) == (ORDER_AMOUNT, ORDER_CURRENCY)
    assert len(companion.log_records()) == 2


# Chromium alone: the rule is lib/order.js's, and the page is read with the same DOM calls in
# both browsers (Firefox's reading is in the journeys above and below).
@pytest.mark.parametrize("shopper", ["chromium"], indirect=True)
def test_a_sellers_thanks_in_a_review_is_no_order(
    shopper: Shopper, companion: Companion, sites: Sites
) -> None:
    """A seller's "Thank you for your order" in a product page's reviews neither ends the
    purchase nor takes the place of the real confirmation that follows."""
    pair(shopper, companion)
    tab = shopper.new_tab()
    landed = activate_and_land(tab, companion, sites, "/item/1")

    tab.goto(sites.url("shop.test", "/item/reviewed"))
    tab.pause(ORDER_READINGS_S)
    (record,) = companion.log_records()
    assert (record["status"], record["order_url"]) == ("landed", None)

    for path in ("/cart", "/checkout", "/order/complete"):
        tab.goto(sites.url("shop.test", path))
    placed = record_for(
        companion, lambda r: r["order_id"] == ORDER_ID, "the order of the real confirmation"
    )
    assert placed["click_id"] == landed["click_id"]
    assert placed["order_url"] == sites.url("shop.test", "/order/complete")
    assert len(companion.log_records()) == 1


# Chromium alone: the rule is lib/order.js's (isNewOrder, rememberOrder, under node --test), and the
# pages are read and remembered the same way in both browsers (the journeys).
@pytest.mark.parametrize("shopper", ["chromium"], indirect=True)
def test_one_fixed_thank_you_address_without_an_order_number(
    shopper: Shopper, companion: Companion, sites: Sites
) -> None:
    """Each purchase whose confirmation is the same number-less /thank-you is an order of its
    own click; showing that page again (a reload) is none."""
    pair(shopper, companion)
    tab = shopper.new_tab()
    thank_you = sites.url("shop.test", "/thank-you")
    clicks: list[str] = []
    for item in ("/item/1", "/item/2"):
        landed = activate_and_land(tab, companion, sites, item, clicks_before=clicks)
        clicks.append(landed["click_id"])
        for path in ("/cart", "/thank-you"):
            tab.goto(sites.url("shop.test", path))
        placed = record_for(
            companion,
            lambda r: r["click_id"] == clicks[-1] and r["status"] == "order_placed",
            "the order at the fixed address",
        )
        assert (placed["order_url"], placed["order_id"]) == (thank_you, None)
        tab.reload()
        tab.pause(ORDER_READINGS_S)
        assert len(companion.log_records()) == len(clicks)
    assert {r["click_id"] for r in companion.log_records()} == set(clicks)


def test_back_to_an_earlier_thank_you_page_under_a_new_click_is_no_order(
    shopper: Shopper, companion: Companion, sites: Sites
) -> None:
    """A number-less /thank-you of an earlier purchase, shown again by Back from the back/forward
    cache (where the page still says it was loaded by a link) after a new click, is that
    earlier order, not a new one of the new click."""
    pair(shopper, companion)
    tab = shopper.new_tab()
    first = activate_and_land(tab, companion, sites, "/item/1")
    for path in ("/cart", "/thank-you"):
        tab.goto(sites.url("shop.test", path))
    record_for(companion, lambda r: r["status"] == "order_placed", "the first order")
    # Mark the page, so that its restoring from the back/forward cache can be told.
    tab.evaluate("() => { window.__kept = true; }")

    activate_and_land(tab, companion, sites, "/item/2", clicks_before={first["click_id"]})
    thank_you = sites.url("shop.test", "/thank-you")
    for _ in range(5):
        if tab.url == thank_you:
            break
        tab.back()
        tab.pause(0.3)
    assert tab.url == thank_you
    assert tab.evaluate("() => window.__kept === true"), "not restored from the cache"
    tab.pause(ORDER_READINGS_S)
    placed = [r for r in companion.log_records() if r["status"] == "order_placed"]
    assert [r["click_id"] for r in placed] == [first["click_id"]]


def test_no_prompt_and_nothing_recorded_off_partner_sites(
    shopper: Shopper, companion: Companion, sites: Sites
) -> None:
    pair(shopper, companion)
    tab = shopper.new_tab()
    tab.goto(sites.url("other.test"))
    tab.pause(2)
    assert tab.count(PROMPT) == 0
    assert companion.log_records() == []
    # Nor does the extension keep anything about the site.
    assert "other.test" not in shopper.extension_storage()


def test_companion_down_during_the_purchase(
    shopper: Shopper, companion: Companion, sites: Sites
) -> None:
    """The extension queues what happens while the companion is stopped, and delivers it once."""
    pair(shopper, companion)
    tab = shopper.new_tab()
    tab.goto(sites.url("shop.test", "/item/1"))
    activate_from_prompt(tab)
    tab.wait_for_url(lambda url: "/item/1?aff_id=" in url, "the landing on the store")
    record_for(companion, lambda r: r["status"] == "landed", "the landing")

    companion.stop()
    for path in ("/cart", "/checkout", "/order/complete"):
        tab.goto(sites.url("shop.test", path))
    tab.reload()  # the order page seen twice while offline
    tab.pause(1)
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


def test_the_welcome_page_opens_at_install(shopper: Shopper, companion: Companion) -> None:
    """The extension opens it by itself; it discloses affiliate links and leads to pairing."""
    wait_until(
        lambda: any(url.endswith("/skin/welcome.html") for url in shopper.tab_urls()),
        10,
        "the welcome page to open after the install",
    )
    pair(shopper, companion)
    welcome = shopper.extension_page("skin/welcome.html")
    welcome.wait_for_attribute("welcome-status", "data-state", "paired")

    assert "only when you press Activate" in (welcome.text("affiliate-disclosure") or "")
    assert "stays on this computer" in (welcome.text("what-it-keeps") or "")

    def options_tabs() -> int:
        return sum(url.endswith("/skin/options.html") for url in shopper.tab_urls())

    assert options_tabs() == 0
    welcome.click("open-pairing")
    wait_until(options_tabs, 10, "the pairing form to open from the welcome page")

    # How js/webext.js tells the browsers apart for canDisableExtensions: Firefox turns off
    # only themes (management.setEnabled), so it gets no "Turn off" button.
    only_firefox = shopper.extension_eval(
        "async () => typeof (globalThis.browser ?? globalThis.chrome).runtime.getBrowserInfo"
    )
    assert (only_firefox == "function") is isinstance(shopper, FirefoxShopper)


def test_a_stopped_companion_is_named_with_the_command_that_starts_it(
    shopper: Shopper, companion: Companion, sites: Sites
) -> None:
    pair(shopper, companion)
    companion.stop()
    tab = shopper.new_tab()
    item = sites.url("shop.test", "/item/1")
    tab.goto(item)

    # The prompt still comes (the extension matches from its own copy of the partner index);
    # Activate cannot work, and the prompt says why and what to run.
    activate_from_prompt(tab)
    said = tab.wait_for(
        lambda: tab.text("companion-not-running"), "the prompt to say the companion is not running"
    )
    assert "cashback-companion serve" in said
    assert "cashback-companion service install" in said

    popup = shopper.extension_page(f"skin/popup.html?tabId={shopper.tab_id(item)}")
    said = popup.wait_for(
        lambda: popup.text("companion-not-running"), "the popup to say the companion is not running"
    )
    assert "cashback-companion serve" in said
    assert "cashback-companion service install" in said
    popup.close()

    # In the cart the extension still says, by itself, what it knows: not activated.
    cart = shopper.new_tab()
    cart.goto(sites.url("shop.test", "/cart"))
    cart.wait_for_attribute("untracked-warning", "data-verdict", "untracked")
    warned = cart.wait_for(lambda: cart.text("untracked-warning"), "the warning's words")
    assert "Cashback is not activated on Demo Shop" in warned
    assert "cashback-companion serve" in warned
    cart.close()

    # Started as it says, the companion takes the next Activate from the same prompt.
    companion.start()
    activate_from_prompt(tab)
    tab.wait_for_url(lambda url: "/item/1?aff_id=" in url, "the landing on the store")
    record_for(companion, lambda r: r["status"] == "landed", "the click to be landed")
    assert len(companion.log_records()) == 1


def test_a_large_catalog_is_kept_for_matching_while_the_companion_is_down(
    shopper: Shopper, companion: Companion, sites: Sites, tmp_path: Path
) -> None:
    """40,000 partner stores: an index of about 22 MB of JSON, more than Chromium lets
    storage.local hold without unlimitedStorage (this test fails without it). The extension
    keeps it, and matches from it with the companion stopped."""
    catalog = demo_catalog(sites.port)
    (shop,) = catalog["partners"]
    catalog["partners"] += [
        {
            **shop,
            "id": f"store{number}",
            "name": f"Store {number}",
            "domains": [f"store{number}.test"],
        }
        for number in range(40_000)
    ]
    path = tmp_path / "large-catalog.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    imported = companion.cli("catalog", "import", str(path))
    version = re.search(r"catalog version (\w+)", imported)
    assert version is not None, imported
    pair(shopper, companion)

    def kept() -> str | None:
        stored: str | None = shopper.extension_eval(
            "async () => (await (globalThis.browser ?? globalThis.chrome).storage.local"
            ".get('partnerIndex')).partnerIndex?.index?.version ?? null"
        )
        return stored

    wait_until(lambda: kept() == version[1], 60, f"the index {version[1]} to be kept")
    companion.stop()
    tab = shopper.new_tab()
    tab.goto(sites.url("store39999.test", "/item/1"))
    assert tab.wait_for(lambda: tab.count(PROMPT), "the prompt on the last of 20,000 stores")


def test_a_store_that_cuts_the_affiliate_parameter_from_its_address(
    shopper: Shopper, companion: Companion, sites: Sites
) -> None:
    """The landing page rewrites its own URL while it loads: still a landing, and tracked."""
    pair(shopper, companion)
    tab = shopper.new_tab()
    tab.goto(sites.url("shop.test", "/item/tidy"))
    activate_from_prompt(tab)
    landed = record_for(companion, lambda r: r["status"] == "landed", "the click to be landed")
    assert landed["tracking"] == "tracked"
    assert tab.url.endswith("/item/tidy")
