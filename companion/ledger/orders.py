"""The purchase ledger in the database: the log's records, orders added by hand, and the
shopper's marks (confirmed, credited, declined).

A record is a click with one of its orders (or with none yet), or an order added by hand. Its
``id`` is ``o<row>`` when it has an order and the click id when it has none; the CLI and the
dashboard take that id. Each record is the click log's record (``tracking/clicks.record_of``)
plus what the rules in ``rules.py`` make of it: the ledger state, the expected cashback, the
confirmation due date and the expected payout.

The log merges two newest-first walks, clicks (with their orders) and orders added by hand,
each down its own index, and pages by keyset (``Cursor``): the next page starts where the last
one stopped, so page 2,000 costs what page 1 does. Every filter but the time-dependent states
is plain SQL; "awaiting confirmation" and "overdue" depend on today in each program's time zone,
so SQL narrows them down with a day of margin and ``rules.py`` decides.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from companion.clock import iso, parse
from companion.diagnostics.store import checks_at_purchase
from companion.diagnostics.texts import Lang
from companion.errors import InputError
from companion.ledger import refusals, rules
from companion.ledger.limits import places, plausible
from companion.ledger.rules import Action, LedgerState, ProgramRules
from companion.storage.db import transaction
from companion.text import no_controls
from companion.tracking.clicks import record_of
from companion.tracking.matcher import PartnerIndex

ORDER_ID_PREFIX = "o"
MAX_ORDER_ID = 128
MAX_AMOUNT = Decimal("1e12")
BATCH = 200

Arm = Literal["click", "manual"]


class LedgerError(InputError):
    """A change the ledger refuses. Made with :meth:`because`, it carries a code of
    ledger/refusals.py and can say itself in the dashboard's language."""

    code: str | None = None
    values: dict[str, str] = {}  # noqa: RUF012 (read only; each refusal sets its own)

    @classmethod
    def because(cls, code: str, field: str, **values: str) -> LedgerError:
        refused = cls(refusals.worded(code, values), field)
        refused.code, refused.values = code, values
        return refused

    def in_language(self, lang: Lang) -> str:
        return self.message if self.code is None else refusals.worded(self.code, self.values, lang)


@dataclass(frozen=True)
class Ledger:
    """What the arithmetic needs besides the database: the catalog's programs and the time."""

    index: PartnerIndex
    now: datetime
    _rules: dict[str, ProgramRules] = field(default_factory=dict, compare=False, repr=False)

    def rules_for(self, program_id: str, offer: dict[str, Any]) -> ProgramRules:
        found = self._rules.get(program_id)
        if found is None:
            program = self.index.programs.get(program_id)
            if program is None:
                # The program left the catalog since: its offer snapshot still says the currency.
                return ProgramRules(currency=str(offer.get("currency") or ""))
            found = self._rules[program_id] = ProgramRules.of(program)
        return found


@dataclass(frozen=True)
class LogFilter:
    store: str | None = None
    program: str | None = None
    state: LedgerState | None = None
    since: datetime | None = None  # from this instant on
    until: datetime | None = None  # before this instant
    search: str | None = None


