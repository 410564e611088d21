"""The dashboard in-process: login, who may see and change what, escaping, languages, exports.

The same pages are driven in a real Chromium by tests/e2e/test_dashboard.py.
"""

# Russian text is Cyrillic on purpose: letters that look Latin are not lookalike tricks here.
# ruff: noqa: RUF001

from __future__ import annotations

import asyncio
import csv
import html
import io
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from aiohttp.test_utils import TestClient

from companion.clock import now
from companion.dashboard import charts
from companion.dashboard.i18n import STRINGS, choose
from companion.dashboard.session import new_login
from companion.dashboard.views import form_amount, last_months
from companion.diagnostics.diagnose import diagnose
from companion.diagnostics.facts import Facts
from companion.http.headers import DASHBOARD_CSP
from companion.http.state import CompanionState
from companion.ledger.orders import (
    STORE_CHOICES,
    Ledger,
    LedgerError,
    LogFilter,
    add_order,
    iter_records,
    mark,
)
from companion.ledger.totals import ProgramTotals, Sums, ledger_totals
from companion.storage.db import transaction
from tests.unit.ledger_seed import click, landing, order, seed_purchases, use_catalog

XSS = '<img src=x onerror="document.title=1">'
SCRIPT = "<script>alert(1)</script>"
PAGES = ["/", "/totals", "/purchases/o1", "/export.csv", "/export.json", "/purchases/o1/claim.txt"]


@pytest.fixture
def ledger_state(state: CompanionState) -> CompanionState:
    state.index = use_catalog(state.conn)
    return state


async def log_in(client: TestClient, state: CompanionState) -> str:
    """Spend a login link; the client keeps the cookie. Returns the page's CSRF token."""
    token = new_login(state.conn, now())
    response = await client.get(f"/login?token={token}", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/"
    page = await (await client.get("/")).text()
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def add(state: CompanionState, order_id: str = "APP-1") -> dict[str, object]:
    return add_order(
        state.conn,
        Ledger(state.index, now()),
        partner="shop",
        program="mts",
        amount=Decimal("2450.50"),
        currency="RUB",
        ordered_at=now() - timedelta(days=3),
        order_id=order_id,
    )


def origin(state: CompanionState) -> dict[str, str]:
    return {"Origin": f"http://127.0.0.1:{state.port}"}


async def test_the_login_link_opens_a_strict_httponly_session_once(
    client: TestClient, ledger_state: CompanionState
) -> None:
    token = new_login(ledger_state.conn, now())
    response = await client.get(f"/login?token={token}", allow_redirects=False)
    assert response.status == 303
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"cg_session_{ledger_state.port}=")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/" in cookie
    assert (await client.get("/")).status == 200
    # The link works once, and a made-up or expired one never.
    client.session.cookie_jar.clear()
    for link in (token, "made-up", ""):
        again = await client.get(f"/login?token={link}", allow_redirects=False)
        assert again.status == 403
        assert "Set-Cookie" not in again.headers
    late = new_login(ledger_state.conn, now() - timedelta(minutes=6))
    assert (await client.get(f"/login?token={late}", allow_redirects=False)).status == 403
    assert (await client.get("/")).status == 401


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_needs_a_session(
    client: TestClient, ledger_state: CompanionState, path: str
) -> None:
    add(ledger_state)
    for cookies in ({}, {f"cg_session_{ledger_state.port}": "guessed"}):
        response = await client.get(path, cookies=cookies)
        assert response.status == 401
        text = await response.text()
        assert "cashback-companion open" in text
        assert "APP-1" not in text


@pytest.mark.parametrize(
    ("headers", "csrf", "allowed"),
    [
        ("own", "good", True),
        ({"Origin": "http://localhost:{port}"}, "good", False),  # another origin, same machine
        ("own", "bad", False),
        ("own", None, False),
        ({}, "good", False),  # no Origin: not a form of ours
        ({"Origin": "http://127.0.0.1:8000"}, "good", False),  # same site, other port
        ({"Origin": "https://evil.example"}, "good", False),
        ({"Origin": "null"}, "good", False),
        ({"Origin": "chrome-extension://abcdefghijklmnopabcdefghijklmnop"}, "good", False),
    ],
)
async def test_a_change_needs_our_origin_and_the_csrf_token(
    client: TestClient,
    ledger_state: CompanionState,
    headers: dict[str, str] | str,
    csrf: str | None,
    allowed: bool,
) -> None:
    add(ledger_state)
    good = await log_in(client, ledger_state)
    sent = (
        origin(ledger_state)
        if headers == "own"
        else {k: v.format(port=ledger_state.port) for k, v in dict(headers).items()}
    )
    form = {} if csrf is None else {"csrf": good if csrf == "good" else "x" * len(good)}
    response = await client.post(
        "/purchases/o1/decline", data=form, headers=sent, allow_redirects=False
    )
    assert (response.status == 303) == allowed, response.status
    page = await (await client.get("/purchases/o1")).text()
    assert ('data-state="declined"' in page) == allowed


