"""The dashboard's pages, served by the companion beside the API.

Every page needs a session (see ``session.py``); a visitor without one gets a page that says how
to open the dashboard. Every change is a POST that must come from the dashboard's own origin
(the ``Origin`` header equals this server's) and carry the session's CSRF token, so neither a
web page nor another local site (``http://127.0.0.1:8000`` is "same site" for cookies) can mark
a purchase. Templates are Jinja2 with autoescape, so a title, URL or order id captured from a
store's page is shown as text; the Content-Security-Policy (``http/headers.py``) lets no inline
script run even if something slipped through. All database work runs on the companion's
database thread (``state.db``).
"""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from time import perf_counter
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from aiohttp import web

if TYPE_CHECKING:
    import jinja2

from companion.clock import local_text, now, parse
from companion.dashboard import charts
from companion.dashboard.i18n import LANGUAGES, STRINGS, Translate, choose, translator
from companion.dashboard.session import Session, end_session, session_of, spend_login
from companion.diagnostics.texts import Lang
from companion.http.headers import DASHBOARD_CSP, DASHBOARD_REFERRER_POLICY
from companion.http.routes import STATE
from companion.ledger.backup import write_backup
from companion.ledger.claim import claim_evidence, claim_text
from companion.ledger.limits import plausible
from companion.ledger.orders import (
    STORE_CHOICES,
    Cursor,
    Ledger,
    LedgerError,
    LogFilter,
    days_between,
    get_record,
    iter_records,
    mark,
    purchase_page,
    stores_in_log,
)
from companion.ledger.rules import LEDGER_STATES, Action, LedgerState, local_date, money_shown
from companion.ledger.spreadsheet import write_csv
from companion.ledger.totals import ProgramTotals, Sums, Totals, TotalsCache

PAGE_SIZE = 50
TOTALS = web.AppKey("totals", TotalsCache)
LANG_COOKIE = "cg_lang"


@dataclass(frozen=True)
class Visit:
    """Who is asking, in which language."""

    session: Session
    lang: Lang
    t: Translate


@cache
def _environment() -> jinja2.Environment:
    # Made, and jinja2 imported, at the first page: the dashboard is opened now and then, and
    # the companion runs all day without it.
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("companion.dashboard", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = local_text
    env.filters["money"] = money_shown
    return env


def _cookie_name(request: web.Request) -> str:
    # Cookies are not kept apart by port: two companions on one machine need two names.
    return f"cg_session_{request.app[STATE].port}"


def _ledger(request: web.Request) -> Ledger:
    return Ledger(request.app[STATE].index, now())


def _language(request: web.Request) -> Lang:
    return choose(
        request.query.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("Accept-Language"),
    )


def _in_language(request: web.Request, code: str) -> str:
    """This page in another language, its filters kept. After a form (a POST), the purchase the
    form was on: the form's own address answers no GET."""
    if request.method == "GET":
        # One leading slash: "//evil.example/x" reaches the catch-all page, and as a link it
        # would lead to that host.
        path = quote("/" + request.path.lstrip("/"))
        query = [(key, value) for key, value in request.query.items() if key != "lang"]
        return f"{path}?{urlencode([*query, ('lang', code)])}"
    here = request.match_info.get("id")
    page = "/" if here is None else f"/purchases/{quote(here, safe='')}"
    return f"{page}?lang={code}"


def _render(
    request: web.Request,
    template: str,
    lang: str,
    *,
    status: int = 200,
    session: Session | None = None,
    **context: Any,
) -> web.Response:
    text = (
        _environment()
        .get_template(template)
        .render(
            t=translator(lang),
            lang=lang,
            csrf=None if session is None else session.csrf,
            languages={code: _in_language(request, code) for code in LANGUAGES},
            **context,
        )
    )
    response = web.Response(
        text=text,
        status=status,
        content_type="text/html",
        headers={
            "Content-Security-Policy": DASHBOARD_CSP,
            "Referrer-Policy": DASHBOARD_REFERRER_POLICY,
        },
    )
    if request.query.get("lang") == lang:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="Strict"
        )
    return response


def _message(request: web.Request, lang: str, status: int, title: str, text: str) -> web.Response:
    t = translator(lang)
    return _render(request, "message.html", lang, status=status, title=t(title), text=t(text))


Page = Callable[[web.Request, Visit], Awaitable[web.StreamResponse]]


