"""The tracking checks in a real Chromium, with our extension and a real companion.

Each test first shows that a clean purchase reads "tracked" (no warning in the cart or at
checkout, every check fine), in a browser of its own; then it opens a second browser in which
one thing the programs warn about is true, and shows the warning before paying, the check that
failed in the popup, and, where the browser allows one, that the one-click fix makes the
purchase tracked again.

Other extensions are real extensions loaded beside ours (``extensions/``): a rival coupon
extension that sends the store through its own network after our click, an ad blocker that
blocks the program's network with declarativeNetRequest, and one that sets the browser's own
"block cookies" site setting for the store.

Not driven here, and tested on facts in tests/unit/test_checks.py instead: a private window
(Playwright's Chromium opens none with extensions) and a browser restart (a relaunch that loads
the extension with --load-extension does not fire runtime.onStartup as a real restart does).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Locator, Page, Playwright, expect

from tests.e2e.conftest import Browser, launch
from tests.e2e.harness import ARTIFACTS, EXTENSION, Companion, Sites, wait_until
from tests.e2e.journey import pair, record_for
from tests.e2e.shopper import ChromiumShopper
from tests.e2e.sites import AD_BLOCKER_ID, RIVAL_AFFILIATE, RIVAL_ID

EXTENSIONS = Path(__file__).parent / "extensions"
TIMEOUT_MS = 15_000
WARNING = "cashback-guard-warning"

OpenBrowser = Callable[..., Browser]


@pytest.fixture
def open_browser(
    playwright: Playwright, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[OpenBrowser]:
    """Opens Chromium with our extension and the named test extensions, on a fresh profile.

    One browser at a time (the machine has two cores): opening one closes the one before.
    """
    opened: list[Browser] = []

    def close(browser: Browser) -> None:
        ChromiumShopper(browser).keep_screenshots(ARTIFACTS, f"{request.node.name}-{len(opened)}")
        browser.context.close()

    def open_browser(*extensions: str) -> Browser:
        if opened:
            close(opened[-1])
        profile = tmp_path / f"profile-{len(opened)}"
        browser = launch(
            playwright, profile, [EXTENSION, *(EXTENSIONS / name for name in extensions)]
        )
        opened.append(browser)
        return browser

    yield open_browser
    if opened:
        close(opened[-1])


def paired(open_browser: OpenBrowser, companion: Companion, *extensions: str) -> Browser:
    browser = open_browser(*extensions)
    pair(ChromiumShopper(browser), companion)
    return browser


def check_runs(companion: Companion, click_id: str) -> list[dict[str, Any]]:
    """The runs the companion stored with the click, newest first."""
    token = companion.cli("token").strip()
    request = urllib.request.Request(
        f"{companion.url}/api/v1/clicks/{click_id}/checks",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        runs: list[dict[str, Any]] = json.load(answer)["runs"]
    return runs


def latest_click(companion: Companion) -> dict[str, Any]:
    return record_for(companion, lambda record: True, "a click")


def popup_checks(browser: Browser, page: Page) -> tuple[str, dict[str, tuple[str, str]]]:
    """The popup of the shopper's tab: the verdict, and each check's (status, reason)."""
    popup = browser.page(f"skin/popup.html?tabId={browser.tab_id(page)}")
    verdict = popup.get_by_test_id("verdict")
    expect(verdict).not_to_have_attribute("data-verdict", "", timeout=TIMEOUT_MS)
    items = popup.get_by_test_id("checks").locator("li")
    checks = {
        item.get_attribute("data-check") or "": (
            item.get_attribute("data-status") or "",
            item.get_attribute("data-reason") or "",
        )
        for item in items.all()
    }
    answer = verdict.get_attribute("data-verdict") or ""
    popup.close()
    return answer, checks


def warning(page: Page) -> Locator:
    # Playwright's CSS engine pierces open shadow roots, where the warning lives.
    return page.get_by_test_id("untracked-warning")


def warned_check(page: Page, check: str) -> Locator:
    return warning(page).locator(f'li[data-check="{check}"]')


def activate_on(page: Page) -> None:
    button = page.get_by_test_id("activate")
    expect(button).to_be_visible(timeout=TIMEOUT_MS)
    button.click()


def landed_with(page: Page, affiliate: str) -> None:
    page.wait_for_url(f"**aff_id={affiliate}*", timeout=TIMEOUT_MS)


def no_warning_once_checked(page: Page, companion: Companion, click_id: str, kind: str) -> None:
    """The checks ran for this page (the companion stored the run) and no warning came of it."""

    def checked() -> dict[str, Any] | None:
        return next((run for run in check_runs(companion, click_id) if run["page"] == kind), None)

    run = wait_until(checked, 15, f"the checks to run on the {kind} page")
    assert run["verdict"] == "tracked", run
    page.wait_for_timeout(1000)
    expect(page.locator(WARNING)).to_have_count(0)


def landed_cleanly(
    open_browser: OpenBrowser, companion: Companion, sites: Sites
) -> tuple[Browser, Page, str]:
    """A paired browser with no other extension, activated on the store and landed there:
    the browser, its tab and the click's id."""
    browser = paired(open_browser, companion)
    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/item/1"))
    activate_on(page)
    landed_with(page, "NET-c_")
    return browser, page, latest_click(companion)["click_id"]