async def test_the_api_never_accepts_the_dashboards_origin(
    client: TestClient, ledger_state: CompanionState, auth: dict[str, str]
) -> None:
    for path in ("/api/v1/clicks", "/api/v1/health"):
        response = await client.get(path, headers={**auth, **origin(ledger_state)})
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "bad_origin"


async def test_pages_carry_the_csp_and_no_inline_script_or_style(
    client: TestClient, ledger_state: CompanionState
) -> None:
    add(ledger_state)
    await log_in(client, ledger_state)
    for path in ("/", "/totals", "/purchases/o1", "/purchases/o99"):
        response = await client.get(path)
        assert response.headers["Content-Security-Policy"] == DASHBOARD_CSP
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
        text = await response.text()
        assert "<script" not in text
        assert " style=" not in text
        assert "<style" not in text
    assert "frame-ancestors 'none'" in DASHBOARD_CSP
    assert "script-src 'self'" in DASHBOARD_CSP


async def test_what_stores_and_pages_sent_is_shown_as_text(
    client: TestClient, ledger_state: CompanionState
) -> None:
    conn, index = ledger_state.conn, ledger_state.index
    cid = click(conn, index, "2026-02-01T09:00:00.000Z", f"https://shop.example/?q={SCRIPT}")
    landing(conn, cid, "2026-02-01T09:00:03Z")
    conn.execute(
        "UPDATE clicks SET landing_url = ?, hops = ? WHERE click_id = ?",
        (f"https://shop.example/{XSS}", json.dumps([f"https://net.example/{SCRIPT}"]), cid),
    )
    order(conn, cid, "2026-02-01T09:20:00Z", order_id=XSS)
    await log_in(client, ledger_state)
    for path in ("/", "/purchases/o1", f"/?q={XSS}"):
        text = await (await client.get(path)).text()
        assert XSS not in text
        assert SCRIPT not in text
        assert "&lt;img src=x onerror=&#34;document.title=1&#34;&gt;" in text
    detail = await (await client.get("/purchases/o1")).text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail


async def test_marking_through_the_forms(client: TestClient, ledger_state: CompanionState) -> None:
    add(ledger_state)
    csrf = await log_in(client, ledger_state)
    today = (now() + timedelta(hours=3)).date().isoformat()  # the program's (Moscow) day
    response = await client.post(
        "/purchases/o1/confirm",
        data={"csrf": csrf, "on": today, "amount": ""},
        headers=origin(ledger_state),
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/purchases/o1"
    page = await (await client.get("/purchases/o1")).text()
    assert 'data-state="confirmed"' in page
    assert 'data-testid="due"' not in page  # confirmed: no deadline to watch any more
    # A refusal shows on the page, with the purchase unchanged.
    refused = await client.post(
        "/purchases/o1/credit",
        data={"csrf": csrf, "on": "2001-01-01", "amount": "123"},
        headers=origin(ledger_state),
    )
    assert refused.status == 400
    text = await refused.text()
    assert "Not marked: 2001-01-01 is before the order was placed" in text
    assert 'data-state="confirmed"' in text
    bad_amount = await client.post(
        "/purchases/o1/credit",
        data={"csrf": csrf, "amount": "lots"},
        headers=origin(ledger_state),
    )
    assert bad_amount.status == 400
    assert (await client.get("/purchases/o1/claim.json")).status == 200
    # In the page's language: the refusals are the ledger's own words, in Russian too.
    await client.get("/?lang=ru")
    for form, said in (
        ({"on": "2001-01-01", "amount": "123"}, "2001-01-01 — раньше, чем был оформлен заказ"),
        ({"on": "31.12.2026", "amount": "123"}, "'31.12.2026' — не дата"),
        ({"amount": "1,500"}, "'1,500': напишите 1500 или 1,5, а не 1,500"),
    ):
        russian = await client.post(
            "/purchases/o1/credit", data={"csrf": csrf, **form}, headers=origin(ledger_state)
        )
        assert russian.status == 400
        assert f"Не отмечено: {said}" in html.unescape(await russian.text())


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("", None),
        ("  ", None),
        ("150", Decimal("150")),
        ("150.50", Decimal("150.50")),
        ("150,50", Decimal("150.50")),
        ("1 500,50", Decimal("1500.50")),
        ("1\u00a0500,50", Decimal("1500.50")),
        ("1,500.50", Decimal("1500.50")),
        ("1,500,000", Decimal("1500000")),
        ("2,5", Decimal("2.5")),
        # A thousand and a half, or one and a half? Refused, as the extension refuses it.
        ("1,500", "write 1500 or 1.5"),
        ("12,345", "write 1500 or 1.5"),
        ("lots", "is not an amount"),
        ("1,50,0", "is not an amount"),
    ],
)
def test_the_amount_a_shopper_types(typed: str, amount: Decimal | str | None) -> None:
    if isinstance(amount, str):
        with pytest.raises(LedgerError, match=amount):
            form_amount(typed)
    else:
        assert form_amount(typed) == amount


