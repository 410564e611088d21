"""The totals page's sums: the same as computing every order's assessment one by one, whatever
the programs' time zones, caps and rounding; and kept between visits only while nothing changes.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal, localcontext
from pathlib import Path
from random import Random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.config import data_dir, db_path
from companion.dashboard.session import new_login
from companion.ledger import rules
from companion.ledger.orders import (
    ORDERS_SELECT,
    Ledger,
    LedgerError,
    LogFilter,
    cap_shares,
    facts_of,
    iter_records,
    mark,
    offer_of,
)
from companion.ledger.totals import STORES_SHOWN, Totals, TotalsCache, ledger_totals, rank_of
from companion.storage.db import connect, transaction
from tests.unit.ledger_seed import CATALOG, click, order, seed_purchases, use_catalog

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def reference_totals(conn: sqlite3.Connection, ledger: Ledger) -> Any:
    """The totals as they were first written: every order assessed one by one with
    ``rules.assess``. Kept here as the definition the faster ``ledger_totals`` must match."""
    rows = conn.execute(ORDERS_SELECT).fetchall()
    shares = cap_shares(ledger, rows)
    programs: dict[str, dict[str, Any]] = {}
    stores: dict[tuple[str, str], list[Any]] = {}
    categories: dict[tuple[str, str], list[Any]] = {}

    def add(sums: list[Any], assessed: rules.Assessment, credited: Decimal | None) -> None:
        sums[4] += 1
        if assessed.state == "declined":
            return
        sums[0] += assessed.expected_cashback or 0
        if assessed.state in ("confirmed", "credited"):
            sums[1] += assessed.expected_cashback or 0
            sums[2] += assessed.over_cap or 0
        sums[3] += credited or 0

    def new() -> list[Any]:
        return [Decimal(0), Decimal(0), Decimal(0), Decimal(0), 0]

    for row in rows:
        offer = offer_of(row["offer"])
        program_rules = ledger.rules_for(row["program_id"], offer)
        facts = facts_of(row, offer)
        assessed = rules.assess(facts, program_rules, ledger.now, shares.get(row["order_row"]))
        credited = None if row["credited_cashback"] is None else Decimal(row["credited_cashback"])
        if row["program_id"] not in programs:
            programs[row["program_id"]] = {
                "head": (
                    row["program_id"],
                    row["program_name"],
                    program_rules.currency,
                    program_rules.monthly_cap,
                ),
                "months": {},
            }
        months = programs[row["program_id"]]["months"]
        currency = program_rules.currency
        partner = ledger.index.partner(row["partner_id"])
        category = "other" if partner is None else partner.category
        for sums in (
            stores.setdefault((row["partner_name"], currency), new()),
            categories.setdefault((category, currency), new()),
        ):
            add(sums, assessed, credited)
        ordered_month = rules.local_date(facts.ordered_at, program_rules.timezone).isoformat()[:7]
        placed = months.setdefault(ordered_month, new())
        placed[4] += 1
        if assessed.state != "declined":
            placed[0] += assessed.expected_cashback or 0
        if facts.confirmed_on is not None and assessed.state != "declined":
            confirmed = months.setdefault(facts.confirmed_on.isoformat()[:7], new())
            confirmed[1] += assessed.expected_cashback or 0
            confirmed[2] += assessed.over_cap or 0
        if facts.credited_on is not None and credited is not None:
            months.setdefault(facts.credited_on.isoformat()[:7], new())[3] += credited

    def largest_first(items: dict[tuple[str, str], list[Any]]) -> list[Any]:
        return sorted(
            ((name, currency, tuple(sums)) for (name, currency), sums in items.items()),
            key=lambda entry: (-entry[2][0], entry[0], entry[1]),
        )

    return (
        [
            (*p["head"], sorted((k, tuple(v)) for k, v in p["months"].items()))
            for p in sorted(programs.values(), key=lambda p: p["head"][1])
        ],
        largest_first(stores),
        largest_first(categories),
    )


def plain(totals: Totals) -> Any:
    """``ledger_totals``' answer in the reference's shape."""

    def sums(s: Any) -> tuple[Any, ...]:
        return (s.expected, s.confirmed, s.over_cap, s.credited, s.orders)

    return (
        [
            (
                p.program,
                p.program_name,
                p.currency,
                p.monthly_cap,
                [(k, sums(v)) for k, v in p.months.items()],
            )
            for p in totals.programs
        ],
        [(name, currency, sums(s)) for name, currency, s in totals.stores],
        [(name, currency, sums(s)) for name, currency, s in totals.categories],
    )


# Programs on both sides of UTC, with half-hour and quarter-hour offsets and summer time, capped
# and not, rounded and not; a partner for each, one with two offers and one with a fixed sum.
ZONES: dict[str, Any] = {
    "mts": ("Europe/Moscow", "10000", "half_up_integer"),
    "kat": ("Asia/Kathmandu", "300", "none"),
    "nfl": ("America/St_Johns", None, "half_up_integer"),
    "kir": ("Pacific/Kiritimati", "150", "half_up_integer"),
    "pago": ("Pacific/Pago_Pago", None, "none"),
}


def zoned_catalog() -> dict[str, Any]:
    catalog = copy.deepcopy(CATALOG)
    catalog["programs"] = [
        {
            "id": program,
            "name": f"Program {program}",
            "currency": "RUB",
            "rounding": rounding,
            "confirmation_days": 30,
            "timezone": zone,
            **({"monthly_cap": cap} if cap else {}),
        }
        for program, (zone, cap, rounding) in ZONES.items()
    ]
    for number, program in enumerate(ZONES):
        offer: dict[str, Any] = {"program": program, "go_url": "https://p.example/go?s={click_id}"}
        offer |= {"fixed_amount": "75.5"} if program == "pago" else {"rate_percent": "4.75"}
        catalog["partners"].append(
            {
                "id": f"store{number}",
                "name": f"Store {number}",
                "category": ["travel", "online_stores", "services"][number % 3],
                "domains": [f"store{number}.example"],
                "offers": [offer],
            }
        )
    for partner in catalog["partners"][:3]:
        partner["offers"] = [{**o, "program": "mts"} for o in partner["offers"][:1]]
    return catalog


@pytest.fixture
def conn(companion_home: Path) -> Iterator[sqlite3.Connection]:
    opened = connect(db_path(data_dir()))
    yield opened
    opened.close()


def test_the_same_sums_as_assessing_each_order(conn: sqlite3.Connection) -> None:
    index = use_catalog(conn, zoned_catalog())
    ledger = Ledger(index, NOW)
    # A purchase about every 25 hours for two years: many at a month's turn somewhere.
    seed_purchases(conn, index, 700, start=datetime(2024, 1, 31, 21, 40, tzinfo=UTC),
                   step=timedelta(hours=25, minutes=13))  # fmt: skip
    # Sums the program confirmed itself, some over the cap; no amount; another currency.
    records = [r for r in iter_records(conn, ledger, LogFilter()) if r["ordered_at"]]
    for n, record in enumerate(records[:60]):
        if record["ledger_state"] in ("awaiting_confirmation", "overdue"):
            day = date.fromisoformat(record["ordered_at"][:10]) + timedelta(days=2)
            mark(conn, ledger, record["id"], "confirm", min(day, NOW.date()), Decimal(n * 7))
    odd = click(conn, index, "2026-02-28T22:30:00.000Z", "https://store1.example/x", "kat")
    order(conn, odd, "2026-02-28T23:59:00Z", order_id="NONE", amount=None, currency=None)
    other = click(conn, index, "2026-03-01T00:10:00.000Z", "https://store1.example/y", "kat")
    order(conn, other, "2026-03-01T00:20:00Z", order_id="USD", amount="99.99", currency="USD")

    assert plain(ledger_totals(conn, ledger)) == reference_totals(conn, ledger)
    # With a program and a store gone from the catalog since (their orders stay in the log).
    smaller = zoned_catalog()
    smaller["programs"] = [p for p in smaller["programs"] if p["id"] != "kat"]
    smaller["partners"] = [p for p in smaller["partners"] if p["id"] not in ("store1", "trips")]
    changed = Ledger(use_catalog(conn, smaller), NOW)
    assert plain(ledger_totals(conn, changed)) == reference_totals(conn, changed)


def test_totals_do_not_depend_on_the_day(conn: sqlite3.Connection) -> None:
    """Awaiting confirmation or overdue, an order counts alike: so the totals can be kept."""
    index = use_catalog(conn)
    seed_purchases(conn, index, 300, start=datetime(2025, 12, 1, tzinfo=UTC))
    early, late = Ledger(index, NOW), Ledger(index, NOW + timedelta(days=400))
    assert plain(ledger_totals(conn, early)) == plain(ledger_totals(conn, late))


def test_totals_are_kept_until_an_order_is_written(conn: sqlite3.Connection) -> None:
    index = use_catalog(conn)
    seed_purchases(conn, index, 120, start=datetime(2025, 12, 1, tzinfo=UTC))
    ledger = Ledger(index, NOW)
    cache = TotalsCache()
    first = cache.totals(conn, ledger, None)
    assert cache.totals(conn, Ledger(index, NOW + timedelta(hours=5)), None) is first
    # A mark on this connection: made again, and right.
    waiting = next(r for r in iter_records(conn, ledger, LogFilter(state="overdue")))
    mark(conn, ledger, waiting["id"], "decline")
    second = cache.totals(conn, ledger, None)
    assert second is not first
    assert plain(second) == plain(ledger_totals(conn, ledger)) != plain(first)
    assert cache.totals(conn, ledger, None) is second
    # Writes that touch no order (a login, a page the shopper opened): kept.
    other = connect(db_path(data_dir()))
    new_login(other, NOW)
    with transaction(other):
        other.execute("UPDATE clicks SET pages_seen = pages_seen + 1, status = 'landed'")
    assert cache.totals(conn, ledger, None) is second
    # An order written by another connection (the CLI is another process).
    with transaction(other):
        other.execute("UPDATE orders SET declined_on = NULL, confirmed_on = NULL")
    third = cache.totals(conn, ledger, None)
    assert third is not second
    assert plain(third) == plain(ledger_totals(conn, ledger)) != plain(second)
    assert cache.totals(conn, ledger, None) is third
    # A click's summed fields changed (no code does this today; a hand edit of the database).
    with transaction(other):
        other.execute("UPDATE clicks SET partner_name = partner_name || ' (renamed)'")
    other.close()
    renamed_store = cache.totals(conn, ledger, None)
    assert renamed_store is not third
    assert cache.totals(conn, ledger, None) is renamed_store
    third = renamed_store
    # A new catalog.
    renamed = copy.deepcopy(CATALOG)
    renamed["partners"][0]["category"] = "travel"
    fourth = cache.totals(conn, Ledger(use_catalog(conn, renamed), NOW), None)
    assert fourth is not third
    assert dataclasses.asdict(fourth) != dataclasses.asdict(third)


NUMBERS = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(-(10**30), 10**30) | st.integers(-1000, 1000),
    st.integers(-45, 25),
)


@given(NUMBERS, NUMBERS)
def test_a_rank_sorts_as_its_number(a: Decimal, b: Decimal) -> None:
    """The stores' table is walked by rank: as text, byte by byte."""
    assert (rank_of(a) < rank_of(b)) == (a < b)
    assert (rank_of(a) == rank_of(b)) == (a == b)