def clean_purchase_reads_tracked(
    open_browser: OpenBrowser, companion: Companion, sites: Sites
) -> None:
    """The control: nothing the programs warn about, so the checks find nothing."""
    browser, page, click_id = landed_cleanly(open_browser, companion, sites)
    for path, kind in (("/cart", "cart"), ("/checkout", "checkout")):
        page.goto(sites.url("shop.test", path))
        no_warning_once_checked(page, companion, click_id, kind)
    verdict, checks = popup_checks(browser, page)
    assert verdict == "tracked"
    assert {status for status, _ in checks.values()} == {"ok"}, checks
    assert len(checks) == 7
    # Every run is kept with the session: the landing, the cart, the checkout, the popup's.
    assert {run["page"] for run in check_runs(companion, click_id)} >= {"page", "cart", "checkout"}


def turned_off(browser: Browser, extension_id: str) -> bool:
    state = browser.worker.evaluate(
        "async (id) => (await chrome.management.get(id)).enabled", extension_id
    )
    return state is False


def turn_off_and_activate_again(browser: Browser, page: Page, extension_id: str) -> None:
    """The warning's two one-click fixes, in the order a shopper uses them."""
    assert not turned_off(browser, extension_id)
    warning(page).locator(f'[data-extension-id="{extension_id}"]').click()
    wait_until(lambda: turned_off(browser, extension_id), 10, f"{extension_id} to be turned off")
    page.get_by_test_id("fix-activate").click()
    landed_with(page, "NET-c_")


def test_a_rival_extension_overwrites_the_click(
    open_browser: OpenBrowser, companion: Companion, sites: Sites
) -> None:
    clean_purchase_reads_tracked(open_browser, companion, sites)

    browser = paired(open_browser, companion, "rival")
    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/item/1"))
    activate_on(page)
    # Our click lands, then the rival sends the tab through its network: the last click is its.
    landed_with(page, RIVAL_AFFILIATE)
    overwritten = warned_check(page, "rival_extensions")
    expect(overwritten).to_have_attribute("data-status", "fail", timeout=TIMEOUT_MS)
    expect(overwritten).to_have_attribute("data-reason", "overwritten_reentry")
    expect(overwritten).to_contain_text("rival.test")
    verdict, checks = popup_checks(browser, page)
    assert verdict == "untracked"
    assert checks["rival_extensions"] == ("fail", "overwritten_reentry")

    # The fixes, each on the shopper's click: turn the rival off, then activate again.
    turn_off_and_activate_again(browser, page, RIVAL_ID)
    cookies = {c["name"]: c["value"] for c in browser.context.cookies(sites.url("shop.test"))}
    assert cookies["aff_click"].startswith("NET-c_")
    page.goto(sites.url("shop.test", "/cart"))
    no_warning_once_checked(page, companion, latest_click(companion)["click_id"], "cart")


def test_an_ad_blocker_blocks_the_programs_redirect(
    open_browser: OpenBrowser, companion: Companion, sites: Sites
) -> None:
    clean_purchase_reads_tracked(open_browser, companion, sites)

    browser = paired(open_browser, companion, "adblock")
    page = browser.context.new_page()
    # The shopper came through a blogger's link; the blocked redirect must not hand it back.
    page.goto(sites.url("shop.test", "/item/1?aff_id=BLOGGER"))
    activate_on(page)
    # The network is blocked: the tab comes back to the store, which says why.
    blocked = warned_check(page, "ad_blocker")
    expect(blocked).to_have_attribute("data-status", "fail", timeout=TIMEOUT_MS)
    expect(blocked).to_have_attribute("data-reason", "redirect_blocked_by")
    expect(blocked).to_contain_text("net.test")
    expect(blocked).to_contain_text("Test Ad Blocker")
    assert "aff_id" not in page.url
    assert latest_click(companion)["status"] == "clicked", "the click never landed"

    turn_off_and_activate_again(browser, page, AD_BLOCKER_ID)
    page.goto(sites.url("shop.test", "/checkout"))
    no_warning_once_checked(page, companion, latest_click(companion)["click_id"], "checkout")


