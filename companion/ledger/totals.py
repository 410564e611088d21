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
from decimal import Decimal

from companion.ledger import rules
from companion.ledger.orders import ORDERS_SELECT, Ledger, cap_shares, facts_of, offer_of


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


def ledger_totals(conn: sqlite3.Connection, ledger: Ledger) -> Totals:
    rows = conn.execute(ORDERS_SELECT).fetchall()
    shares = cap_shares(ledger, rows)
    programs: dict[str, ProgramTotals] = {}
    stores: dict[tuple[str, str], Sums] = {}
    categories: dict[tuple[str, str], Sums] = {}
    for row in rows:
        offer = offer_of(row["offer"])
        program_rules = ledger.rules_for(row["program_id"], offer)
        facts = facts_of(row, offer)
        assessed = rules.assess(facts, program_rules, ledger.now, shares.get(row["order_row"]))
        credited = None if row["credited_cashback"] is None else Decimal(row["credited_cashback"])
        if row["program_id"] not in programs:
            programs[row["program_id"]] = ProgramTotals(
                program=row["program_id"],
                program_name=row["program_name"],
                currency=program_rules.currency,
                monthly_cap=program_rules.monthly_cap,
            )
        totals = programs[row["program_id"]]
        currency = program_rules.currency
        category = ledger.category(row["partner_id"]) or "other"
        for sums in (
            stores.setdefault((row["partner_name"], currency), Sums()),
            categories.setdefault((category, currency), Sums()),
        ):
            _add(sums, assessed, credited)
        ordered_month = rules.local_date(facts.ordered_at, program_rules.timezone).isoformat()[:7]
        placed = totals.month(ordered_month)
        placed.orders += 1
        if assessed.state != "declined":
            placed.expected += assessed.expected_cashback or 0
        if facts.confirmed_on is not None and assessed.state != "declined":
            confirmed = totals.month(facts.confirmed_on.isoformat()[:7])
            confirmed.confirmed += assessed.expected_cashback or 0
            confirmed.over_cap += assessed.over_cap or 0
        if facts.credited_on is not None and credited is not None:
            totals.month(facts.credited_on.isoformat()[:7]).credited += credited
    for totals in programs.values():
        totals.months = dict(sorted(totals.months.items()))
    return Totals(
        programs=sorted(programs.values(), key=lambda p: p.program_name),
        stores=_largest_first(stores.items()),
        categories=_largest_first(categories.items()),
    )


def _add(sums: Sums, assessed: rules.Assessment, credited: Decimal | None) -> None:
    sums.orders += 1
    if assessed.state == "declined":
        return
    sums.expected += assessed.expected_cashback or 0
    if assessed.state in ("confirmed", "credited"):
        sums.confirmed += assessed.expected_cashback or 0
        sums.over_cap += assessed.over_cap or 0
    sums.credited += credited or 0


def _largest_first(
    items: Iterable[tuple[tuple[str, str], Sums]],
) -> list[tuple[str, str, Sums]]:
    return sorted(
        ((name, currency, sums) for (name, currency), sums in items),
        key=lambda entry: (-entry[2].expected, entry[0]),
    )