@pytest.mark.parametrize(
    "ascending",
    [
        "-10 -9.99 -9.9 -9 -1.23 -1.2 -1E-20 0 1E-20 1.2 1.23 9 9.9 9.99 10 10000000000.000000001",
        "1.5 1.50 1.500",
    ],
)
def test_ranks_in_order(ascending: str) -> None:
    numbers = ascending.split()
    ranks = [rank_of(Decimal(number)) for number in numbers]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == len(set(map(Decimal, numbers)))


def uncapped_ledger(
    conn: sqlite3.Connection, purchases: int, currencies: dict[str, str] | None = None
) -> Ledger:
    """``purchases`` seeded from 2026 on under the zoned catalog's programs without their caps
    (so a confirmed sum is paid whole), each paying in RUB or its currency in ``currencies``."""
    catalog = zoned_catalog()
    for program in catalog["programs"]:
        program.pop("monthly_cap", None)
        program["currency"] = (currencies or {}).get(program["id"], program["currency"])
    index = use_catalog(conn, catalog)
    seed_purchases(conn, index, purchases, start=datetime(2026, 1, 1, tzinfo=UTC))
    return Ledger(index, NOW)


def test_the_stores_shown_are_the_largest_exactly(conn: sqlite3.Connection) -> None:
    """The page shows the first ``STORES_SHOWN`` of every store's sums, largest expected first
    and by name on a tie, told apart exactly where their floats are the same: a rank by float
    and name would show the wrong stores."""
    ledger = uncapped_ledger(conn, 200)
    with transaction(conn):
        conn.execute("UPDATE clicks SET partner_name = 'Store ' || (rowid % 40)")
        conn.execute("UPDATE orders SET partner_name = 'Store ' || (id % 40)")
        conn.execute("UPDATE orders SET declined_on = '2026-02-21'")
        # One order of each of Store 0 to Store 19 paid ten billion and a 20th decimal that is
        # smaller the higher the number: twenty sums one float, whose order is not the names'.
        first: dict[str, int] = {}
        for row, name in conn.execute(
            "SELECT o.id, COALESCE(c.partner_name, o.partner_name) FROM orders AS o"
            " LEFT JOIN clicks AS c ON c.click_id = o.click_id ORDER BY o.id"
        ).fetchall():
            first.setdefault(name, row)
        for number in range(20):
            conn.execute(
                "UPDATE orders SET declined_on = NULL, confirmed_on = '2026-02-20',"
                " confirmed_cashback = ? WHERE id = ?",
                (f"10000000000.{100 - number:020d}", first[f"Store {number}"]),
            )
    cache = TotalsCache()
    every = plain(cache.totals(conn, ledger, None))
    with localcontext(Context(prec=64)):  # exact at these sums, as the book is
        assert every == reference_totals(conn, ledger)
    stores = every[1]
    assert len(stores) == 40
    assert [name for name, _, _ in stores[:STORES_SHOWN]] == [f"Store {n}" for n in range(15)]
    assert len({float(sums[0]) for _, _, sums in stores[:20]}) == 1
    shown = plain(cache.totals(conn, ledger))
    assert shown[1] == stores[:STORES_SHOWN]
    assert (shown[0], shown[2]) == (every[0], every[2])
    # After a write the stores shown are the new largest, a store gone with its last order.
    with transaction(conn):
        conn.execute("DELETE FROM orders WHERE id = ?", (first["Store 0"],))
    after = plain(cache.totals(conn, ledger))
    assert [name for name, _, _ in after[1]] == [f"Store {n}" for n in range(1, 16)]
    with localcontext(Context(prec=64)):
        assert after == plain(ledger_totals(conn, ledger, STORES_SHOWN))