def test_cookies_blocked_for_the_store(
    open_browser: OpenBrowser, companion: Companion, sites: Sites
) -> None:
    clean_purchase_reads_tracked(open_browser, companion, sites)

    browser = paired(open_browser, companion, "cookie-blocker")
    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/item/1"))
    activate_on(page)
    landed_with(page, "NET-c_")
    # The link reached the store, but the store could not keep its cookie.
    assert "aff_click" not in {c["name"] for c in browser.context.cookies(sites.url("shop.test"))}
    page.goto(sites.url("shop.test", "/cart"))
    blocked = warned_check(page, "cookies")
    expect(blocked).to_have_attribute("data-status", "fail", timeout=TIMEOUT_MS)
    expect(blocked).to_have_attribute("data-reason", "cookies_blocked")
    verdict, checks = popup_checks(browser, page)
    assert verdict == "untracked"
    assert checks["cookies"] == ("fail", "cookies_blocked")
    runs = check_runs(companion, latest_click(companion)["click_id"])
    assert runs[0]["verdict"] == "untracked"


def test_a_visit_to_the_store_before_activating(
    open_browser: OpenBrowser, companion: Companion, sites: Sites
) -> None:
    clean_purchase_reads_tracked(open_browser, companion, sites)

    browser = paired(open_browser, companion)
    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/item/1"))
    page.goto(sites.url("shop.test", "/cart"))  # the cart is filled before any click
    expect(warned_check(page, "one_session")).to_have_attribute(
        "data-reason", "not_activated", timeout=TIMEOUT_MS
    )
    page.get_by_test_id("fix-activate").click()
    landed_with(page, "NET-c_")
    earlier = warned_check(page, "earlier_session")
    expect(earlier).to_have_attribute("data-status", "fail", timeout=TIMEOUT_MS)
    expect(earlier).to_have_attribute("data-reason", "cart_before_click")
    expect(warning(page)).to_contain_text("log out")

    # One click: the store's cookies (cart, login) go, and cashback is activated afresh.
    first_click = latest_click(companion)["click_id"]
    page.get_by_test_id("fix-clear-cookies").click()
    wait_until(lambda: latest_click(companion)["click_id"] != first_click, 15, "a new click")
    landed_with(page, "NET-c_")
    no_warning_once_checked(page, companion, latest_click(companion)["click_id"], "cart")


def test_a_tracking_cookie_from_before_the_click_is_no_proof(
    open_browser: OpenBrowser, companion: Companion, sites: Sites
) -> None:
    """A blogger's link set the store's tracking cookie earlier; the program's redirect then
    sends the shopper on without setting it (its offer does not pay on gift cards). The cookie
    still there is the blogger's, so the click is at risk, not tracked."""
    browser = paired(open_browser, companion)
    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/item/gift?aff_id=BLOGGER"))
    activate_on(page)
    page.wait_for_url("**/item/gift", timeout=TIMEOUT_MS)
    landed = record_for(companion, lambda record: record["status"] == "landed", "the click to land")
    assert "aff_click" in {cookie["name"] for cookie in browser.context.cookies()}  # the blogger's
    assert landed["tracking"] == "at_risk", landed
    verdict, checks = popup_checks(browser, page)
    assert verdict != "tracked"
    assert checks["cookies"][0] != "ok", checks


def test_a_visit_through_another_affiliates_link(
    open_browser: OpenBrowser, companion: Companion, sites: Sites
) -> None:
    """The shopper came through a blogger's link: the prompt says that Activate gives the click
    to the program instead, and the cart says the click is the link's (a warning), not "not
    activated", which would push them to replace it unaware."""
    browser = paired(open_browser, companion)
    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/item/1?aff_id=BLOGGER"))
    notice = page.get_by_test_id("other-affiliate")
    expect(notice).to_be_visible(timeout=TIMEOUT_MS)
    expect(notice).to_contain_text("Activating gives the click to Demo Cashback instead")
    page.get_by_test_id("dismiss").click()
    page.goto(sites.url("shop.test", "/cart"))
    other = warned_check(page, "one_session")
    expect(other).to_have_attribute("data-reason", "other_affiliate_link", timeout=TIMEOUT_MS)
    expect(other).to_have_attribute("data-status", "warn")
    expect(other).to_contain_text("someone else's affiliate link")
    # At risk, not "will not be tracked": the cart opened before a click is a warning too.
    expect(warning(page)).to_have_attribute("data-verdict", "at_risk")
    # Activating is still the shopper's choice (here with the cart cleared, since it was open
    # before the click), and then the click is the program's.
    page.get_by_test_id("fix-clear-cookies").click()
    landed_with(page, "NET-c_")
    no_warning_once_checked(page, companion, latest_click(companion)["click_id"], "cart")