async def test_confirming_again_keeps_the_confirmed_sum(
    client: TestClient, ledger_state: CompanionState
) -> None:
    add(ledger_state)
    csrf = await log_in(client, ledger_state)
    today = (now() + timedelta(hours=3)).date()  # the program's (Moscow) day
    for on, amount in ((today - timedelta(days=1), "150"), (today, "")):
        response = await client.post(
            "/purchases/o1/confirm",
            data={"csrf": csrf, "on": on.isoformat(), "amount": amount},
            headers=origin(ledger_state),
            allow_redirects=False,
        )
        assert response.status == 303
    evidence = await (await client.get("/purchases/o1/claim.json")).json()
    assert evidence["cashback"]["expected"] == "150"  # what the program confirmed, not the rate
    # The form offers the sum to change.
    page = await (await client.get("/purchases/o1")).text()
    assert 'name="amount" inputmode="decimal" size="8" value="150"' in page


async def test_paging_and_filters(client: TestClient, ledger_state: CompanionState) -> None:
    seed_purchases(ledger_state.conn, ledger_state.index, 120)
    await log_in(client, ledger_state)
    first = await (await client.get("/")).text()
    assert first.count('data-testid="purchase"') == 50
    older = re.search(r'href="\?(before=[^"]+)" data-testid="page-older"', first)
    assert older is not None
    second = await (await client.get("/?" + older.group(1).replace("&amp;", "&"))).text()
    assert second.count('data-testid="purchase"') == 50
    first_ids = set(re.findall(r'data-id="([^"]+)"', first))
    second_ids = set(re.findall(r'data-id="([^"]+)"', second))
    assert not first_ids & second_ids
    assert 'data-testid="page-newest"' in second
    only = await (await client.get("/?store=trips&status=confirmed")).text()
    rows = re.findall(r'data-state="([a-z_]+)"', only)
    assert rows
    assert set(rows) == {"confirmed"}
    for bad in (
        "/?status=lost",
        "/?since=yesterday",
        "/?before=nonsense",
        "/?until=9999-12-31",  # was a 500: the year 9999 has no day after
        "/?since=0001-01-01",
        "/export.csv?until=9999-12-31",
    ):
        assert (await client.get(bad)).status == 400


async def test_exports(client: TestClient, ledger_state: CompanionState) -> None:
    add(ledger_state, "=HYPERLINK(1)")
    add(ledger_state, "APP-2")
    await log_in(client, ledger_state)
    response = await client.get("/export.csv?q=APP")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [row["order_id"] for row in rows] == ["APP-2"]
    everything = list(csv.DictReader(io.StringIO(await (await client.get("/export.csv")).text())))
    # A spreadsheet must not run an order id from a store's page as a formula.
    assert "'=HYPERLINK(1)" in [row["order_id"] for row in everything]
    backup = await client.get("/export.json")
    assert backup.headers["Content-Disposition"].startswith("attachment;")
    document = json.loads(await backup.text())
    assert document["format"] == "cashback-companion-ledger"
    assert len(document["orders"]) == 2


