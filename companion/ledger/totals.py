"""Sums over the whole ledger: per program and month against the cap, per store, per category.

Months: what is expected counts in the month the order was placed, what is confirmed in the
month of confirmation (the month whose cap it competes for), what is credited in the month it
arrived. Every month is the program's month (its time zone). Sums are per currency, since two
programs need not pay in the same one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from companion.ledger import rules
from companion.ledger.orders import CapEntry, Ledger, allocate_shares, offer_of, order_facts

_ZERO = timedelta(0)


@dataclass
class Sums:
    expected: Decimal = Decimal(0)
    confirmed: Decimal = Decimal(0)
    over_cap: Decimal = Decimal(0)
    credited: Decimal = Decimal(0)
    orders: int = 0


@dataclass
class ProgramTotals:
    program: str
    program_name: str
    currency: str
    monthly_cap: Decimal | None
    months: dict[str, Sums] = field(default_factory=dict)  # "2026-01" → sums

    def month(self, key: str) -> Sums:
        return self.months.setdefault(key, Sums())


@dataclass
class Totals:
    programs: list[ProgramTotals]
    # (name, currency) → sums, largest expected first.
    stores: list[tuple[str, str, Sums]]
    categories: list[tuple[str, str, Sums]]


# Every order with what its click knows, by position: this reads each of them once.
_ORDERS = """
SELECT o.id, COALESCE(c.program_id, o.program_id), COALESCE(c.program_name, o.program_name),
       COALESCE(c.partner_id, o.partner_id), COALESCE(c.partner_name, o.partner_name),
       COALESCE(c.offer, o.offer), o.ordered_at, o.amount, o.currency, o.confirmed_on,
       o.confirmed_cashback, o.credited_on, o.credited_cashback, o.declined_on
FROM orders AS o LEFT JOIN clicks AS c ON c.click_id = o.click_id
ORDER BY o.id
"""


def ledger_totals(conn: sqlite3.Connection, ledger: Ledger) -> Totals:
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples
    rows = cursor.execute(_ORDERS).fetchall()
    # First each order's facts, and the cap shares, which need every confirmed order.
    facts: list[tuple[rules.OrderFacts, rules.ProgramRules]] = []
    confirmed: list[CapEntry] = []
    for order, program_id, _, _, _, offer_text, ordered_at, *stored in rows:
        offer = offer_of(offer_text)
        program_rules = ledger.rules_for(program_id, offer)
        amount, currency, confirmed_on, confirmed_cashback, credited_on, _, declined_on = stored
        order_facts_ = order_facts(
            offer,
            ordered_at,
            amount,
            currency,
            confirmed_on,
            confirmed_cashback,
            credited_on,
            declined_on,
        )
        facts.append((order_facts_, program_rules))
        if confirmed_on is not None and declined_on is None:
            confirmed.append((order, program_id, ordered_at, order_facts_, program_rules))
    shares = allocate_shares(confirmed)

    programs: dict[str, ProgramTotals] = {}
    stores: dict[tuple[str, str], Sums] = {}
    categories: dict[tuple[str, str], Sums] = {}
    category_of: dict[str, str] = {}
    for row, (order_facts_, program_rules) in zip(rows, facts, strict=True):
        order, program_id, program_name, partner_id, partner_name = row[:5]
        credited_cashback = row[12]
        state = rules.marked_state(order_facts_)
        expected, over_cap = rules.expected_cashback(
            state, order_facts_, program_rules, shares.get(order)
        )
        credited = None if credited_cashback is None else Decimal(credited_cashback)
        totals = programs.get(program_id)
        if totals is None:
            totals = programs[program_id] = ProgramTotals(
                program=program_id,
                program_name=program_name,
                currency=program_rules.currency,
                monthly_cap=program_rules.monthly_cap,
            )
        currency = program_rules.currency
        category = category_of.get(partner_id)
        if category is None:
            category = category_of[partner_id] = ledger.category(partner_id) or "other"
        for sums in (
            _sums(stores, (partner_name, currency)),
            _sums(categories, (category, currency)),
        ):
            _add(sums, state, expected, over_cap, credited)
        placed = totals.month(_local_month(order_facts_.ordered_at, program_rules.timezone))
        placed.orders += 1
        if state != "declined":
            placed.expected += expected or 0
        if order_facts_.confirmed_on is not None and state != "declined":
            month = totals.month(order_facts_.confirmed_on.isoformat()[:7])
            month.confirmed += expected or 0
            month.over_cap += over_cap or 0
        if order_facts_.credited_on is not None and credited is not None:
            totals.month(order_facts_.credited_on.isoformat()[:7]).credited += credited
    for totals in programs.values():
        totals.months = dict(sorted(totals.months.items()))
    return Totals(
        programs=sorted(programs.values(), key=lambda p: p.program_name),
        stores=_largest_first(stores.items()),
        categories=_largest_first(categories.items()),
    )


def _sums(table: dict[tuple[str, str], Sums], key: tuple[str, str]) -> Sums:
    found = table.get(key)
    if found is None:
        found = table[key] = Sums()
    return found


def _local_month(moment: datetime, zone: str) -> str:
    """``rules.local_date(moment, zone)``'s month ("2026-01"). A zone is less than a day away
    from UTC, so a UTC time from the 2nd to the 27th of a month is in that month everywhere:
    only the days around a month's turn need the zone."""
    if moment.utcoffset() == _ZERO and 2 <= moment.day <= 27:
        return f"{moment.year:04d}-{moment.month:02d}"
    return rules.local_date(moment, zone).isoformat()[:7]


def _add(
    sums: Sums,
    state: rules.LedgerState | None,
    expected: Decimal | None,
    over_cap: Decimal | None,
    credited: Decimal | None,
) -> None:
    sums.orders += 1
    if state == "declined":
        return
    sums.expected += expected or 0
    if state in ("confirmed", "credited"):
        sums.confirmed += expected or 0
        sums.over_cap += over_cap or 0
    sums.credited += credited or 0


def _largest_first(
    items: Iterable[tuple[tuple[str, str], Sums]],
) -> list[tuple[str, str, Sums]]:
    return sorted(
        ((name, currency, sums) for (name, currency), sums in items),
        key=lambda entry: (-entry[2].expected, entry[0]),
    )


class TotalsCache:
    """The last totals made, given again while no order changed: the totals page at 100,000
    records takes about a second to make, and a shopper looks at it again and again without a
    purchase in between.

    Totals depend on the orders, the click fields an order is summed under and the catalog,
    never on the time of day (an order awaiting confirmation and an overdue one count alike).
    The database counts the writes to those (``ledger_version``, kept by triggers: migration 6),
    whichever process makes them, so the pages a shopper opens, the landings and the logins do
    not make them again. The totals given are shared: a caller only reads them.
    """

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._totals: Totals | None = None

    def totals(self, conn: sqlite3.Connection, ledger: Ledger) -> Totals:
        # Read before the orders are: a write in between makes the key older than the totals,
        # so they are made again next time, never kept past a change.
        (version,) = conn.execute("SELECT version FROM ledger_version").fetchone()
        key = (conn, ledger.index.version, version)
        if self._totals is None or key != self._key:
            self._totals = ledger_totals(conn, ledger)
            self._key = key
        return self._totals