def test_a_store_cannot_hide_the_prompt_with_css(
    open_browser: OpenBrowser, companion: Companion, sites: Sites
) -> None:
    browser = paired(open_browser, companion)
    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/item/hidden"))
    expect(page.get_by_test_id("activate")).to_be_visible(timeout=TIMEOUT_MS)
    shown = page.evaluate(
        """() => {
            const style = getComputedStyle(document.querySelector("cashback-guard-prompt"));
            return [style.display, style.visibility, style.opacity, style.top, style.transform];
        }"""
    )
    assert shown == ["block", "visible", "1", "16px", "none"]


def test_checkout_without_activating(
    open_browser: OpenBrowser, companion: Companion, sites: Sites
) -> None:
    clean_purchase_reads_tracked(open_browser, companion, sites)

    clicks_before = len(companion.log_records())
    browser = paired(open_browser, companion)
    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/checkout"))
    missing = warned_check(page, "one_session")
    expect(missing).to_have_attribute("data-status", "fail", timeout=TIMEOUT_MS)
    expect(missing).to_have_attribute("data-reason", "not_activated")
    expect(warning(page)).to_have_attribute("data-verdict", "untracked")
    expect(warning(page).get_by_test_id("fix-activate")).to_have_text("Activate cashback")
    # The warning, not the prompt, is what a shopper about to pay sees.
    expect(page.locator("cashback-guard-prompt")).to_have_count(0)
    verdict, checks = popup_checks(browser, page)
    assert verdict == "untracked"
    assert checks["one_session"] == ("fail", "not_activated")
    assert len(companion.log_records()) == clicks_before, "no click without the shopper's"

    # "Not on this store": no prompt, and no warning to activate on every step to pay either.
    page.goto(sites.url("shop.test", "/item/1"))
    never = page.get_by_test_id("never-here")
    expect(never).to_be_visible(timeout=TIMEOUT_MS)
    never.click()
    page.goto(sites.url("shop.test", "/checkout"))
    page.wait_for_timeout(3000)  # the warning above came well within this
    expect(page.locator(WARNING)).to_have_count(0)


def test_the_confirmation_page_left_before_it_loaded(
    open_browser: OpenBrowser, companion: Companion, sites: Sites
) -> None:
    clean_purchase_reads_tracked(open_browser, companion, sites)

    browser = paired(open_browser, companion)
    page = browser.context.new_page()
    page.goto(sites.url("shop.test", "/item/1"))
    activate_on(page)
    landed_with(page, "NET-c_")
    page.goto(sites.url("shop.test", "/checkout"))
    # The confirmation page's conversion pixel is slow; the shopper moves on before it loads.
    page.goto(sites.url("shop.test", "/order/complete?slow=1"), wait_until="domcontentloaded")
    page.goto(sites.url("shop.test", "/cart"))
    unfinished = warned_check(page, "page_load")
    expect(unfinished).to_have_attribute("data-status", "warn", timeout=TIMEOUT_MS)
    expect(unfinished).to_have_attribute("data-reason", "order_page_unfinished")
    expect(warning(page)).to_have_attribute("data-verdict", "at_risk")
    # The session's log keeps it: the run made as the page was left reads at risk.
    runs = check_runs(companion, latest_click(companion)["click_id"])
    assert any(run["verdict"] == "at_risk" for run in runs), runs


def test_a_sign_in_through_another_site_is_no_lost_click(
    open_browser: OpenBrowser, companion: Companion, sites: Sites
) -> None:
    """Signing in with an ID provider leaves the store and comes back by redirect, as a rival's
    network does, but brings no affiliate's parameter: the click still counts."""
    browser, page, click_id = landed_cleanly(open_browser, companion, sites)
    back = sites.url("shop.test", "/account")
    page.goto(sites.url("sso.test", f"/authorize?{urlencode({'to': back})}"))
    page.wait_for_url("**/account?code=signed-in", timeout=TIMEOUT_MS)
    page.goto(sites.url("shop.test", "/cart"))
    no_warning_once_checked(page, companion, click_id, "cart")
    verdict, checks = popup_checks(browser, page)
    assert verdict == "tracked"
    assert checks["rival_extensions"] == ("ok", "no_rival")
    assert checks["one_session"] == ("ok", "one_session")