async def test_totals(client: TestClient, ledger_state: CompanionState) -> None:
    seed_purchases(ledger_state.conn, ledger_state.index, 200)
    # Every other seeded purchase has an order, so which offers get one depends on the order of
    # the catalog's offers: make sure both programs have orders.
    add_order(
        ledger_state.conn,
        Ledger(ledger_state.index, now()),
        partner="shop",
        program="plain",
        amount=Decimal("999"),
        currency="RUB",
        ordered_at=now() - timedelta(days=2),
        order_id="PLAIN-1",
    )
    plain = Ledger(ledger_state.index, now())
    confirmed_on = (now() - timedelta(days=1)).date()
    [record] = [
        r for r in iter_records(ledger_state.conn, plain, LogFilter()) if r["order_id"] == "PLAIN-1"
    ]
    mark(ledger_state.conn, plain, record["id"], "confirm", confirmed_on, Decimal("38.6"))
    await log_in(client, ledger_state)
    text = await (await client.get("/totals")).text()
    assert text.count('<svg class="chart"') == 2 + 2  # two programs, stores, categories
    assert 'class="limit"' in text  # the MTS cap line
    assert "cap 10000" in text
    # Money to the cent at most, and in the same form in every cell (38.67, 5084.50, 5084).
    cells = re.findall(r'<td class="num">([^<]*)</td>', text)
    assert cells
    assert not [
        cell
        for cell in cells
        if re.fullmatch(r"[\d ./]+", cell) and re.search(r"\.\d{3}|\.\d(?!\d)", cell)
    ]


async def test_languages(client: TestClient, ledger_state: CompanionState) -> None:
    await log_in(client, ledger_state)
    assert "Your purchases" in await (await client.get("/")).text()
    russian = await client.get("/?lang=ru")
    assert "Ваши покупки" in await russian.text()
    assert "cg_lang=ru" in russian.headers["Set-Cookie"]
    # Remembered by the cookie from now on.
    assert "Ваши покупки" in await (await client.get("/")).text()
    client.session.cookie_jar.clear(lambda cookie: cookie.key == "cg_lang")
    asked = await client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert "Ваши покупки" in await asked.text()


async def test_a_purchase_reads_in_one_language(
    client: TestClient, ledger_state: CompanionState
) -> None:
    """The checks at purchase, their verdict and statuses, and how the order was recorded, in
    the page's language: they were stored as codes and shown in English, or as codes."""
    state = ledger_state
    cid = click(state.conn, state.index, "2026-02-01T09:00:00.000Z")
    landing(state.conn, cid, "2026-02-01T09:00:03Z")
    facts = {"partner": "shop", "page": "checkout", "landed": True, "cookie_setting": "block"}
    diagnose(
        state.conn,
        state.index,
        Facts.model_validate(facts),
        cid,
        datetime(2026, 2, 1, 9, 5, tzinfo=UTC),
    )
    order(state.conn, cid, "2026-02-01T09:20:00Z")
    await log_in(client, state)
    russian = await (await client.get("/purchases/o1?lang=ru")).text()
    for words in ("не отслеживается", "проблема", "Файлы cookie", "по данным аналитики магазина"):
        assert words in russian, words
    for english in (">untracked<", ">fail<", ">Cookies<", "ga4"):
        assert english not in russian, english
    claim = await (await client.get("/purchases/o1/claim.txt?lang=ru")).text()
    assert "Претензия по кешбэку: заказ A-1001 в Demo Shop" in claim
    english = await (await client.get("/purchases/o1?lang=en")).text()
    assert "not tracked" in english
    assert ">problem<" in english