def test_one_store_in_two_currencies_is_two_lines_by_currency(conn: sqlite3.Connection) -> None:
    """A store's sums are per currency (two programs can pay in two): one name with equal sums
    in both is two lines, in the order of their currencies, as the categories are."""
    ledger = uncapped_ledger(conn, 120, currencies={"kat": "KZT"})
    with transaction(conn):
        conn.execute("UPDATE clicks SET partner_name = 'Same'")
        conn.execute("UPDATE orders SET partner_name = 'Same', declined_on = '2026-02-21'")
        for program in ("kat", "kir"):
            conn.execute(
                "UPDATE orders SET declined_on = NULL, confirmed_on = '2026-02-20',"
                " confirmed_cashback = '77' WHERE id = (SELECT min(o.id) FROM orders AS o"
                " JOIN clicks AS c ON c.click_id = o.click_id WHERE c.program_id = ?)",
                (program,),
            )
    stores = plain(TotalsCache().totals(conn, ledger))[1]
    assert [(name, currency, sums[0]) for name, currency, sums in stores] == [
        ("Same", "KZT", Decimal(77)),
        ("Same", "RUB", Decimal(77)),
    ]
    assert stores == reference_totals(conn, ledger)[1]


def test_kept_totals_follow_each_write_as_if_made_anew(conn: sqlite3.Connection) -> None:
    """The cache works out again only the orders written since its last visit (and the others of
    a capped month they were or are in): after every kind of write, in any order, its totals
    are the ones made from scratch, and the ones every order assessed alone gives."""
    index = use_catalog(conn, zoned_catalog())
    ledger = Ledger(index, NOW)
    seed_purchases(conn, index, 240, start=datetime(2025, 12, 1, tzinfo=UTC),
                   step=timedelta(hours=7, minutes=31))  # fmt: skip
    cache = TotalsCache()
    cache.totals(conn, ledger, None)
    random = Random(7)
    other = connect(db_path(data_dir()))

    def orders() -> list[int]:
        return [row for (row,) in conn.execute("SELECT id FROM orders ORDER BY id")]

    def some_record() -> dict[str, Any]:
        records = [r for r in iter_records(conn, ledger, LogFilter()) if r["ordered_at"]]
        return random.choice(records)

    def confirm() -> None:
        # Large sums, so capped months fill and their other orders' shares move.
        record = some_record()
        day = date.fromisoformat(record["ordered_at"][:10]) + timedelta(days=random.randint(0, 40))
        day = min(day, NOW.date())
        mark(conn, ledger, record["id"], "confirm", day, Decimal(random.randint(0, 400)))

    def credit() -> None:
        record = some_record()
        day = min(date.fromisoformat(record["ordered_at"][:10]) + timedelta(days=45), NOW.date())
        mark(conn, ledger, record["id"], "credit", day, Decimal(random.randint(0, 90)) / 4)

    def decline() -> None:
        mark(conn, ledger, some_record()["id"], "decline")

    def unmark_elsewhere() -> None:
        # Another process (the CLI) writing: the cache only sees the database.
        with transaction(other):
            other.execute(
                "UPDATE orders SET confirmed_on = NULL, confirmed_cashback = NULL,"
                " declined_on = NULL WHERE id = ?",
                (random.choice(orders()),),
            )

    def remove() -> None:
        with transaction(other):
            other.execute("DELETE FROM orders WHERE id = ?", (random.choice(orders()),))

    def remove_the_first() -> None:
        # The order whose program heads its line: the next one takes its place.
        with transaction(other):
            other.execute("DELETE FROM orders WHERE id = (SELECT min(id) FROM orders)")

    def remove_a_new_one() -> None:
        # Often the only order of its month: the month goes with it.
        with transaction(other):
            other.execute("DELETE FROM orders WHERE id = ?", (random.choice(orders()[-4:]),))

    def add() -> None:
        # Any day of two years, so some months hold this order alone.
        moment = datetime(2024, 3, 1, tzinfo=UTC) + timedelta(minutes=random.randint(0, 10**6))
        at = moment.isoformat().replace("+00:00", ".000Z")
        store = random.choice(list(ZONES))
        made = click(conn, index, at, f"https://store{list(ZONES).index(store)}.example/", store)
        order(conn, made, at, order_id=f"N-{random.randint(1, 10**9)}")

    def rename_store() -> None:
        with transaction(other):
            other.execute(
                "UPDATE clicks SET partner_name = 'Renamed' WHERE click_id ="
                " (SELECT click_id FROM orders WHERE click_id IS NOT NULL ORDER BY random())"
            )

    def rename_program() -> None:
        # A program renamed in the catalog since: its clicks keep the name they had. Its line
        # is headed with its first order's, so the first few are renamed.
        with transaction(other):
            other.execute(
                "UPDATE clicks SET program_name = ? WHERE click_id = (SELECT click_id FROM orders"
                " WHERE click_id IS NOT NULL ORDER BY id LIMIT 1 OFFSET ?)",
                (f"Renamed {random.randint(1, 9)}", random.randint(0, 3)),
            )

    writes = [confirm, confirm, confirm, credit, decline, unmark_elsewhere, remove, add, add]
    writes += [remove_a_new_one, rename_store, rename_program, remove_the_first, remove_the_first]
    for step in range(90):
        write = random.choice(writes)
        # A mark the ledger refuses (a day before the order, a credit before a confirmation)
        # writes nothing, which the cache must see as well.
        with contextlib.suppress(LedgerError):
            write()
        kept = cache.totals(conn, ledger, None)
        assert plain(kept) == plain(ledger_totals(conn, ledger)), (step, write.__name__)
        if step % 15 == 0:
            assert plain(kept) == reference_totals(conn, ledger), (step, write.__name__)
    other.close()


