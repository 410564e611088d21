"""Dashboard: the shopper's pages with 100,000 records in the log, timed over loopback.

A fresh data directory gets the bundled catalog and 100,000 purchases (``seed_purchases`` in
``tests/unit/ledger_seed.py``, written through the backup importer that ``cashback-companion log
import`` uses), ending now. A real companion process (``python -m companion serve``) is started
on it and logged into as a shopper is, with the one-time link of ``cashback-companion open
--print``. Then every page below is requested ``REPEAT`` times, the pages taking turns, over one
keep-alive connection: the time is from sending the request to having read the whole answer.
That is an upper bound of the server's time; the companion's own figure for its handler (the
``Server-Timing`` header the dashboard's pages carry) is printed beside it.
"""

from __future__ import annotations

import http.client
import json
import math
import random
import re
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from benchmarks.processes import TimedCompanion
from benchmarks.report import Row, ms, table
from companion.clock import now
from companion.config import db_path
from companion.dashboard.session import new_login
from companion.storage.db import connect, transaction
from tests.conftest import free_port
from tests.unit.ledger_seed import seed_purchases, use_catalog

PURCHASES = 100_000
STEP = timedelta(minutes=7)  # 100,000 purchases over 16 months, the last one a few minutes ago
REPEAT = 30
GOAL = 0.100
MiB = 1024 * 1024
_PICK = random.Random(3)  # noqa: S311 (which order to write, reproducibly; not a secret)


@dataclass(frozen=True)
class Page:
    measure: str
    path: str
    # Write to the database from another connection before each request, as the CLI or the
    # extension would: the totals are kept through writes that touch no order ("other"), and
    # made again after an order was written ("order").
    write_before: str | None = None


def _bundled_catalog() -> dict[str, Any]:
    text = resources.files("companion.catalog").joinpath("bundled.json").read_text("utf-8")
    catalog: dict[str, Any] = json.loads(text)
    return catalog


def seed(home: Path) -> float:
    """The bundled catalog and ``PURCHASES`` purchases, the newest a few minutes old; seconds."""
    began = time.perf_counter()
    conn = connect(db_path(home))
    index = use_catalog(conn, _bundled_catalog())
    start = datetime.now(UTC).replace(microsecond=0) - STEP * (PURCHASES + 1)
    seed_purchases(conn, index, PURCHASES, start=start, step=STEP)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.perf_counter() - began


def _log_facts(home: Path) -> dict[str, Any]:
    """What the pages below filter by, read from the seeded log."""
    with sqlite3.connect(f"file:{db_path(home)}?mode=ro", uri=True) as db:
        records = db.execute(
            "SELECT (SELECT count(*) FROM clicks)"
            " + (SELECT count(*) FROM orders WHERE click_id IS NULL)"
        ).fetchone()[0]
        # The store and the program with the most purchases, and the store's name.
        store, name = db.execute(
            "SELECT partner_id, partner_name FROM clicks GROUP BY partner_id"
            " ORDER BY count(*) DESC, partner_id LIMIT 1"
        ).fetchone()
        program, share = db.execute(
            "SELECT program_id, count(*) * 1.0 / (SELECT count(*) FROM clicks) FROM clicks"
            " GROUP BY program_id ORDER BY count(*) DESC, program_id LIMIT 1"
        ).fetchone()
        # An order of that program from the middle of the log. Seeded order ids are S-<number>
        # (below 100,000): one of five digits is in no other record.
        (number,) = db.execute(
            "SELECT o.order_id FROM orders AS o JOIN clicks AS c ON c.click_id = o.click_id"
            " WHERE c.program_id = ? AND o.order_id >= 'S-5' AND length(o.order_id) = 7"
            " ORDER BY o.order_id LIMIT 1",
            (program,),
        ).fetchone()
    return {
        "records": records,
        "store": store,
        "name": name,
        "program": program,
        "share": share,
        "number": number,
    }


class Browser:
    """One keep-alive connection with the dashboard's session cookie, as a browser tab has."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""

    def log_in(self, link: str) -> None:
        path = link[link.index("/login") :]
        self.connection.request("GET", path)
        answer = self.connection.getresponse()
        answer.read()
        if answer.status != 303:
            raise RuntimeError(f"the login link answered {answer.status}")
        self.cookie = answer.headers["Set-Cookie"].split(";", 1)[0]

    def get(self, path: str) -> tuple[float, float | None, str]:
        """Wall seconds, the handler's own seconds (Server-Timing) and the page."""
        began = time.perf_counter()
        self.connection.request("GET", path, headers={"Cookie": self.cookie})
        answer = self.connection.getresponse()
        body = answer.read()
        wall = time.perf_counter() - began
        if answer.status != 200:
            raise RuntimeError(f"GET {path}: {answer.status} {body[:300]!r}")
        timing = re.search(r"dur=([0-9.]+)", answer.headers.get("Server-Timing") or "")
        own = None if timing is None else float(timing.group(1)) / 1000
        return wall, own, body.decode("utf-8")

    def close(self) -> None:
        self.connection.close()


def _rows(page: str) -> int:
    return page.count('data-testid="purchase"')