def days_between(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """A :class:`LogFilter`'s ``since`` and ``until`` for whole days on this machine's clock,
    ``last`` included: midnight of ``first``, and midnight after ``last``. Each midnight has its
    own offset from UTC, since a day the clocks change on is 23 or 25 hours long. The days are
    ones :func:`companion.ledger.limits.plausible` takes (the year 9999 has no day after)."""
    return (
        None if first is None else _midnight(first),
        None if last is None else _midnight(last + timedelta(days=1)),
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone()


@dataclass(frozen=True)
class Cursor:
    """Where a page stopped: the last record's time, click id ("" for a hand-added order) and
    order row (0 for a click without an order). The log's sort key, in that order."""

    at: str
    click: str
    order: int

    def text(self) -> str:
        return f"{self.at}|{self.click}|{self.order}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        parts = text.split("|")
        if len(parts) != 3 or len(text) > 128 or not _decimal_digits(parts[2]):
            raise LedgerError("not a page cursor of this log", "before")
        return cls(parts[0], parts[1], int(parts[2]))

    @classmethod
    def of(cls, record: dict[str, Any]) -> Cursor:
        click = record["click_id"] or ""
        at = record["created_at"] if click else record["ordered_at"]
        return cls(at, click, order_row(record["id"]) or 0)


def order_row(record_id: str) -> int | None:
    tail = record_id.removeprefix(ORDER_ID_PREFIX)
    if record_id.startswith(ORDER_ID_PREFIX) and _decimal_digits(tail) and len(tail) < 19:
        return int(tail)
    return None


def _decimal_digits(text: str) -> bool:
    # ASCII only: int() would also read "٣" as 3.
    return text.isascii() and text.isdigit()


def category_sql(partner_id: str) -> str:
    """SQL for the category, in the stored catalog, of the store whose id the SQL expression
    ``partner_id`` gives (NULL for one the catalog no longer has). It reads
    catalog_partners_categories alone: SQLite would pick the table's own key and read a page of
    partner records for each row."""
    # An expression of our own SQL, never a value.
    index = "catalog_partners INDEXED BY catalog_partners_categories"
    return f"(SELECT category FROM {index} WHERE id = {partner_id})"  # noqa: S608


# Each column of a record, as the click arm and the hand-added-order arm select it.
_COLUMNS: list[tuple[str, str, str]] = [
    ("sort_at", "c.created_at", "o.ordered_at"),
    ("sort_click", "c.click_id", "''"),
    ("sort_order", "COALESCE(o.id, 0)", "o.id"),
    ("click_id", "c.click_id", "NULL"),
    ("created_at", "c.created_at", "NULL"),
    ("partner_id", "c.partner_id", "o.partner_id"),
    ("partner_name", "c.partner_name", "o.partner_name"),
    ("category", category_sql("c.partner_id"), category_sql("o.partner_id")),
    ("program_id", "c.program_id", "o.program_id"),
    ("program_name", "c.program_name", "o.program_name"),
    ("offer", "c.offer", "o.offer"),
    ("target_url", "c.target_url", "NULL"),
    ("status", "c.status", "'order_placed'"),
    ("tracking", "c.tracking", "'unknown'"),
    ("followed_at", "c.followed_at", "NULL"),
    ("landed_at", "c.landed_at", "NULL"),
    ("landing_url", "c.landing_url", "NULL"),
    ("hops", "c.hops", "NULL"),
    ("tracking_evidence", "c.tracking_evidence", "NULL"),
    ("pages_seen", "c.pages_seen", "0"),
    ("cart_at", "c.cart_at", "NULL"),
    ("checkout_at", "c.checkout_at", "NULL"),
    ("order_row", "o.id", "o.id"),
    ("order_id", "o.order_id", "o.order_id"),
    ("order_amount", "o.amount", "o.amount"),
    ("order_currency", "o.currency", "o.currency"),
    ("ordered_at", "o.ordered_at", "o.ordered_at"),
    ("order_source", "o.source", "o.source"),
    ("order_url", "o.url", "o.url"),
    ("confirmed_on", "o.confirmed_on", "o.confirmed_on"),
    ("confirmed_cashback", "o.confirmed_cashback", "o.confirmed_cashback"),
    ("credited_on", "o.credited_on", "o.credited_on"),
    ("credited_cashback", "o.credited_cashback", "o.credited_cashback"),
    ("declined_on", "o.declined_on", "o.declined_on"),
]
_EXPR: dict[Arm, dict[str, str]] = {
    "click": {name: click for name, click, _ in _COLUMNS},
    "manual": {name: manual for name, _, manual in _COLUMNS},
}
_FROM: dict[Arm, str] = {
    "click": "clicks AS c LEFT JOIN orders AS o ON o.click_id = c.click_id",
    # Orders added by hand are few: walking their own index newest first beats the planner's
    # pick for a store filter (every order of the store by the unique key, then a sort).
    "manual": "orders AS o INDEXED BY orders_manual_by_time",
}
# A search tests every click it walks past, so it walks the index that holds what it tests
# (the text, the store, the program): a look at each entry there, where down clicks_by_partner or
# clicks_by_program it would read each row, and a store or program may be most of the log.
_FROM_SEARCHED = (
    "clicks AS c INDEXED BY clicks_by_time_searched"
    " LEFT JOIN orders AS o ON o.click_id = c.click_id"
)
_BASE: dict[Arm, str] = {"click": "1", "manual": "o.click_id IS NULL"}
_SEARCHED = (
    "click_id",
    "partner_id",
    "partner_name",
    "program_name",
    "target_url",
    "landing_url",
    "order_id",
    "order_url",
)
# The searched columns of the click itself in one text, exactly as the index
# clicks_by_time_searched holds it (migration 5), so that SQLite reads it from the index; and
# the clicks one of whose orders matches.
_CLICK_TEXT = (
    "(c.click_id || ' ' || c.partner_id || ' ' || c.partner_name || ' ' || c.program_name"
    " || ' ' || c.target_url || ' ' || coalesce(c.landing_url, ''))"
)
_LIKE = "LIKE :search ESCAPE '\\'"
_CLICKS_WITH_MATCHING_ORDER = (
    "SELECT m.click_id FROM orders AS m WHERE m.click_id IS NOT NULL AND"
    " (m.order_id LIKE :search ESCAPE '\\' OR m.url LIKE :search ESCAPE '\\')"
)
_UNMARKED = "o.declined_on IS NULL AND o.credited_on IS NULL AND o.confirmed_on IS NULL"
# SQL's first cut at the time-dependent states. An order becomes overdue when its program's
# day N + 1 begins, which is between N and N + 1 days after it was placed, give or take an hour
# of summer time; a day of margin on each side keeps every candidate, and rules.py decides.
_AGE = "(julianday(:now) - julianday(o.ordered_at))"
_STATE_SQL: dict[LedgerState, str] = {
    "clicked": "o.id IS NULL AND {status} = 'clicked'",
    "landed": "o.id IS NULL AND {status} != 'clicked'",
    "declined": "o.declined_on IS NOT NULL",
    "credited": "o.declined_on IS NULL AND o.credited_on IS NOT NULL",
    "confirmed": "o.declined_on IS NULL AND o.credited_on IS NULL AND o.confirmed_on IS NOT NULL",
    "awaiting_confirmation": f"o.id IS NOT NULL AND {_UNMARKED} AND {_AGE} < {{window}} + 2",
    "overdue": f"o.id IS NOT NULL AND {_UNMARKED} AND {_AGE} > {{window}} - 1",
}


def _conditions(arm: Arm, filt: LogFilter, after: Cursor | None) -> list[str]:
    """The WHERE terms of one arm. Only constants are spliced in; values are named parameters."""
    expr = _EXPR[arm]
    terms = [_BASE[arm]]
    if filt.store is not None:
        terms.append(f"{expr['partner_id']} = :store")
    if filt.program is not None:
        terms.append(f"{expr['program_id']} = :program")
    if filt.since is not None:
        terms.append(f"{expr['sort_at']} >= :since")
    if filt.until is not None:
        terms.append(f"{expr['sort_at']} < :until")
    if filt.search:
        if arm == "click":
            # A search walks the whole log when few records match. This first term lets
            # nearly every click go on what the index holds: its text matches (a superset of
            # its columns matching one by one), or one of its orders does (a probe into a set
            # made once). It needs no order row, so SQLite tests it before joining the click's
            # orders; the exact term below keeps the rows that match themselves.
            terms.append(
                f"({_CLICK_TEXT} {_LIKE} OR c.click_id IN ({_CLICKS_WITH_MATCHING_ORDER}))"
            )
        columns = [expr[name] for name in _SEARCHED if expr[name] != "NULL"]
        terms.append("(" + " OR ".join(f"{c} {_LIKE}" for c in columns) + ")")
    if filt.state is not None:
        window = f"json_extract({expr['offer']}, '$.confirmation_days')"
        terms.append(_STATE_SQL[filt.state].format(status=expr["status"], window=window))
    if after is not None:
        # The first term lets SQLite start the walk down the index at the cursor; the row
        # value breaks ties on the same millisecond exactly.
        key = f"({expr['sort_at']}, {expr['sort_click']}, {expr['sort_order']})"
        terms.append(f"{expr['sort_at']} <= :after_at")
        terms.append(f"{key} < (:after_at, :after_click, :after_order)")
    return terms


def _select(arm: Arm, terms: list[str], searched: bool = False) -> str:
    columns = ", ".join(f"{expr} AS {name}" for name, expr in _EXPR[arm].items())
    source = _FROM_SEARCHED if searched and arm == "click" else _FROM[arm]
    return f"SELECT {columns} FROM {source} WHERE {' AND '.join(terms)}"  # noqa: S608


def _log_sql(filt: LogFilter, after: Cursor | None) -> str:
    """The log's query: both arms, merged newest first."""
    return (
        _select("click", _conditions("click", filt, after), searched=bool(filt.search))
        + " UNION ALL "
        + _select("manual", _conditions("manual", filt, after))
        + " ORDER BY sort_at DESC, sort_click DESC, sort_order DESC LIMIT :limit"
    )


def _fetch(
    conn: sqlite3.Connection, ledger: Ledger, filt: LogFilter, after: Cursor | None, limit: int
) -> list[sqlite3.Row]:
    sql = _log_sql(filt, after)
    params: dict[str, Any] = {
        "store": filt.store,
        "program": filt.program,
        "since": None if filt.since is None else iso(filt.since),
        "until": None if filt.until is None else iso(filt.until),
        "search": None if not filt.search else f"%{_like_escape(filt.search)}%",
        "now": iso(ledger.now),
        "limit": limit,
        "after_at": None if after is None else after.at,
        "after_click": None if after is None else after.click,
        "after_order": None if after is None else after.order,
    }
    return conn.execute(sql, params).fetchall()


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def iter_records(
    conn: sqlite3.Connection, ledger: Ledger, filt: LogFilter, after: Cursor | None = None
) -> Iterator[dict[str, Any]]:
    """Every record the filter selects, newest first, fetched a batch at a time."""
    caps = _CapShares(conn, ledger)
    while True:
        rows = _fetch(conn, ledger, filt, after, BATCH)
        for row in rows:
            record = _record(row, ledger, caps)
            if filt.state is None or record["ledger_state"] == filt.state:
                yield record
        if len(rows) < BATCH:
            return
        last = rows[-1]
        after = Cursor(last["sort_at"], last["sort_click"], last["sort_order"])


def purchase_page(
    conn: sqlite3.Connection,
    ledger: Ledger,
    filt: LogFilter,
    limit: int = 50,
    before: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the log; the second value is the cursor of the next page, if there is one."""
    after = None if before is None else Cursor.parse(before)
    records: list[dict[str, Any]] = []
    for record in iter_records(conn, ledger, filt, after):
        if len(records) == limit:
            return records, Cursor.of(records[-1]).text()
        records.append(record)
    return records, None


def get_record(
    conn: sqlite3.Connection, ledger: Ledger, record_id: str, lang: Lang = "en"
) -> dict[str, Any] | None:
    """A record by its id; a click id that has an order gives the click's first order. Its
    checks are worded in ``lang``."""
    row_id = order_row(record_id)
    if row_id is not None:
        sql = (
            _select("click", ["o.id = :key"])
            + " UNION ALL "
            + _select("manual", [_BASE["manual"], "o.id = :key"])
        )
        key: object = row_id
    elif record_id.startswith("c_") and len(record_id) <= 64:
        sql = _select("click", ["c.click_id = :key"]) + " ORDER BY sort_order LIMIT 1"
        key = record_id
    else:
        return None
    row = conn.execute(sql, {"key": key}).fetchone()
    return None if row is None else _record(row, ledger, _CapShares(conn, ledger), lang)


# Stores the log's store filter offers at most. More are no help to pick from, and the list is
# on every page of the log: a log with a store a purchase (41,666 in the benchmark's) made the
# page 0.4 s slower and the companion 15 MiB larger.
STORE_CHOICES = 200

# The stores among the clicks: each partner id, found by skipping down clicks_by_partner from one
# id to the next (a few probes per store, however many clicks it has), with the name its newest
# click recorded. At most :most ids are walked (the last row of the walk is a NULL).
_CLICK_STORES = """
WITH RECURSIVE ids(id) AS (
    SELECT min(partner_id) FROM clicks
    UNION ALL
    SELECT (SELECT min(partner_id) FROM clicks WHERE partner_id > ids.id) FROM ids
    WHERE ids.id IS NOT NULL
    LIMIT :most
)
SELECT id, (SELECT partner_name FROM clicks WHERE partner_id = ids.id
            ORDER BY created_at DESC, click_id DESC LIMIT 1) AS name,
       (SELECT max(created_at) FROM clicks WHERE partner_id = ids.id) AS at
FROM ids WHERE id IS NOT NULL
"""
# The clicks newest first (clicks_by_time_searched): the first of a store's is its newest.
_CLICKS_NEWEST_FIRST = """
SELECT partner_id AS id, partner_name AS name, created_at AS at FROM clicks
ORDER BY created_at DESC, click_id DESC
"""
# A store's newest click.
_CLICK_STORE = """
SELECT partner_id AS id, partner_name AS name, created_at AS at FROM clicks
WHERE partner_id = ? ORDER BY created_at DESC, click_id DESC LIMIT 1
"""
# The stores of orders added by hand (those the trailing condition picks), with the name of the
# newest (SQLite takes the bare column from the row that max() picks).
_MANUAL_STORES = """
SELECT partner_id AS id, partner_name AS name, max(ordered_at) AS at
FROM orders WHERE click_id IS NULL {} GROUP BY partner_id
"""


@dataclass(frozen=True)
class StoreChoices:
    """What the log's store filter offers."""

    # (partner id, name), by name. The name is the one the newest record gave (a store may
    # have been renamed).
    stores: list[tuple[str, str]]
    # Whether the log has other stores: then these are the ones with the newest records.
    more: bool


def stores_in_log(
    conn: sqlite3.Connection, limit: int = STORE_CHOICES, keep: str | None = None
) -> StoreChoices:
    """The stores the log has records of, at most ``limit``, and ``keep`` (the store the filter
    shows) whatever its age if the log has it."""
    newest: dict[str, tuple[str, str]] = {}

    def take(rows: Iterable[sqlite3.Row]) -> None:
        for row in rows:
            known = newest.get(row["id"])
            if known is None or row["at"] > known[0]:
                newest[row["id"]] = (row["at"], row["name"])

    clicked = conn.execute(_CLICK_STORES, {"most": limit + 2}).fetchall()
    more = len(clicked) > limit
    if more:
        # The ``limit`` stores clicked last, by walking the clicks back from the newest: the
        # stores clicked before them cannot be among the ``limit`` newest.
        clicked = []
        seen: set[str] = set()
        for row in conn.execute(_CLICKS_NEWEST_FIRST):
            if row["id"] not in seen:
                seen.add(row["id"])
                clicked.append(row)
                if len(clicked) == limit:
                    break
    take(clicked)
    take(conn.execute(_MANUAL_STORES.format("")))
    more = more or len(newest) > limit
    chosen = dict(sorted(newest.items(), key=lambda item: item[1][0], reverse=True)[:limit])
    if keep is not None and keep not in chosen:
        newest.clear()
        take(conn.execute(_CLICK_STORE, (keep,)))
        take(conn.execute(_MANUAL_STORES.format("AND partner_id = ?"), (keep,)))
        chosen.update(newest)
    return StoreChoices(
        sorted(
            ((partner_id, name) for partner_id, (_, name) in chosen.items()),
            key=lambda store: (store[1].casefold(), store[0]),
        ),
        more,
    )


# Every order with what its click knows, for the arithmetic over many orders at once.
ORDERS_SELECT = """
SELECT o.id AS order_row, o.click_id AS click_id,
       COALESCE(c.partner_id, o.partner_id) AS partner_id,
       COALESCE(c.partner_name, o.partner_name) AS partner_name,
       COALESCE(c.program_id, o.program_id) AS program_id,
       COALESCE(c.program_name, o.program_name) AS program_name,
       COALESCE(c.offer, o.offer) AS offer,
       o.order_id, o.amount AS order_amount, o.currency AS order_currency, o.ordered_at,
       o.confirmed_on, o.confirmed_cashback, o.credited_on, o.credited_cashback, o.declined_on
FROM orders AS o LEFT JOIN clicks AS c ON c.click_id = o.click_id
"""


@lru_cache(maxsize=256)
def offer_of(snapshot: str) -> dict[str, Any]:
    """A stored offer snapshot, parsed once: thousands of orders share a handful of them (a
    shopper's stores and programs; 1,024 kept took 0.7 MiB in a log of 41,666 stores, where
    few are met twice anyway). Shared between callers, so never changed."""
    parsed: dict[str, Any] = json.loads(snapshot)
    return parsed


def facts_of(row: sqlite3.Row, offer: dict[str, Any]) -> rules.OrderFacts:
    return order_facts(
        offer,
        row["ordered_at"],
        row["order_amount"],
        row["order_currency"],
        row["confirmed_on"],
        row["confirmed_cashback"],
        row["credited_on"],
        row["declined_on"],
    )


def order_facts(
    offer: dict[str, Any],
    ordered_at: str,
    amount: str | None,
    currency: str | None,
    confirmed_on: str | None,
    confirmed_cashback: str | None,
    credited_on: str | None,
    declined_on: str | None,
) -> rules.OrderFacts:
    """An order's facts from its stored columns and its offer snapshot."""
    return rules.OrderFacts(
        ordered_at=parse(ordered_at),
        amount=_decimal(amount),
        currency=currency,
        rate_percent=_decimal(offer.get("rate_percent")),
        fixed_amount=_decimal(offer.get("fixed_amount")),
        window_days=int(offer["confirmation_days"]),
        confirmed_on=_date(confirmed_on),
        confirmed_cashback=_decimal(confirmed_cashback),
        credited_on=_date(credited_on),
        declined_on=_date(declined_on),
    )


# An order confirmed and not declined, as the cap sees it: its row, program, time of order
# (the tiebreak within a day), facts and program rules.
CapEntry = tuple[int, str, str, rules.OrderFacts, ProgramRules]


def cap_shares(ledger: Ledger, rows: list[sqlite3.Row]) -> dict[int, Decimal]:
    """Each confirmed order's share of its month's cap, program by program."""
    entries: list[CapEntry] = []
    for row in rows:
        if row["confirmed_on"] is None or row["declined_on"] is not None:
            continue
        offer = offer_of(row["offer"])
        program_rules = ledger.rules_for(row["program_id"], offer)
        facts = facts_of(row, offer)
        entries.append(
            (row["order_row"], row["program_id"], row["ordered_at"], facts, program_rules)
        )
    return allocate_shares(entries)


def allocate_shares(confirmed: list[CapEntry]) -> dict[int, Decimal]:
    """Each order's share of its month's cap, program by program (see :data:`CapEntry`)."""
    competing: dict[str, list[rules.Confirmed]] = {}
    caps: dict[str, Decimal | None] = {}
    for order, program_id, ordered_at, facts, program_rules in confirmed:
        basis = rules.cap_basis(facts, program_rules)
        if basis is None or facts.confirmed_on is None:
            continue
        caps[program_id] = program_rules.monthly_cap
        competing.setdefault(program_id, []).append(
            rules.Confirmed(
                key=order,
                confirmed_on=facts.confirmed_on,
                tiebreak=(ordered_at, order),
                cashback=basis,
            )
        )
    shares: dict[int, Decimal] = {}
    for program_id, entries in competing.items():
        shares.update(rules.allocate_cap(entries, caps[program_id]))
    return shares


class _CapShares:
    """Each confirmed order's share of its month's cap. Without a cap an order is paid its whole
    basis (what :func:`rules.allocate_cap` pays it); with one, a program's month of
    confirmations is loaded when a record first needs it."""

    def __init__(self, conn: sqlite3.Connection, ledger: Ledger) -> None:
        self.conn = conn
        self.ledger = ledger
        self.months: dict[tuple[str, str], dict[int, Decimal]] = {}

    def share(
        self,
        order: int,
        confirmed_on: str,
        program_id: str,
        facts: rules.OrderFacts,
        program_rules: ProgramRules,
    ) -> Decimal | None:
        if program_rules.monthly_cap is None:
            return rules.cap_basis(facts, program_rules)
        key = (confirmed_on[:7], program_id)
        if key not in self.months:
            first = date.fromisoformat(f"{key[0]}-01")
            following = rules.payout_date(first, 1)
            cursor = self.conn.cursor()
            cursor.row_factory = None  # plain tuples: a month may hold thousands
            entries: list[CapEntry] = []
            for (
                row,
                ordered_at,
                amount,
                currency,
                confirmed,
                cashback,
                credited_on,
                text,
            ) in cursor.execute(_CAP_MONTH, (first.isoformat(), following.isoformat(), program_id)):
                offer = offer_of(text)
                entries.append(
                    (
                        row,
                        program_id,
                        ordered_at,
                        order_facts(
                            offer,
                            ordered_at,
                            amount,
                            currency,
                            confirmed,
                            cashback,
                            credited_on,
                            None,
                        ),
                        self.ledger.rules_for(program_id, offer),
                    )
                )
            self.months[key] = allocate_shares(entries)
        return self.months[key].get(order)


# One program's orders confirmed in one month and not declined: what competes for its cap.
_CAP_MONTH = """
SELECT o.id, o.ordered_at, o.amount, o.currency, o.confirmed_on, o.confirmed_cashback,
       o.credited_on, COALESCE(c.offer, o.offer)
FROM orders AS o LEFT JOIN clicks AS c ON c.click_id = o.click_id
WHERE o.confirmed_on >= ? AND o.confirmed_on < ? AND o.declined_on IS NULL
  AND COALESCE(c.program_id, o.program_id) = ?
"""


def _record(
    row: sqlite3.Row, ledger: Ledger, caps: _CapShares, lang: Lang = "en"
) -> dict[str, Any]:
    offer = offer_of(row["offer"])
    program_rules = ledger.rules_for(row["program_id"], offer)
    order = row["order_row"]
    record = record_of(row)
    # The tracking checks as they stood when the order was placed (manual orders have none).
    checks_verdict, checks = (
        checks_at_purchase(caps.conn, row["click_id"], row["ordered_at"], lang)
        if row["click_id"] is not None
        else (None, [])
    )
    record.update(
        id=row["click_id"] if order is None else f"{ORDER_ID_PREFIX}{order}",
        category=row["category"],
        order_url=row["order_url"],
        checks_verdict=checks_verdict,
        checks=checks,
        timezone=program_rules.timezone,
        cashback_currency=program_rules.currency,
        confirmation_days=offer.get("confirmation_days"),
        confirmed_on=row["confirmed_on"],
        confirmed_cashback=row["confirmed_cashback"],
        credited_on=row["credited_on"],
        credited_cashback=row["credited_cashback"],
        declined_on=row["declined_on"],
    )
    if order is None:
        record.update(
            ledger_state=rules.click_state(row["status"]),
            expected_cashback=None,
            over_cap=None,
            confirmation_due=None,
            expected_payout=None,
        )
        return record
    facts = facts_of(row, offer)
    confirmed = row["confirmed_on"] is not None and row["declined_on"] is None
    share = (
        caps.share(order, row["confirmed_on"], row["program_id"], facts, program_rules)
        if confirmed
        else None
    )
    assessed = rules.assess(facts, program_rules, ledger.now, share)
    record.update(
        ledger_state=assessed.state,
        expected_cashback=rules.money_text(assessed.expected_cashback),
        over_cap=rules.money_text(assessed.over_cap),
        confirmation_due=assessed.confirmation_due.isoformat(),
        expected_payout=_date_text(assessed.expected_payout),
    )
    return record


def add_order(
    conn: sqlite3.Connection,
    ledger: Ledger,
    *,
    partner: str,
    program: str,
    amount: Decimal,
    currency: str,
    ordered_at: datetime,
    order_id: str,
) -> dict[str, Any]:
    """Record an order the extension could not see (an app, a shop with a receipt)."""
    found = ledger.index.partner(partner)
    if found is None:
        raise LedgerError(f"no partner {partner!r} in the catalog", "partner")
    offer = next((v for v in ledger.index.offers(partner) if v.program == program), None)
    if offer is None:
        raise LedgerError(f"{found.name} has no offer from program {program!r}", "program")
    if not amount.is_finite() or not Decimal(0) < amount <= MAX_AMOUNT:
        raise LedgerError("must be a positive amount of at most 10^12", "amount")
    _within(places, amount, "amount")
    if len(currency) != 3 or not currency.isascii() or not currency.isupper():
        raise LedgerError("must be a three-letter code such as RUB", "currency")
    if ordered_at.tzinfo is None:
        raise LedgerError("needs a time zone, e.g. 2026-01-10T12:00:00+03:00", "ordered_at")
    if ordered_at > ledger.now:
        raise LedgerError("is in the future", "ordered_at")
    _within(plausible, ordered_at.date(), "ordered_at")
    order_id = order_id.strip()
    if not 0 < len(order_id) <= MAX_ORDER_ID:
        raise LedgerError(f"must be 1 to {MAX_ORDER_ID} characters", "order_id")
    # As the events and a backup refuse them: a tab pasted from a spreadsheet, or an invisible
    # direction mark copied from a page, would make a backup that does not import.
    _within(no_controls, order_id, "order_id")
    with transaction(conn):
        existing = conn.execute(
            "SELECT id FROM orders WHERE partner_id = ? AND order_key = ?", (partner, order_id)
        ).fetchone()
        if existing is not None:
            raise LedgerError(
                f"order {order_id!r} of {found.name} is already in the log as "
                f"{ORDER_ID_PREFIX}{existing['id']}",
                "order_id",
            )
        cursor = conn.execute(
            "INSERT INTO orders (partner_id, order_key, click_id, order_id, amount, currency,"
            " ordered_at, source, program_id, partner_name, program_name, offer)"
            " VALUES (?, ?, NULL, ?, ?, ?, ?, 'manual', ?, ?, ?, ?)",
            (
                partner,
                order_id,
                order_id,
                format(amount, "f"),
                currency,
                iso(ordered_at),
                program,
                found.name,
                offer.program_name,
                json.dumps(offer.to_json()),
            ),
        )
    record = get_record(conn, ledger, f"{ORDER_ID_PREFIX}{cursor.lastrowid}")
    assert record is not None
    return record


def mark(
    conn: sqlite3.Connection,
    ledger: Ledger,
    record_id: str,
    action: Action,
    on: date | None = None,
    cashback: Decimal | None = None,
) -> dict[str, Any]:
    """Mark a purchase confirmed, credited or declined on ``on`` (default: the program's today).

    ``cashback`` is what the program confirmed or credited, when the shopper gives it; a
    confirmation without one keeps the sum an earlier confirmation gave.
    Confirming clears a decline and declining clears a confirmation: a state is one of them.
    """
    if cashback is not None and (not cashback.is_finite() or not 0 <= cashback <= MAX_AMOUNT):
        raise LedgerError.because("amount_range", "amount")
    if cashback is not None:
        try:
            places(cashback)
        except ValueError:
            raise LedgerError.because("too_precise", "amount") from None
    if action == "credit" and cashback is None:
        raise LedgerError.because("say_credited", "amount")
    with transaction(conn):
        record = get_record(conn, ledger, record_id)
        if record is None:
            raise LedgerError.because("no_purchase", "id", record=repr(record_id))
        zone = record["timezone"]
        today = rules.local_date(ledger.now, zone)
        day = today if on is None else on
        row = order_row(record["id"])
        facts = None
        if row is not None:
            facts = facts_of(
                conn.execute(ORDERS_SELECT + " WHERE o.id = ?", (row,)).fetchone(),
                record["offer"],
            )
        refused = rules.refusal(action, record["ledger_state"], facts, day, today, zone)
        if refused is not None:
            field, code, values = refused
            raise LedgerError.because(code, field, **values)
        amount = None if cashback is None else format(cashback, "f")
        if action == "confirm":
            # Confirmed again without a sum (to put the day right): the sum stays. A decline
            # cleared it, so a confirmation after one starts from the rate.
            conn.execute(
                "UPDATE orders SET confirmed_on = ?,"
                " confirmed_cashback = COALESCE(?, confirmed_cashback), declined_on = NULL"
                " WHERE id = ?",
                (day.isoformat(), amount, row),
            )
        elif action == "credit":
            conn.execute(
                "UPDATE orders SET credited_on = ?, credited_cashback = ? WHERE id = ?",
                (day.isoformat(), amount, row),
            )
        else:
            conn.execute(
                "UPDATE orders SET declined_on = ?, confirmed_on = NULL,"
                " confirmed_cashback = NULL WHERE id = ?",
                (day.isoformat(), row),
            )
    updated = get_record(conn, ledger, record["id"])
    assert updated is not None
    return updated


def _within(check: Callable[[Any], object], value: object, field: str) -> None:
    """A limit of ledger/limits.py as a LedgerError naming ``field``."""
    try:
        check(value)
    except ValueError as exc:
        raise LedgerError(str(exc), field) from exc


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _date_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