def _page(view: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Let ``view`` run only inside a session; for a POST, only from the dashboard itself."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        began = perf_counter()
        lang = _language(request)
        token = request.cookies.get(_cookie_name(request))
        state = request.app[STATE]
        session = None if not token else await state.db(session_of, token, now())
        if session is None:
            return _message(request, lang, 401, "login_title", "login_text")
        if request.method == "POST":
            form = await request.post()
            csrf = form.get("csrf")
            if not (_same_origin(request) and isinstance(csrf, str) and session.csrf_matches(csrf)):
                return _message(request, lang, 403, "refused", "refused_text")
        response = await view(request, Visit(session, lang, translator(lang)))
        if not response.prepared:
            # The page's own time in the companion: the session, the database work and the
            # rendering; not reading the request or writing the answer (an export is streamed
            # as it is made, so it has none).
            response.headers["Server-Timing"] = f"page;dur={(perf_counter() - began) * 1000:.1f}"
        return response

    return guarded


def _same_origin(request: web.Request) -> bool:
    """The Origin a browser sends with a form from our own page. The host guard has already
    pinned Host to a loopback name and our port, so this is exact."""
    return request.headers.get("Origin") == f"http://{request.host}"


async def login(request: web.Request) -> web.StreamResponse:
    lang = _language(request)
    token = request.query.get("token", "")
    session = None
    if 0 < len(token) <= 128:
        session = await request.app[STATE].db(spend_login, token, now())
    if session is None:
        return _message(request, lang, 403, "login_title", "login_text")
    # 303 to "/": the token leaves the address bar and the history entry.
    response = web.Response(status=303, headers={"Location": "/"})
    response.set_cookie(
        _cookie_name(request),
        session.token,
        max_age=int((parse(session.expires_at) - now()).total_seconds()),
        httponly=True,
        samesite="Strict",
        path="/",
    )
    return response


async def logout(request: web.Request, visit: Visit) -> web.StreamResponse:
    await request.app[STATE].db(end_session, visit.session.token)
    response = _message(request, visit.lang, 200, "logged_out", "login_text")
    response.del_cookie(_cookie_name(request), path="/")
    return response


class FilterError(ValueError):
    pass


def _filter(request: web.Request) -> LogFilter:
    """The log's filters from the query string; dates are days on this machine's clock."""
    query = request.query

    def text(name: str) -> str | None:
        value = query.get(name, "").strip()
        return value[:200] or None

    def day(name: str) -> date | None:
        value = text(name)
        if value is None:
            return None
        try:
            return plausible(date.fromisoformat(value))
        except ValueError as exc:
            raise FilterError(name) from exc

    status = text("status")
    if status is not None and status not in LEDGER_STATES:
        raise FilterError("status")
    since, until = days_between(day("since"), day("until"))
    state: LedgerState | None = next((s for s in LEDGER_STATES if s == status), None)
    return LogFilter(
        store=text("store"),
        program=text("program"),
        state=state,
        since=since,
        until=until,
        search=text("q"),
    )


_FILTER_KEYS = ("store", "program", "status", "since", "until", "q")


def _query_of(request: web.Request, **extra: str) -> str:
    kept = {key: request.query[key] for key in _FILTER_KEYS if request.query.get(key)}
    return urlencode({**kept, **extra})


async def log_page(request: web.Request, visit: Visit) -> web.StreamResponse:
    try:
        filt = _filter(request)
        before = request.query.get("before") or None
        if before is not None:
            Cursor.parse(before)
    except (FilterError, LedgerError):
        return _message(request, visit.lang, 400, "bad_filter", "bad_filter_text")
    state = request.app[STATE]
    records, cursor = await state.db(purchase_page, _ledger(request), filt, PAGE_SIZE, before)
    choices = await state.db(stores_in_log, STORE_CHOICES, filt.store)
    return _render(
        request,
        "log.html",
        visit.lang,
        session=visit.session,
        title=visit.t("log_title"),
        records=records,
        filters={key: request.query.get(key, "") for key in _FILTER_KEYS},
        filtered=any(request.query.get(key) for key in _FILTER_KEYS),
        stores=choices.stores,
        stores_more=choices.more,
        store_choices=STORE_CHOICES,
        programs=[(p.id, p.name) for p in state.index.programs.values()],
        states=LEDGER_STATES,
        older=None if cursor is None else "?" + _query_of(request, before=cursor),
        newest="?" + _query_of(request) if before else None,
        csv_url="/export.csv?" + _query_of(request),
    )


def _timeline(record: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(step, when, is_a_date): the purchase's story in order."""
    steps = [
        ("step_clicked", record["created_at"], False),
        ("step_followed", record["followed_at"], False),
        ("step_landed", record["landed_at"], False),
        ("step_cart", record["cart_at"], False),
        ("step_checkout", record["checkout_at"], False),
        ("step_ordered", record["ordered_at"], False),
        ("step_confirmed", record["confirmed_on"], True),
        ("step_declined", record["declined_on"], True),
        ("step_credited", record["credited_on"], True),
    ]
    if record["ledger_state"] in ("awaiting_confirmation", "overdue"):
        steps.append(("step_due", record["confirmation_due"], True))
    return [(step, when, is_date) for step, when, is_date in steps if when]


def _advice(record: dict[str, Any], t: Translate) -> list[str]:
    due, program = record["confirmation_due"], record["program_name"]
    advice = []
    if record["click_id"] is None:
        advice.append(t("advice_manual"))
    elif record["tracking"] == "at_risk" and record["ledger_state"] != "overdue":
        # Before an order there is no deadline yet: what helps then is a click that counts.
        advice.append(t("advice_at_risk", due=due) if due else t("advice_at_risk_no_order"))
    if record["ledger_state"] == "overdue":
        advice.append(t("advice_overdue", due=due, program=program))
    elif record["ledger_state"] == "awaiting_confirmation":
        advice.append(t("advice_awaiting", due=due))
    return advice


async def _show_purchase(
    request: web.Request, visit: Visit, *, refused: str | None = None, status: int = 200
) -> web.StreamResponse:
    record_id = request.match_info["id"]
    record = await request.app[STATE].db(get_record, _ledger(request), record_id, visit.lang)
    if record is None:
        return _message(request, visit.lang, 404, "not_found", "not_found_text")
    evidence = claim_evidence(record)
    state = record["ledger_state"]
    has_order = record["ordered_at"] is not None
    return _render(
        request,
        "purchase.html",
        visit.lang,
        status=status,
        session=visit.session,
        title=visit.t("detail_title", id=record["id"]),
        r=record,
        timeline=_timeline(record),
        advice=_advice(record, visit.t),
        claim=claim_text(evidence, visit.lang),
        today=local_date(now(), record["timezone"]).isoformat(),
        can_confirm=has_order and state != "credited",
        can_credit=state in ("confirmed", "credited"),
        can_decline=has_order and state != "credited",
        refused=refused,
    )


async def purchase(request: web.Request, visit: Visit) -> web.StreamResponse:
    return await _show_purchase(request, visit)


_ACTIONS: dict[str, Action] = {"confirm": "confirm", "credit": "credit", "decline": "decline"}


async def mark_purchase(request: web.Request, visit: Visit) -> web.StreamResponse:
    action = _ACTIONS[request.match_info["action"]]
    form = await request.post()
    try:
        on = _form_date(form.get("on"))
        cashback = form_amount(form.get("amount"))
        await request.app[STATE].db(
            mark, _ledger(request), request.match_info["id"], action, on, cashback
        )
    except LedgerError as exc:
        return await _show_purchase(request, visit, refused=exc.in_language(visit.lang), status=400)
    # Post/redirect/get: a reload does not mark twice.
    raise web.HTTPSeeOther(f"/purchases/{request.match_info['id']}")


def _form_date(value: object) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise LedgerError.because("not_a_date", "at", value=repr(value)) from exc


# An amount as a shopper types it: "1500", "1500.50", "1500,50", "1 500,50", "1,500.50". A comma
# before three digits and no point ("1,500") is refused, as the extension refuses it on a page:
# a thousand and a half, or one and a half? A wrong sum is worse than asking again.
_GROUPED = re.compile(r"\d{1,3}(?:(?:,\d{3})+\.\d+|(?:,\d{3}){2,})")
_DECIMAL_COMMA = re.compile(r"\d+,\d+")
_AMBIGUOUS = re.compile(r"\d{1,3},\d{3}")


def form_amount(value: object) -> Decimal | None:
    """The amount field of a mark's form; ``None`` when left empty."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = "".join(value.split())  # spaces, and the no-break spaces of "1 500"
    if _AMBIGUOUS.fullmatch(text):
        raise LedgerError.because("ambiguous_amount", "amount", value=repr(value))
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    elif _DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise LedgerError.because("not_an_amount", "amount", value=repr(value)) from exc


async def no_such_page(request: web.Request, visit: Visit) -> web.StreamResponse:
    return _message(request, visit.lang, 404, "no_page", "no_page_text")


async def claim_download(request: web.Request, visit: Visit) -> web.StreamResponse:
    record = await request.app[STATE].db(
        get_record, _ledger(request), request.match_info["id"], visit.lang
    )
    if record is None:
        return _message(request, visit.lang, 404, "not_found", "not_found_text")
    evidence = claim_evidence(record)
    name = f"claim-{record['id']}"
    if request.match_info["kind"] == "json":
        body, kind = json.dumps(evidence, ensure_ascii=False, indent=2), "application/json"
    else:
        body, kind = claim_text(evidence, visit.lang), "text/plain"
    return web.Response(
        text=body,
        content_type=kind,
        headers={
            "Content-Disposition": f'attachment; filename="{_safe_name(name)}.{request.match_info["kind"]}"'
        },
    )


def _safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:80]


def last_months(program: ProgramTotals, count: int = 12) -> list[str]:
    """The ``count`` calendar months up to the latest with an order, "2026-01" form, a month
    without one included: a chart of only the months with data set June 2025 beside June 2026
    with nothing to say a year lay between."""
    if not program.months:
        return []
    year, month = map(int, max(program.months).split("-"))
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _money_rows(rows: list[tuple[str, str, Any]]) -> list[tuple[str, Decimal]]:
    return [(f"{name} ({currency})", sums.expected) for name, currency, sums in rows[:15]]


async def totals(request: web.Request, visit: Visit) -> web.StreamResponse:
    t = visit.t
    found: Totals = await request.app[STATE].db(request.app[TOTALS].totals, _ledger(request))
    months = []
    for program in found.programs:
        recent = [(month, program.months.get(month, Sums())) for month in last_months(program)]
        chart = charts.grouped_bars(
            [month for month, _ in recent],
            [
                charts.Series(
                    t("series_expected"), "bar-expected", [s.expected for _, s in recent]
                ),
                charts.Series(
                    t("series_confirmed"), "bar-confirmed", [s.confirmed for _, s in recent]
                ),
                charts.Series(
                    t("series_credited"), "bar-credited", [s.credited for _, s in recent]
                ),
            ],
            title=t("per_month", program=program.program_name, currency=program.currency),
            limit=program.monthly_cap,
            limit_label=t("cap", cap=program.monthly_cap) if program.monthly_cap else "",
        )
        months.append((program, chart))
    categories = [
        (_category_name(name, visit.lang), currency, sums)
        for name, currency, sums in found.categories
    ]
    return _render(
        request,
        "totals.html",
        visit.lang,
        session=visit.session,
        title=t("totals_title"),
        programs=months,
        stores=found.stores,
        categories=categories,
        store_chart=charts.horizontal_bars(_money_rows(found.stores), title=t("by_store")),
        category_chart=charts.horizontal_bars(_money_rows(categories), title=t("by_category")),
    )


def _category_name(category: str, lang: str) -> str:
    """The catalog's categories in words; one the catalog made up stays as it is."""
    return STRINGS[lang].get(f"cat_{category}", category)


async def _stream_file(
    request: web.Request,
    write: Callable[[sqlite3.Connection, IO[str]], object],
    kind: str,
    filename: str,
) -> web.StreamResponse:
    """Write an export into a temporary file on the database thread, then stream it: memory
    stays flat however long the log is."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
        await request.app[STATE].db(write, spool)
        spool.seek(0)
        response = web.StreamResponse(
            headers={
                "Content-Type": f"{kind}; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{filename}"',
            }
        )
        await response.prepare(request)
        while chunk := spool.read(256 * 1024):
            await response.write(chunk.encode("utf-8"))
        await response.write_eof()
    return response


async def export_csv(request: web.Request, visit: Visit) -> web.StreamResponse:
    try:
        filt = _filter(request)
    except FilterError:
        return _message(request, visit.lang, 400, "bad_filter", "bad_filter_text")
    ledger = _ledger(request)

    def write(conn: sqlite3.Connection, out: IO[str]) -> None:
        write_csv(out, iter_records(conn, ledger, filt))

    return await _stream_file(request, write, "text/csv", "cashback-purchases.csv")


async def export_json(request: web.Request, visit: Visit) -> web.StreamResponse:
    ledger = _ledger(request)
    return await _stream_file(
        request,
        lambda conn, out: write_backup(conn, ledger, out),
        "application/json",
        f"cashback-ledger-{now():%Y-%m-%d}.json",
    )


def setup_dashboard(app: web.Application) -> None:
    app[TOTALS] = TotalsCache()
    static = Path(str(resources.files("companion.dashboard").joinpath("static")))
    app.router.add_get("/", _page(log_page))
    app.router.add_get("/login", login)
    app.router.add_post("/logout", _page(logout))
    app.router.add_get("/purchases/{id}", _page(purchase))
    app.router.add_post("/purchases/{id}/{action:confirm|credit|decline}", _page(mark_purchase))
    app.router.add_get("/purchases/{id}/claim.{kind:txt|json}", _page(claim_download))
    app.router.add_get("/totals", _page(totals))
    app.router.add_get("/export.csv", _page(export_csv))
    app.router.add_get("/export.json", _page(export_json))
    app.router.add_static("/static/", static, name="dashboard-static")
    # Last: any other address a person types is the dashboard's, answered as a page (the API's
    # and /go/'s own 404s stay JSON).
    app.router.add_route("*", r"/{path:(?!api/|go/|static/).*}", _page(no_such_page))
