"""The purchase log in SQLite: records, filters, paging, orders added by hand, the marks."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from companion.config import data_dir, db_path
from companion.ledger.orders import (
    Ledger,
    LedgerError,
    LogFilter,
    add_order,
    days_between,
    get_record,
    iter_records,
    mark,
    purchase_page,
)
from companion.ledger.totals import ledger_totals
from companion.storage.db import connect
from companion.tracking.clicks import get_click
from companion.tracking.matcher import PartnerIndex
from tests.unit.ledger_seed import CATALOG, click, landing, order, seed_purchases, use_catalog

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def conn(companion_home: Path) -> Iterator[sqlite3.Connection]:
    opened = connect(db_path(data_dir()))
    yield opened
    opened.close()


@pytest.fixture
def index(conn: sqlite3.Connection) -> PartnerIndex:
    return use_catalog(conn)


@pytest.fixture
def ledger(index: PartnerIndex) -> Ledger:
    return Ledger(index, NOW)


def manual(
    conn: sqlite3.Connection, ledger: Ledger, order_id: str = "M-1", **changes: object
) -> dict:
    fields: dict[str, object] = {
        "partner": "shop",
        "program": "mts",
        "amount": Decimal("2450.50"),
        "currency": "RUB",
        "ordered_at": datetime.fromisoformat("2026-01-10T12:00:00+03:00"),
        "order_id": order_id,
    }
    return add_order(conn, ledger, **{**fields, **changes})  # type: ignore[arg-type]


def test_a_click_with_its_order_keeps_every_click_field(
    conn: sqlite3.Connection, index: PartnerIndex, ledger: Ledger
) -> None:
    cid = click(conn, index, "2026-02-01T09:00:00.000Z")
    landing(conn, cid, "2026-02-01T09:00:03Z")
    order(conn, cid, "2026-02-01T09:20:00Z")
    record = get_record(conn, ledger, cid)
    assert record is not None
    # The click log's record is kept whole, field for field.
    clicked = get_click(conn, cid)
    assert clicked is not None
    assert {key: record[key] for key in clicked} == clicked
    assert record["status"] == "order_placed"
    assert record["id"].startswith("o")
    assert record["ledger_state"] == "awaiting_confirmation"
    assert record["expected_cashback"] == "123"  # 5 % of 2450.50, rounded half up
    assert record["confirmation_due"] == "2026-05-02"  # 1 February (Moscow) + 90 days
    assert record["expected_payout"] == "2026-06-01"
    assert record["checks"] == []
    assert record["category"] == "online_stores"
    assert record["timezone"] == "Europe/Moscow"


def test_states_before_the_order(
    conn: sqlite3.Connection, index: PartnerIndex, ledger: Ledger
) -> None:
    bare = click(conn, index, "2026-02-01T09:00:00.000Z")
    landed = click(conn, index, "2026-02-01T10:00:00.000Z")
    landing(conn, landed, "2026-02-01T10:00:03Z", tracked=False)
    for cid, state in ((bare, "clicked"), (landed, "landed")):
        record = get_record(conn, ledger, cid)
        assert record is not None
        assert (record["id"], record["ledger_state"]) == (cid, state)
        assert record["expected_cashback"] is record["confirmation_due"] is None
    landed_record = get_record(conn, ledger, landed)
    assert landed_record is not None
    assert landed_record["tracking"] == "at_risk"


def test_manual_orders_appear_in_the_log_like_any_other(
    conn: sqlite3.Connection, index: PartnerIndex, ledger: Ledger
) -> None:
    cid = click(conn, index, "2026-01-05T09:00:00.000Z")
    added = manual(conn, ledger, ordered_at=datetime.fromisoformat("2026-01-10T12:00:00+03:00"))
    later = click(conn, index, "2026-01-20T09:00:00.000Z")
    records, cursor = purchase_page(conn, ledger, LogFilter())
    assert [r["id"] for r in records] == [later, added["id"], cid]
    assert cursor is None
    assert added["click_id"] is None
    assert added["status"] == "order_placed"
    assert added["order_source"] == "manual"
    assert added["partner_name"] == "Demo Shop"
    assert added["offer"]["rate_percent"] == "5"


def test_the_offer_snapshot_decides_not_todays_catalog(
    conn: sqlite3.Connection, index: PartnerIndex
) -> None:
    """An AliExpress order waits 50 days (its offer's window), and a later change of rate in the
    catalog does not change what a past click expects."""
    cid = click(conn, index, "2026-01-10T09:00:00.000Z", "https://aliexpress.com/item/1")
    order(conn, cid, "2026-01-10T09:00:00Z")
    changed = use_catalog(
        conn,
        {
            **CATALOG,
            "partners": [
                {
                    "id": "aliexpress",
                    "name": "AliExpress",
                    "category": "online_stores",
                    "domains": ["aliexpress.com"],
                    "offers": [
                        {"program": "mts", "rate_percent": "1", "go_url": "https://mts.example/"}
                    ],
                }
            ],
        },
    )
    record = get_record(conn, Ledger(changed, NOW), cid)
    assert record is not None
    assert record["confirmation_due"] == "2026-03-01"  # 10 January + 50 days
    assert record["expected_cashback"] == "123"


def test_add_order_refusals(conn: sqlite3.Connection, ledger: Ledger) -> None:
    manual(conn, ledger)
    cases: list[tuple[dict[str, object], str]] = [
        ({"partner": "nowhere"}, "partner"),
        ({"program": "nosuch"}, "program"),
        ({"partner": "trips", "program": "plain"}, "program"),
        ({"amount": Decimal(0)}, "amount"),
        ({"amount": Decimal("-5")}, "amount"),
        ({"amount": Decimal("1e13")}, "amount"),
        ({"amount": Decimal("NaN")}, "amount"),
        ({"amount": Decimal("1999.999999999999999999999")}, "amount"),  # a backup refuses it
        ({"currency": "rub"}, "currency"),
        ({"currency": "RUBL"}, "currency"),
        ({"ordered_at": datetime(2026, 1, 10, 12, 0)}, "ordered_at"),
        ({"ordered_at": NOW + timedelta(days=1)}, "ordered_at"),
        ({"ordered_at": datetime(1969, 12, 31, 12, 0, tzinfo=UTC)}, "ordered_at"),
        ({"order_id": ""}, "order_id"),
        ({"order_id": "x" * 129}, "order_id"),
        ({"order_id": "A\tB"}, "order_id"),  # pasted from a spreadsheet; a backup refuses it
        ({"order_id": "12345\u200e"}, "order_id"),  # a direction mark copied from a page
        ({"order_id": "M-1"}, "order_id"),  # already in the log
    ]
    for changes, field in cases:
        with pytest.raises(LedgerError) as refused:
            manual(conn, ledger, **{"order_id": "M-2", **changes})
        assert refused.value.field == field, changes
    assert conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 1


def test_an_order_the_extension_already_recorded_is_not_added_twice(
    conn: sqlite3.Connection, index: PartnerIndex, ledger: Ledger
) -> None:
    cid = click(conn, index, "2026-01-10T09:00:00.000Z")
    order(conn, cid, "2026-01-10T09:30:00Z", order_id="A-1001")
    with pytest.raises(LedgerError, match="already in the log as o1"):
        manual(conn, ledger, order_id="A-1001")


def test_marks_move_the_state_and_the_money(conn: sqlite3.Connection, ledger: Ledger) -> None:
    added = manual(conn, ledger)
    assert added["ledger_state"] == "awaiting_confirmation"  # due 10 April
    confirmed = mark(conn, ledger, added["id"], "confirm", date(2026, 2, 20))
    assert (confirmed["ledger_state"], confirmed["confirmed_on"]) == ("confirmed", "2026-02-20")
    assert confirmed["expected_payout"] == "2026-03-01"
    credited = mark(conn, ledger, added["id"], "credit", date(2026, 3, 1), Decimal(123))
    assert (credited["ledger_state"], credited["credited_cashback"]) == ("credited", "123")
    assert credited["expected_payout"] == "2026-03-01"
    with pytest.raises(LedgerError, match="already credited"):
        mark(conn, ledger, added["id"], "decline", date(2026, 3, 2))


def test_decline_and_reversal(conn: sqlite3.Connection, ledger: Ledger) -> None:
    added = manual(conn, ledger)
    mark(conn, ledger, added["id"], "confirm", date(2026, 2, 1))
    declined = mark(conn, ledger, added["id"], "decline", date(2026, 2, 5))
    assert declined["ledger_state"] == "declined"
    assert declined["confirmed_on"] is None
    assert declined["expected_cashback"] == "0"
    assert declined["expected_payout"] is None
    again = mark(conn, ledger, added["id"], "confirm", date(2026, 2, 10), Decimal(100))
    assert (again["ledger_state"], again["declined_on"]) == ("confirmed", None)
    assert again["expected_cashback"] == "100"  # what the program confirmed


@pytest.mark.parametrize(
    ("action", "on", "cashback", "field"),
    [
        ("credit", date(2026, 3, 1), Decimal(5), "id"),  # not confirmed yet
        ("credit", None, None, "amount"),
        ("confirm", date(2026, 3, 11), None, "at"),  # tomorrow in Moscow
        ("confirm", date(2026, 1, 9), None, "at"),  # before the order
        ("confirm", None, Decimal(-1), "amount"),
        ("confirm", None, Decimal("1e-21"), "amount"),
    ],
)
def test_mark_refusals(
    conn: sqlite3.Connection,
    ledger: Ledger,
    action: str,
    on: date | None,
    cashback: Decimal | None,
    field: str,
) -> None:
    added = manual(conn, ledger)
    with pytest.raises(LedgerError) as refused:
        mark(conn, ledger, added["id"], action, on, cashback)  # type: ignore[arg-type]
    assert refused.value.field == field
    after = get_record(conn, ledger, added["id"])
    assert after is not None
    assert after["ledger_state"] == added["ledger_state"]


def test_a_click_without_an_order_cannot_be_marked(
    conn: sqlite3.Connection, index: PartnerIndex, ledger: Ledger
) -> None:
    cid = click(conn, index, "2026-01-10T09:00:00.000Z")
    with pytest.raises(LedgerError, match="no order"):
        mark(conn, ledger, cid, "confirm")
    with pytest.raises(LedgerError, match="no purchase"):
        mark(conn, ledger, "o999", "confirm")


def test_the_cap_is_shared_by_every_order_confirmed_that_month(
    conn: sqlite3.Connection, index: PartnerIndex, ledger: Ledger
) -> None:
    """10,000 a month for MTS, in order of confirmation, whichever page a record is on."""
    big = [
        manual(
            conn,
            ledger,
            f"BIG-{n}",
            amount=Decimal(80000),
            ordered_at=datetime(2026, 1, 5 + n, tzinfo=UTC),
        )
        for n in range(3)
    ]  # 4,000 each at 5 %
    mark(conn, ledger, big[2]["id"], "confirm", date(2026, 2, 3))
    mark(conn, ledger, big[0]["id"], "confirm", date(2026, 2, 10))
    mark(conn, ledger, big[1]["id"], "confirm", date(2026, 2, 27))
    plain = manual(conn, ledger, "PLAIN", program="plain", amount=Decimal(80000))
    mark(conn, ledger, plain["id"], "confirm", date(2026, 2, 27))  # another program's cap
    march = manual(conn, ledger, "MAR", amount=Decimal(80000))
    mark(conn, ledger, march["id"], "confirm", date(2026, 3, 1))
    paid = {
        r["order_id"]: (r["expected_cashback"], r["over_cap"])
        for r in iter_records(conn, ledger, LogFilter())
    }
    assert paid == {
        "BIG-2": ("4000", None),
        "BIG-0": ("4000", None),
        "BIG-1": ("2000", "2000"),  # crosses the cap: 2,000 over is not paid
        "PLAIN": ("2400", None),
        "MAR": ("4000", None),  # a new month
    }
    one = get_record(conn, ledger, big[1]["id"])
    assert one is not None
    assert (one["expected_cashback"], one["over_cap"]) == ("2000", "2000")
    february = ledger_totals(conn, ledger).programs[0].months["2026-02"]
    assert (february.confirmed, february.over_cap) == (Decimal(10000), Decimal(2000))


def test_filters(conn: sqlite3.Connection, index: PartnerIndex, ledger: Ledger) -> None:
    shop = click(conn, index, "2026-03-01T09:00:00.000Z")
    order(conn, shop, "2026-03-01T09:10:00Z", order_id="SHOP-1")
    ali = click(conn, index, "2026-02-01T09:00:00.000Z", "https://aliexpress.com/x")
    plain = click(conn, index, "2026-01-20T09:00:00.000Z", program="plain")
    old = manual(conn, ledger, "OLD-1", ordered_at=datetime(2025, 11, 1, tzinfo=UTC))
    mark(conn, ledger, old["id"], "confirm", date(2025, 12, 1))
    overdue = manual(conn, ledger, "LATE-1", ordered_at=datetime(2025, 11, 2, tzinfo=UTC))

    def ids(**fields: object) -> list[str]:
        return [r["id"] for r in iter_records(conn, ledger, LogFilter(**fields))]  # type: ignore[arg-type]

    shop_order = get_record(conn, ledger, shop)
    assert shop_order is not None
    assert ids(store="aliexpress") == [ali]
    assert ids(program="plain") == [plain]
    assert ids(state="clicked") == [ali, plain]
    assert ids(state="confirmed") == [old["id"]]
    assert ids(state="overdue") == [overdue["id"]]
    assert ids(state="awaiting_confirmation") == [shop_order["id"]]
    assert ids(search="shop-1") == [shop_order["id"]]  # order ids, any case
    assert ids(search="aliexpress.com") == [ali]  # target URLs
    # LIKE's wildcards are text here: as wildcards they would match every shop.example URL.
    # ("%" and "." never occur in a click id, so no random id can match either.)
    assert ids(search="shop%example") == []
    assert ids(search="s_op.") == []
    assert ids(since=datetime(2026, 1, 20, tzinfo=UTC), until=datetime(2026, 2, 2, tzinfo=UTC)) == [
        ali,
        plain,
    ]
    assert ids(store="shop", state="overdue") == [overdue["id"]]


def test_overdue_is_decided_in_the_programs_time_zone(
    conn: sqlite3.Connection, index: PartnerIndex
) -> None:
    """Due on 1 March (Moscow): on 1 March at 23:59 Moscow it is not yet overdue, a minute
    later it is, though UTC still says 1 March. The SQL first cut must keep both."""
    cid = click(conn, index, "2026-01-10T09:00:00.000Z", "https://aliexpress.com/x")
    order(conn, cid, "2026-01-10T09:00:00Z")
    for now, state in (
        ("2026-03-01T20:59:00+00:00", "awaiting_confirmation"),
        ("2026-03-01T21:00:00+00:00", "overdue"),
    ):
        ledger = Ledger(index, datetime.fromisoformat(now))
        found = [r["ledger_state"] for r in iter_records(conn, ledger, LogFilter(state=state))]  # type: ignore[arg-type]
        assert found == [state]
        other = "overdue" if state == "awaiting_confirmation" else "awaiting_confirmation"
        assert list(iter_records(conn, ledger, LogFilter(state=other))) == []  # type: ignore[arg-type]


def test_keyset_paging_visits_every_record_once(
    conn: sqlite3.Connection, index: PartnerIndex, ledger: Ledger
) -> None:
    restored = seed_purchases(conn, index, 530, start=datetime(2025, 6, 1, tzinfo=UTC))
    # Same-millisecond ties across both kinds of record.
    same = "2025-06-01T00:00:00.000Z"
    for _ in range(3):
        click(conn, index, same)
    manual(conn, ledger, "TIE", ordered_at=datetime(2025, 6, 1, tzinfo=UTC))
    everything = [r["id"] for r in iter_records(conn, ledger, LogFilter())]
    assert len(everything) == len(set(everything)) == restored.clicks + 10 + 4
    seen: list[str] = []
    before = None
    while True:
        page, before = purchase_page(conn, ledger, LogFilter(), limit=37, before=before)
        seen.extend(r["id"] for r in page)
        if before is None:
            break
    assert seen == everything
    times = [r["created_at"] or r["ordered_at"] for r in iter_records(conn, ledger, LogFilter())]
    assert times == sorted(times, reverse=True)
    # With a state filter decided in Python, pages still come out full and in order.
    confirmed = [r["id"] for r in iter_records(conn, ledger, LogFilter(state="confirmed"))]
    paged: list[str] = []
    before = None
    while True:
        page, before = purchase_page(conn, ledger, LogFilter(state="confirmed"), 7, before)
        assert len(page) == 7 or before is None
        paged.extend(r["id"] for r in page)
        if before is None:
            break
    assert paged == confirmed
    assert confirmed


def test_a_bad_cursor_is_refused(conn: sqlite3.Connection, ledger: Ledger) -> None:
    for cursor in ("x", "a|b", "a|b|c", "|" * 200):
        with pytest.raises(LedgerError):
            purchase_page(conn, ledger, LogFilter(), before=cursor)


def test_the_log_query_walks_indexes(conn: sqlite3.Connection, ledger: Ledger) -> None:
    """Newest first stays a walk down an index for the plain log and each store or program
    filter: no full sort of the clicks, however many there are."""
    from companion.ledger.orders import _conditions, _select

    for filt in (LogFilter(), LogFilter(store="shop"), LogFilter(program="mts")):
        sql = (
            _select("click", _conditions("click", filt, None))
            + " UNION ALL "
            + _select("manual", _conditions("manual", filt, None))
            + " ORDER BY sort_at DESC, sort_click DESC, sort_order DESC LIMIT 50"
        )
        plan = [
            row[3]
            for row in conn.execute(
                "EXPLAIN QUERY PLAN " + sql,
                {"store": "shop", "program": "mts", "now": "2026-01-01", "limit": 50},
            )
        ]
        # Two streams merged, each read in order from an index; only ties on the same
        # millisecond are sorted ("RIGHT PART"), never the whole table.
        assert "MERGE (UNION ALL)" in plan, plan
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
        assert any(
            step.startswith(("SCAN c USING INDEX clicks_by", "SEARCH c USING INDEX clicks_by"))
            for step in plan
        ), plan
        assert any("orders_manual_by_time" in step for step in plan), plan


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
SEARCHED = (
    "click_id",
    "partner",
    "partner_name",
    "program_name",
    "target_url",
    "landing_url",
    "order_id",
    "order_url",
)


def matches(record: dict[str, Any], term: str) -> bool:
    """What a search means: one of the searched fields holds the term, ASCII letters in any
    case (SQLite's LIKE)."""
    wanted = term.translate(_ASCII_LOWER)
    return any(
        wanted in str(record[field]).translate(_ASCII_LOWER)
        for field in SEARCHED
        if record[field] is not None
    )


def test_a_search_finds_the_records_one_of_whose_fields_holds_it(
    conn: sqlite3.Connection, index: PartnerIndex, ledger: Ledger
) -> None:
    seed_purchases(conn, index, 400, start=datetime(2025, 6, 1, tzinfo=UTC))
    # One click with two orders, only one of them matching "TWIN-A".
    twice = click(conn, index, "2026-03-01T09:00:00.000Z")
    order(conn, twice, "2026-03-01T09:10:00Z", order_id="TWIN-A")
    order(conn, twice, "2026-03-01T09:20:00Z", order_id="TWIN-B")
    landing(conn, twice, "2026-03-01T09:01:00Z")
    manual(conn, ledger, "BY-HAND-7")
    everything = list(iter_records(conn, ledger, LogFilter()))
    terms = [
        "TWIN-A", "twin", "S-1", "s-17", "77", "S-399", "by-hand", "Demo", "shop", "ALIEX",
        "aff_id=NET-3", "item/12", "c_seed0000000000000001", "trips.example", "MTS Cash",
        "Plain", "order/complete", "127.0.0.1", "zzz",
        # Across two fields (the store's name, then the program's): no one field holds it.
        "Demo Shop MTS", "shop Demo",
    ]  # fmt: skip
    for term in terms:
        found = [r["id"] for r in iter_records(conn, ledger, LogFilter(search=term))]
        assert found == [r["id"] for r in everything if matches(r, term)], term
    twins = [r["order_id"] for r in iter_records(conn, ledger, LogFilter(search="twin-a"))]
    assert twins == ["TWIN-A"]
    assert [
        r["order_id"] for r in iter_records(conn, ledger, LogFilter(search="Demo Shop MTS"))
    ] == []


def test_a_search_reads_the_clicks_text_from_their_index(
    conn: sqlite3.Connection, ledger: Ledger
) -> None:
    """A search walks the clicks down clicks_by_time_searched, whose last column is the very
    expression the query tests (else SQLite would read every click's row to compute it), with
    a store or program filter too (those are in the index as well)."""
    from companion.ledger.orders import _CLICK_TEXT, _log_sql

    (index_sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'clicks_by_time_searched'"
    ).fetchone()

    def words(sql: str) -> str:
        return " ".join(sql.replace("(", " ( ").replace(")", " ) ").split())

    assert words(_CLICK_TEXT.replace("c.", "")) in words(index_sql)
    assert (
        conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'clicks_by_time'").fetchone() is None
    )
    for filt in (
        LogFilter(search="x"),
        LogFilter(search="x", store="shop"),
        LogFilter(search="x", program="mts", state="overdue"),
    ):
        plan = [
            row[3]
            for row in conn.execute(
                "EXPLAIN QUERY PLAN " + _log_sql(filt, None),
                {"search": "%x%", "store": "shop", "program": "mts", "now": "2026-01-01"}
                | {"limit": 50},
            )
        ]
        assert any(step.startswith("SCAN c USING INDEX clicks_by_time_searched") for step in plan)
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan


def test_each_record_is_paid_its_share_of_the_cap(conn: sqlite3.Connection) -> None:
    """Each record's expected cashback is what the cap allocation over every order gives it,
    though a page works it out only for the programs with a cap and the months it shows."""
    import copy

    from companion.ledger import rules
    from companion.ledger.orders import ORDERS_SELECT, cap_shares, facts_of, offer_of

    capped = copy.deepcopy(CATALOG)
    capped["programs"][0]["monthly_cap"] = "700"
    index = use_catalog(conn, capped)
    ledger = Ledger(index, NOW)
    seed_purchases(
        conn, index, 800, start=datetime(2025, 6, 1, tzinfo=UTC), step=timedelta(hours=4)
    )
    rows = conn.execute(ORDERS_SELECT).fetchall()
    shares = cap_shares(ledger, rows)
    wanted = {}
    for row in rows:
        offer = offer_of(row["offer"])
        assessed = rules.assess(
            facts_of(row, offer),
            ledger.rules_for(row["program_id"], offer),
            ledger.now,
            shares.get(row["order_row"]),
        )
        wanted[f"o{row['order_row']}"] = (
            rules.money_text(assessed.expected_cashback),
            rules.money_text(assessed.over_cap),
        )
    records = [r for r in iter_records(conn, ledger, LogFilter()) if r["ordered_at"]]
    assert {r["id"]: (r["expected_cashback"], r["over_cap"]) for r in records} == wanted
    assert any(over for _, over in wanted.values())  # some month's cap was reached
    for record in records[::37]:
        one = get_record(conn, ledger, record["id"])
        assert one is not None
        assert (one["expected_cashback"], one["over_cap"]) == wanted[record["id"]]


def test_the_stores_in_the_log(
    conn: sqlite3.Connection, index: PartnerIndex, ledger: Ledger
) -> None:
    """What the store filter offers: the stores the log has records of (not the whole catalog),
    by name, each with the name its newest record gave."""
    from companion.ledger.orders import StoreChoices, stores_in_log

    assert stores_in_log(conn) == StoreChoices([], more=False)
    click(conn, index, "2026-01-05T09:00:00.000Z", "https://aliexpress.com/x")
    old = click(conn, index, "2026-01-01T09:00:00.000Z")
    conn.execute("UPDATE clicks SET partner_name = 'Old Name' WHERE click_id = ?", (old,))
    click(conn, index, "2026-01-02T09:00:00.000Z")
    both = [("aliexpress", "AliExpress"), ("shop", "Demo Shop")]
    assert stores_in_log(conn) == StoreChoices(both, more=False)
    manual(conn, ledger, "T-1", partner="trips", program="mts")
    assert stores_in_log(conn) == StoreChoices([*both, ("trips", "Trips")], more=False)


# Stores clicked at these days of January 2026, and one added by hand on the 7th (Trips).
_CLICKED = {"aliexpress": 5, "shop": 2, "a": 9, "b": 3, "c": 8}


@pytest.mark.parametrize(
    ("limit", "keep", "offered", "more"),
    [
        # Enough room: every store, by name.
        (6, None, ["a", "aliexpress", "b", "c", "shop", "trips"], False),
        # The newest of the clicked and the added by hand alike, by name.
        (3, None, ["a", "c", "trips"], True),
        (4, None, ["a", "aliexpress", "c", "trips"], True),
        # Fewer clicked stores than room, but not room for the one added by hand too.
        (5, None, ["a", "aliexpress", "b", "c", "trips"], True),
        # The store the filter shows is offered whatever its age, clicked or added by hand.
        (2, "shop", ["a", "c", "shop"], True),
        (1, "trips", ["a", "trips"], True),
        (2, "a", ["a", "c"], True),
        # A store the log has no record of is not made up.
        (2, "nowhere", ["a", "c"], True),
    ],
)
def test_the_store_filter_offers_the_newest_stores_when_the_log_has_many(
    conn: sqlite3.Connection,
    index: PartnerIndex,
    ledger: Ledger,
    limit: int,
    keep: str | None,
    offered: list[str],
    more: bool,
) -> None:
    """A log with a store a purchase must not put them all on every page of the log."""
    from companion.ledger.orders import stores_in_log

    for partner, day in _CLICKED.items():
        at = f"2026-01-{day:02d}T09:00:00.000Z"
        if partner == "aliexpress":
            click(conn, index, at, "https://aliexpress.com/x")
        else:
            made = click(conn, index, at)
            if partner != "shop":  # a store the catalog no longer has
                conn.execute(
                    "UPDATE clicks SET partner_id = ?, partner_name = ? WHERE click_id = ?",
                    (partner, partner.upper(), made),
                )
    manual(conn, ledger, "T-1", partner="trips", program="mts",
           ordered_at=datetime.fromisoformat("2026-01-07T12:00:00+03:00"))  # fmt: skip
    found = stores_in_log(conn, limit, keep)
    assert [partner_id for partner_id, _ in found.stores] == offered  # by name: Demo Shop, Trips
    assert found.more is more


def test_a_database_from_before_the_search_index_is_migrated(companion_home: Path) -> None:
    from companion.storage.db import _statements
    from companion.storage.migrations import MIGRATIONS

    ours = next(n for n, m in enumerate(MIGRATIONS) if "clicks_by_time_searched" in m)
    path = db_path(data_dir())
    raw = sqlite3.connect(path)
    for script in MIGRATIONS[:ours]:
        for statement in _statements(script):
            raw.execute(statement)
    raw.execute(f"PRAGMA user_version = {ours}")
    raw.execute(
        "INSERT INTO clicks (click_id, created_at, partner_id, partner_name, program_id,"
        " program_name, offer, target_url, go_url) VALUES ('c_old', '2026-01-01T00:00:00.000Z',"
        " 'shop', 'Demo Shop', 'mts', 'MTS Cashback', ?, 'https://shop.example/old-item',"
        " 'https://mts.example/go')",
        ('{"program": "mts", "currency": "RUB", "rate_percent": "5", "confirmation_days": 90}',),
    )
    raw.commit()
    raw.close()
    conn = connect(path)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "clicks_by_time_searched" in names
    assert "clicks_by_time" not in names
    ledger = Ledger(use_catalog(conn), NOW)
    assert [r["id"] for r in iter_records(conn, ledger, LogFilter(search="OLD-ITEM"))] == ["c_old"]
    conn.close()


@pytest.mark.parametrize(
    ("first", "last", "since", "until"),
    [
        # The autumn change in Berlin: the 25th of October 2026 is 25 hours long.
        (date(2026, 10, 25), date(2026, 10, 25), "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"),
        (date(2026, 10, 26), None, "2026-10-26T00:00:00+01:00", None),
        # The spring change: the 29th of March 2026 is 23 hours long.
        (date(2026, 3, 29), date(2026, 3, 29), "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"),
        (None, date(2026, 1, 31), None, "2026-02-01T00:00:00+01:00"),
    ],
)  # fmt: skip
def test_days_are_whole_on_the_days_the_clocks_change(
    monkeypatch: pytest.MonkeyPatch,
    first: date | None,
    last: date | None,
    since: str | None,
    until: str | None,
) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        found = days_between(first, last)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert tuple(None if at is None else at.isoformat() for at in found) == (since, until)