def test_a_cache_further_behind_than_the_changes_kept_starts_anew(
    conn: sqlite3.Connection,
) -> None:
    index = use_catalog(conn)
    seed_purchases(conn, index, 60, start=datetime(2025, 12, 1, tzinfo=UTC))
    ledger = Ledger(index, NOW)
    cache = TotalsCache()
    first = cache.totals(conn, ledger, None)
    # Writes that outran the list of changes (migration 7 keeps the last 10,000): the first
    # change after the cache's last visit, the only one of its order, is gone from it.
    with transaction(conn):
        conn.execute(
            "UPDATE orders SET declined_on = '2026-03-01' WHERE id = (SELECT min(id) FROM orders)"
        )
        for day in range(1, 401):
            conn.execute(
                "UPDATE orders SET declined_on = ? WHERE id > (SELECT min(id) FROM orders)",
                (f"2026-03-{day % 9 + 1:02d}",),
            )
    (kept, oldest, last) = conn.execute(
        "SELECT count(*), min(seq), max(seq) FROM ledger_changes"
    ).fetchone()
    assert kept == 10_000
    assert last - oldest == 9_999
    second = cache.totals(conn, ledger, None)
    assert plain(second) == plain(ledger_totals(conn, ledger)) != plain(first)


def test_kept_sums_stay_exact_for_the_largest_and_smallest_amounts(
    conn: sqlite3.Connection,
) -> None:
    """Amounts of 13 digits and 20 decimals: a sum past Decimal's default 28 digits would be
    rounded, and taking the large one out again would not give the small one back."""
    index = use_catalog(conn, zoned_catalog())
    ledger = Ledger(index, NOW)
    seed_purchases(conn, index, 40, start=datetime(2026, 2, 1, tzinfo=UTC))
    waiting = [r for r in iter_records(conn, ledger, LogFilter()) if r["ledger_state"] == "overdue"]
    large, small = waiting[0], waiting[1]
    day = NOW.date()
    mark(conn, ledger, large["id"], "confirm", day, Decimal("999999999999.12345678901234567891"))
    mark(conn, ledger, small["id"], "confirm", day, Decimal("1E-20"))
    cache = TotalsCache()
    cache.totals(conn, ledger, None)
    mark(conn, ledger, large["id"], "confirm", day, Decimal(0))
    assert plain(cache.totals(conn, ledger, None)) == plain(ledger_totals(conn, ledger))


