"""The dashboard in a real Chromium, served by a real companion process.

The purchases are made the way the companion gets them: a click through the API and the events
the extension sends (with hostile text where a store's page puts its own: the landing URL, the
redirect chain, the order id), and orders added by hand with ``cashback-companion order add``.
Then the shopper opens the one-time link, filters the log, opens a purchase, marks it confirmed,
looks at the totals and downloads both exports; a page on another site tries to mark a purchase
behind their back. A screenshot of each page is kept in artifacts/e2e/.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Dialog, Page, expect

from tests.e2e.conftest import Browser
from tests.e2e.harness import ARTIFACTS, Companion, Sites

# What a hostile store could put in its order number and its URLs. Run as code, each would
# open a dialog or set window.__pwned; shown as text, it is just characters on the page.
ORDER_XSS = "<img src=x onerror=\"window.__pwned='order';alert('order')\">"
URL_XSS = "\"><script>window.__pwned='url';alert('url')</script>"
MANUAL_XSS = "<svg onload=alert('manual')>"


def api(companion: Companion, method: str, path: str, body: Any) -> Any:
    request = urllib.request.Request(
        f"{companion.url}/api/v1/{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={
            "Authorization": f"Bearer {companion.cli('token').strip()}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def event(click_id: str, kind: str, at: datetime, **data: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "type": kind,
        "at": at.isoformat(),
        "click_id": click_id,
        "data": data,
    }


def hostile_purchase(companion: Companion, sites: Sites) -> str:
    """A purchase whose landing URL, redirect chain and order id carry script."""
    click = api(companion, "POST", "clicks", {"url": sites.url("shop.test", "/item/1")})
    at = datetime.now(UTC) - timedelta(hours=2)
    landing_url = sites.url("shop.test", "/item/1?aff_id=NET-1&q=") + URL_XSS
    result = api(
        companion,
        "POST",
        "events",
        {
            "events": [
                event(
                    click["click_id"],
                    "landing",
                    at,
                    hops=[click["redirect_url"], sites.url("net.test", "/click?x=") + URL_XSS],
                    landing_url=landing_url,
                    cookies_present=["aff_click"],
                    params_present=["aff_id"],
                ),
                event(
                    click["click_id"],
                    "order",
                    at + timedelta(minutes=9),
                    url=sites.url("shop.test", "/order/complete?") + URL_XSS,
                    order_id=ORDER_XSS,
                    amount="2450.50",
                    currency="RUB",
                    source="ga4",
                ),
            ]
        },
    )
    assert result["accepted"] == 2, result
    return str(click["click_id"])


def add_order(companion: Companion, order_id: str, program: str, days_ago: int) -> dict[str, Any]:
    ordered = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    record: dict[str, Any] = companion.cli_json(
        "order", "add", "--partner", "shop", "--program", program, "--amount", "1999.90",
        "--currency", "RUB", "--ordered-at", ordered, "--order-id", order_id,
    )  # fmt: skip
    return record


def watch(page: Page) -> dict[str, list[str]]:
    """Dialogs opened and CSP violations reported on ``page``: both stay empty when captured
    text is escaped (a CSP report would mean markup got through and only the policy stopped it)."""
    seen: dict[str, list[str]] = {"dialogs": [], "csp": []}

    def on_dialog(dialog: Dialog) -> None:
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            seen["csp"].append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    return seen


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)


def assert_nothing_ran(page: Page, seen: dict[str, list[str]]) -> None:
    assert seen == {"dialogs": [], "csp": []}
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src='x'], svg[onload], script").count() == 0


def test_the_dashboard(browser: Browser, companion: Companion, sites: Sites) -> None:
    hostile = hostile_purchase(companion, sites)
    waiting = add_order(companion, "APP-1", "demo", days_ago=3)
    add_order(companion, MANUAL_XSS, "demo", days_ago=10)
    add_order(companion, "RIVAL-1", "rival", days_ago=100)  # past its 45 days: overdue

    page = browser.context.new_page()
    seen = watch(page)

    # Without the login link the dashboard shows nothing but how to open it.
    page.goto(companion.url + "/")
    expect(page.get_by_test_id("message")).to_contain_text("cashback-companion open")
    expect(page.get_by_test_id("log")).to_have_count(0)

    link = companion.cli("open", "--print").strip()
    page.goto(link)
    page.wait_for_url(companion.url + "/")
    session = next(
        c for c in browser.context.cookies(companion.url) if c["name"].startswith("cg_session_")
    )
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"
    rows = page.get_by_test_id("purchase")
    expect(rows).to_have_count(4)
    # The hostile order id and the manual one are on the page as text.
    expect(page.get_by_test_id("log")).to_contain_text(ORDER_XSS)
    expect(page.get_by_test_id("log")).to_contain_text(MANUAL_XSS)
    assert_nothing_ran(page, seen)
    shoot(page, "log")

    # The link worked once.
    other = browser.context.new_page()
    other.goto(link)
    expect(other.get_by_test_id("message")).to_be_visible()
    other.close()

    # Filters: program, status, search, dates.
    page.get_by_test_id("filter-program").select_option("rival")
    page.get_by_test_id("filter-apply").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("RIVAL-1")
    expect(rows.first.locator("[data-state]")).to_have_attribute("data-state", "overdue")
    page.get_by_test_id("filter-program").select_option("")
    page.get_by_test_id("filter-status").select_option("awaiting_confirmation")
    page.get_by_test_id("filter-apply").click()
    expect(rows).to_have_count(3)
    page.get_by_test_id("filter-search").fill("app-1")
    page.get_by_test_id("filter-apply").click()
    expect(rows).to_have_count(1)
    tomorrow = (datetime.now() + timedelta(days=1)).date().isoformat()
    page.goto(f"{companion.url}/?since={tomorrow}")
    expect(page.get_by_test_id("empty")).to_be_visible()
    page.goto(companion.url + "/?q=APP-1")
    shoot(page, "log-filtered")

    # One purchase: its story, its evidence, and the button to mark it confirmed.
    page.get_by_test_id("purchase-link").first.click()
    page.wait_for_url(f"**/purchases/{waiting['id']}")
    expect(page.get_by_test_id("order-id")).to_have_text("APP-1")
    expect(page.get_by_test_id("checks")).to_contain_text("No checks")
    expect(page.get_by_test_id("claim")).to_contain_text("Order: APP-1, 1999.90 RUB")
    expect(page.get_by_test_id("expected")).to_have_text("100 RUB")  # 5 % of 1999.90, rounded
    shoot(page, "purchase")
    page.get_by_test_id("mark-confirm").click()
    page.wait_for_url(f"**/purchases/{waiting['id']}")
    expect(page.locator("h1 [data-state]")).to_have_attribute("data-state", "confirmed")
    today = datetime.now(UTC).date()
    payout = (today.replace(day=1) + timedelta(days=32)).replace(day=1).isoformat()
    expect(page.get_by_test_id("payout")).to_have_text(payout)
    confirmed = [r for r in companion.log_records() if r.get("id") == waiting["id"]]
    assert confirmed[0]["ledger_state"] == "confirmed"
    assert confirmed[0]["confirmed_on"] == today.isoformat()
    shoot(page, "purchase-confirmed")

    # The hostile purchase: every captured string on its page is text.
    page.goto(f"{companion.url}/purchases/{hostile}")
    expect(page.get_by_test_id("order-id")).to_have_text(ORDER_XSS)
    expect(page.get_by_test_id("landing-url")).to_contain_text(URL_XSS)
    expect(page.get_by_test_id("hops").locator("li")).to_have_count(2)
    expect(page.get_by_test_id("claim")).to_contain_text(ORDER_XSS)
    assert_nothing_ran(page, seen)
    shoot(page, "purchase-hostile")

    # Totals, drawn on the server.
    page.get_by_test_id("nav-totals").click()
    expect(page.locator("svg.chart").first).to_be_visible()
    assert page.locator("svg.chart").count() >= 3
    expect(page.get_by_test_id("program-totals").first).to_be_visible()
    shoot(page, "totals")

    # Both exports download.
    page.goto(companion.url + "/")
    with page.expect_download() as csv_download:
        page.get_by_test_id("export-csv").click()
    csv_text = Path(csv_download.value.path()).read_text(encoding="utf-8")
    assert "APP-1" in csv_text
    assert csv_text.splitlines()[0].startswith("id,click_id,")
    with page.expect_download() as json_download:
        page.get_by_test_id("export-json").click()
    backup = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    assert backup["format"] == "cashback-companion-ledger"
    assert {o["order_id"] for o in backup["orders"]} == {"APP-1", MANUAL_XSS, "RIVAL-1", ORDER_XSS}

    # In Russian.
    page.goto(companion.url + "/?lang=ru")
    expect(page.locator("h1")).to_have_text("Ваши покупки")
    shoot(page, "log-ru")
    assert_nothing_ran(page, seen)


def test_another_site_cannot_mark_a_purchase(
    browser: Browser, companion: Companion, sites: Sites
) -> None:
    """A page elsewhere posts the dashboard's own form while the shopper is logged in: the
    browser sends no session cookie (SameSite=Strict) and the companion refuses its Origin."""
    waiting = add_order(companion, "APP-1", "demo", days_ago=3)
    page = browser.context.new_page()
    page.goto(companion.cli("open", "--print").strip())
    page.wait_for_url(companion.url + "/")

    attacker = browser.context.new_page()
    attacker.goto(sites.url("other.test"))
    with attacker.expect_navigation():
        attacker.evaluate(
            """(action) => {
                const form = document.createElement("form");
                form.method = "POST";
                form.action = action;
                const csrf = document.createElement("input");
                csrf.name = "csrf";
                csrf.value = "guessed";
                form.append(csrf);
                document.body.append(form);
                form.submit();
            }""",
            f"{companion.url}/purchases/{waiting['id']}/confirm",
        )
    assert "confirm" in attacker.url
    expect(attacker.locator("body")).to_contain_text("bad_origin")
    record = next(r for r in companion.log_records() if r.get("id") == waiting["id"])
    assert record["ledger_state"] == "awaiting_confirmation"
    # The shopper's own page still can.
    page.goto(f"{companion.url}/purchases/{waiting['id']}")
    page.get_by_test_id("mark-confirm").click()
    expect(page.locator("h1 [data-state]")).to_have_attribute("data-state", "confirmed")