async def test_switching_language_keeps_the_page_and_its_filters(
    client: TestClient, ledger_state: CompanionState
) -> None:
    await log_in(client, ledger_state)
    page = await (await client.get("/?store=shop&status=overdue&q=A%26B")).text()
    ru = re.search(r'<a href="([^"]+)" hreflang="ru"', page)
    assert ru is not None
    assert html.unescape(ru[1]) == "/?store=shop&status=overdue&q=A%26B&lang=ru"
    # An address that starts with two slashes (the catch-all page answers it) must not make a
    # link to another host.
    assert client.server.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    host = client.make_url("/").host
    writer.write(
        f"GET //evil.example/x?lang=en&q=1 HTTP/1.1\r\nHost: {host}:{client.server.port}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    answer = (await reader.read()).decode()
    writer.close()
    ru = re.search(r'<a href="([^"]+)" hreflang="ru"', answer)
    assert ru is not None, answer[:300]
    assert html.unescape(ru[1]) == "/evil.example/x?q=1&lang=ru"


async def test_a_mistyped_address_is_a_page(
    client: TestClient, ledger_state: CompanionState
) -> None:
    await log_in(client, ledger_state)
    for path in ("/nonexistent", "/purchases/", "/totals/2026"):
        response = await client.get(path)
        assert (response.status, response.content_type) == (404, "text/html"), path
        assert "No such page" in await response.text()
    # The API's and /go/'s refusals stay JSON.
    assert (await client.get("/api/v1/nope")).content_type == "application/json"
    # A form sent to no such address is a 404 page too, not a JSON 405.
    csrf = await log_in(client, ledger_state)
    sent = await client.post("/nope", data={"csrf": csrf}, headers=origin(ledger_state))
    assert (sent.status, sent.content_type) == (404, "text/html")


async def test_what_a_purchase_page_says_when_something_is_not_known(
    client: TestClient, ledger_state: CompanionState
) -> None:
    state = ledger_state
    cid = click(state.conn, state.index, "2026-02-01T09:00:00.000Z")
    landing(state.conn, cid, "2026-02-01T09:00:03Z", tracked=False)
    facts = {"partner": "shop", "page": "cart", "landed": True}
    diagnose(
        state.conn,
        state.index,
        Facts.model_validate(facts),
        cid,
        datetime(2026, 2, 1, 9, 5, tzinfo=UTC),
    )
    add_order(
        state.conn,
        Ledger(state.index, now()),
        partner="shop",
        program="mts",
        amount=Decimal("100"),
        currency="USD",
        ordered_at=now() - timedelta(days=3),
        order_id="IN-DOLLARS",
    )
    await log_in(client, state)
    # An at-risk click with no order has no deadline yet: the advice is to activate again.
    at_risk = await (await client.get(f"/purchases/{cid}")).text()
    advice = re.findall(r'data-testid="advice">([^<]*)<', at_risk)
    assert advice
    assert "activate cashback again" in advice[0]
    assert "—" not in advice[0]
    # No purchase yet: the checks are as they stand, not "at the moment of purchase".
    assert "As they stand now" in at_risk
    assert "At the moment of purchase" not in at_risk
    # The amount was seen; it is the currency the rate cannot be applied to.
    dollars = await (await client.get("/purchases/o1")).text()
    assert "unknown: the order is in USD, and the program pays in RUB" in dollars
    assert "amount was not seen" not in dollars


@pytest.mark.parametrize(
    ("query", "cookie", "header", "lang"),
    [
        (None, None, None, "en"),
        ("ru", None, None, "ru"),
        ("ru", "en", "en", "ru"),
        (None, "ru", "en", "ru"),
        ("de", None, None, "en"),  # not ours: ignored
        (None, None, "ru-RU,ru;q=0.9,en-US;q=0.8", "ru"),
        (None, None, "en-US,en;q=0.9,ru;q=0.8", "en"),
        (None, None, "de-DE,ru;q=0.7,en;q=0.3", "ru"),
        (None, None, "en;q=0.2, ru;q=0.8", "ru"),
        (None, None, "ru;q=bad, en", "en"),
        (None, None, "*", "en"),
    ],
)
def test_choose_language(
    query: str | None, cookie: str | None, header: str | None, lang: str
) -> None:
    assert choose(query, cookie, header) == lang


def test_every_string_exists_in_both_languages() -> None:
    assert set(STRINGS["en"]) == set(STRINGS["ru"])


# The twelve months up to June 2026, written out.
TO_JUNE_2026 = ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12",
                "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]  # fmt: skip


@pytest.mark.parametrize(
    ("with_data", "shown"),
    [
        ([], []),
        (["2026-06"], TO_JUNE_2026),
        # A year without orders lies between: June 2025 is not set beside June 2026.
        (["2025-06", "2026-06"], TO_JUNE_2026),
        (
            ["2026-01", "2026-03"],
            ["2025-04", "2025-05", "2025-06", *TO_JUNE_2026[:9]],
        ),
    ],
)
def test_the_monthly_chart_shows_calendar_months(with_data: list[str], shown: list[str]) -> None:
    program = ProgramTotals(
        "mts", "MTS Cashback", "RUB", None, {month: Sums(orders=1) for month in with_data}
    )
    assert last_months(program) == shown


def test_charts_escape_their_labels() -> None:
    bars = charts.grouped_bars(
        ["2026-01", SCRIPT],
        [charts.Series(XSS, "bar-expected", [Decimal(5), Decimal(7)])],
        title=SCRIPT,
        limit=Decimal(10),
        limit_label=XSS,
    )
    horizontal = charts.horizontal_bars([(XSS, Decimal(3))], title=SCRIPT)
    for svg in (bars, horizontal):
        assert "<script" not in svg
        assert "<img" not in svg
        assert "&lt;script&gt;" in svg or "&lt;img" in svg
        assert svg.startswith("<svg")
        assert svg.endswith("</svg>")


def test_chart_bars_scale_to_the_largest_value_or_the_cap() -> None:
    svg = charts.grouped_bars(
        ["m"],
        [charts.Series("a", "bar-expected", [Decimal(5000)])],
        title="t",
        limit=Decimal(10000),
    )
    heights = [
        float(h) for h in re.findall(r'<rect class="bar-expected"[^>]* height="([\d.]+)"', svg)
    ]
    assert heights[0] == pytest.approx(charts.BAR_AREA_HEIGHT / 2)


def store_options(page: str) -> list[tuple[str, str, bool]]:
    """The log's store filter: (value, name, selected) of each store offered."""
    found = re.search(r'<select name="store".*?</select>', page, re.S)
    assert found is not None
    return [
        (value, name, bool(selected))
        for value, selected, name in re.findall(
            r'<option value="([^"]+)"\s*(selected)?>([^<]*)</option>', found.group(0)
        )
    ]


async def test_the_store_filter_offers_the_stores_in_the_log(
    client: TestClient, ledger_state: CompanionState
) -> None:
    """Not every store of the catalog (tens of thousands in a big one): those the shopper has
    a record of."""
    await log_in(client, ledger_state)
    assert store_options(await (await client.get("/")).text()) == []
    click(
        ledger_state.conn,
        ledger_state.index,
        "2026-02-01T09:00:00.000Z",
        "https://aliexpress.com/x",
    )
    add(ledger_state)  # Demo Shop, by hand
    page = await (await client.get("/?store=shop")).text()
    assert store_options(page) == [("aliexpress", "AliExpress", False), ("shop", "Demo Shop", True)]
    assert page.count('data-testid="purchase"') == 1


async def test_a_log_of_many_stores_offers_the_newest_and_says_so(
    client: TestClient, ledger_state: CompanionState
) -> None:
    """Past STORE_CHOICES stores the filter offers those of the newest purchases, and the one it
    shows whatever its age, and tells the shopper to search for the others."""
    await log_in(client, ledger_state)
    seed_purchases(ledger_state.conn, ledger_state.index, STORE_CHOICES + 10)
    with transaction(ledger_state.conn):
        ledger_state.conn.execute(
            "UPDATE clicks SET partner_id = 'p' || rowid, partner_name = 'Store ' || rowid"
        )
    page = await (await client.get("/")).text()
    offered = store_options(page)
    assert len(offered) == STORE_CHOICES
    assert ("p1", "Store 1", False) not in offered  # the first clicked, the oldest
    assert 'data-testid="filter-store-more"' in page
    kept = store_options(await (await client.get("/?store=p1")).text())
    assert ("p1", "Store 1", True) in kept
    assert len(kept) == STORE_CHOICES + 1
    with transaction(ledger_state.conn):
        ledger_state.conn.execute("UPDATE clicks SET partner_id = 'p' || (rowid % 20)")
    assert 'data-testid="filter-store-more"' not in await (await client.get("/")).text()


async def test_pages_say_how_long_the_companion_took(
    client: TestClient, ledger_state: CompanionState
) -> None:
    add(ledger_state)
    await log_in(client, ledger_state)
    for path in ("/", "/?q=APP", "/totals", "/purchases/o1"):
        response = await client.get(path)
        assert re.fullmatch(r"page;dur=\d+\.\d", response.headers["Server-Timing"]), path


async def test_the_totals_follow_a_mark(client: TestClient, ledger_state: CompanionState) -> None:
    """The totals are kept between visits, and made again once a purchase is marked."""
    add(ledger_state)
    csrf = await log_in(client, ledger_state)
    before = await (await client.get("/totals")).text()
    assert await (await client.get("/totals")).text() == before
    response = await client.post(
        "/purchases/o1/decline", data={"csrf": csrf}, headers=origin(ledger_state)
    )
    assert response.status == 200
    after = await (await client.get("/totals")).text()
    assert after != before
    found = await ledger_state.db(ledger_totals, Ledger(ledger_state.index, now()))
    assert found.programs[0].months  # the order's month, now with nothing expected
    assert all(s.expected == 0 for s in found.programs[0].months.values())