def _href(page: str, testid: str) -> str:
    found = re.search(rf'href="([^"]+)" data-testid="{testid}"', page)
    if found is None:
        raise RuntimeError(f"no {testid} link on the page")
    href = unescape(found.group(1))
    return "/" + href if href.startswith("?") else href  # "?before=…" is relative to "/"


def _write(writer: sqlite3.Connection, what: str) -> None:
    if what == "other":
        new_login(writer, now())  # what `cashback-companion open` writes
        with transaction(writer):  # what a page event does to its click
            writer.execute(
                "UPDATE clicks SET pages_seen = pages_seen + 1"
                " WHERE click_id = (SELECT max(click_id) FROM clicks)"
            )
    else:
        # A mark written over itself still writes the order's row. A different order each
        # time, confirmed ones too, whose capped month is then worked out again whole.
        (last,) = writer.execute("SELECT max(id) FROM orders").fetchone()
        with transaction(writer):
            writer.execute(
                "UPDATE orders SET confirmed_on = confirmed_on WHERE id = ?",
                (_PICK.randint(1, last),),
            )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def measure(home: Path, facts: dict[str, Any]) -> list[Row]:
    companion = TimedCompanion(home, free_port())
    companion.start()
    browser = Browser(companion.port)
    writer = connect(db_path(home))
    try:
        browser.log_in(companion.cli("open", "--print", "--port", str(companion.port)).strip())
        first_wall, first_own, first = browser.get("/")
        # The totals' book, made on the first visit, is kept in memory from then on.
        before_totals = companion.memory()["VmRSS"]
        totals_wall, totals_own, _ = browser.get("/totals")
        after_totals = companion.memory()["VmRSS"]
        store, program, number = facts["store"], facts["program"], facts["number"]
        name = facts["name"].split()[0]
        pages = [
            Page("the log, first page (/)", "/"),
            Page("the log, next page (?before=cursor)", _href(first, "page-older")),
            Page(f"search for an order number (?q={number})", f"/?q={number}"),
            Page(f"search for a store's name (?q={name})", f"/?q={quote(name)}"),
            Page(f"store filter (?store={store})", f"/?store={store}"),
            Page("program filter (?program=letyshops)", "/?program=letyshops"),
            Page("state filter (?status=credited)", "/?status=credited"),
            Page("state no record is in (?status=clicked): the whole log", "/?status=clicked"),
            Page(
                f"store + state + search (?store={store}&status=overdue&q=S-1)",
                f"/?store={store}&status=overdue&q=S-1",
            ),
            Page(
                f"program with {facts['share']:.0%} of the log + order number"
                f" (?program={program}&q={number})",
                f"/?program={program}&q={number}",
            ),
            Page("a purchase (/purchases/o<id>)", _href(first, "purchase-link")),
            Page("totals (/totals), nothing written since the last visit", "/totals"),
            Page(
                "totals (/totals), after a login and a page event: kept",
                "/totals",
                write_before="other",
            ),
            Page(
                "totals (/totals), after an order was written: brought up to date",
                "/totals",
                write_before="order",
            ),
        ]
        found: dict[str, int] = {}
        for page in pages:  # one visit each first: every page answers, with what it found
            found[page.path] = _rows(browser.get(page.path)[2])
        walls: dict[Page, list[float]] = {page: [] for page in pages}
        owns: dict[Page, list[float]] = {page: [] for page in pages}
        for _ in range(REPEAT):
            for page in pages:
                if page.write_before is not None:
                    _write(writer, page.write_before)
                wall, own, _body = browser.get(page.path)
                walls[page].append(wall)
                if own is not None:
                    owns[page].append(own)
    finally:
        browser.close()
        companion.stop()
        writer.close()

    rows = []
    for page in pages:
        times, handler = walls[page], owns[page]
        counted = not page.path.startswith(("/purchases/", "/totals"))
        listed = f", {found[page.path]} shown" if counted else ""
        beside = f"max {ms(max(times))}"
        if handler:
            beside += f"; handler p50 {ms(statistics.median(handler))}"
        rows.append(
            Row(
                f"{page.measure}{listed}",
                f"{ms(statistics.median(times))} / {ms(_p95(times))}",
                beside,
                "",
                "p95 <= 100 ms",
                _p95(times) <= GOAL,
            )
        )
    rows.append(
        Row(
            "the log's first page, first request after start (cold cache)",
            ms(first_wall),
            "" if first_own is None else f"handler {ms(first_own)}",
        )
    )
    rows.append(
        Row(
            "totals (/totals), first visit after start: every order worked out",
            ms(totals_wall),
            "" if totals_own is None else f"handler {ms(totals_own)}",
        )
    )
    rows.append(
        Row(
            "companion's resident memory, before and after that visit (the book kept)",
            f"{before_totals / MiB:.1f} MiB / {after_totals / MiB:.1f} MiB",
        )
    )
    return rows


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as temp:
        home = Path(temp) / "home"
        home.mkdir()
        seconds = seed(home)
        facts = _log_facts(home)
        size = sum(path.stat().st_size for path in home.glob("companion.sqlite3*"))
        rows = measure(home, facts)
    rows.append(
        Row(
            f"{facts['records']:,} records (bundled catalog), database size",
            f"{size / MiB:.1f} MiB",
            f"seeded in {seconds:.0f} s",
        )
    )
    return table(f"Dashboard (p50 / p95 of {REPEAT} requests each)", rows)