def test_a_book_whose_update_failed_is_made_anew(conn: sqlite3.Connection) -> None:
    """SQLite's temporary file full in the middle of an update: the visit fails, the book's
    half-changed sums are not used again, and no table of a failed book is left behind."""
    index = use_catalog(conn, zoned_catalog())
    ledger = Ledger(index, NOW)
    seed_purchases(conn, index, 600, start=datetime(2026, 1, 1, tzinfo=UTC))
    cache = TotalsCache()
    cache.totals(conn, ledger, None)
    (pages,) = conn.execute("PRAGMA temp.page_count").fetchone()
    conn.execute(f"PRAGMA temp.max_page_count = {pages}")
    with transaction(conn):
        conn.execute(
            "UPDATE orders SET confirmed_on = '2026-02-20',"
            " confirmed_cashback = '123456789012.12345678901234567891' WHERE id % 2 = 0"
        )
    with pytest.raises(sqlite3.OperationalError, match="full"):
        cache.totals(conn, ledger, None)
    with pytest.raises(sqlite3.OperationalError, match="full"):
        cache.totals(conn, ledger, None)  # made anew, and full again
    conn.execute("PRAGMA temp.max_page_count = 1000000")
    assert plain(cache.totals(conn, ledger, None)) == plain(ledger_totals(conn, ledger))
    tables = conn.execute("SELECT count(*) FROM sqlite_temp_master WHERE type = 'table'")
    assert tables.fetchone()[0] == 2  # the cache's book alone: its parts and its stores


def test_a_book_is_not_brought_up_to_date_inside_a_callers_transaction(
    conn: sqlite3.Connection,
) -> None:
    """A rollback of the caller's would take back the book's rows and not its sums."""
    index = use_catalog(conn)
    seed_purchases(conn, index, 20, start=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(RuntimeError, match="outside any transaction"), transaction(conn):
        ledger_totals(conn, Ledger(index, NOW))
    tables = conn.execute("SELECT count(*) FROM sqlite_temp_master WHERE type = 'table'")
    assert tables.fetchone()[0] == 0
