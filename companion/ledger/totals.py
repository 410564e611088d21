"""Sums over the whole ledger: per program and month against the cap, per store, per category.

Months: what is expected counts in the month the order was placed, what is confirmed in the
month of confirmation (the month whose cap it competes for), what is credited in the month it
arrived. Every month is the program's month (its time zone). Sums are per currency, since two
programs need not pay in the same one.

Each order's part of the sums (:class:`_Part`) is worked out on its own, but for the cap: the
orders a capped program confirmed in one month share it, so they are worked out together
(:func:`_parts`). :class:`Book` holds every order's part and the sums they add up to, and takes
an order's old part out before it adds the new one, so :class:`TotalsCache` works out again only
the orders written since the last visit (and the others of their capped months). Decimal sums
are exact, so taking a part out leaves what the other parts add up to.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Collection, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Context, Decimal, localcontext
from itertools import islice
from typing import NamedTuple, TypeVar, cast

from companion.ledger import rules
from companion.ledger.orders import Ledger, offer_of, order_facts

_ZERO = timedelta(0)
# Digits enough for any sum of the ledger's amounts (at most 13 before the point and 20 after,
# companion/ledger/limits.py) over millions of orders.
_EXACT = Context(prec=64)
# Orders read in one statement when only some are wanted (SQLite's limit on parameters is 32,766).
_CHUNK = 500
# Orders worked out at a time (see Book.update).
_BATCH = 2_000


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


@dataclass
class Totals:
    programs: list[ProgramTotals]
    # (name, currency) → sums, largest expected first.
    stores: list[tuple[str, str, Sums]]
    categories: list[tuple[str, str, Sums]]


# Every order with what its click knows. The trailing condition is left for the caller: all
# orders, or those of some rows.
_ORDERS = """
SELECT o.id, COALESCE(c.program_id, o.program_id), COALESCE(c.program_name, o.program_name),
       COALESCE(c.partner_id, o.partner_id), COALESCE(c.partner_name, o.partner_name),
       COALESCE(c.offer, o.offer), o.ordered_at, o.amount, o.currency, o.confirmed_on,
       o.confirmed_cashback, o.credited_on, o.credited_cashback, o.declined_on
FROM orders AS o LEFT JOIN clicks AS c ON c.click_id = o.click_id
"""

# A capped program's month of confirmations: (program id, (year, month)).
CapMonth = tuple[str, tuple[int, int]]
_Key = TypeVar("_Key", bound=Hashable)


class _Part(NamedTuple):
    """One order's part of the sums."""

    program: str
    # What the program's line is headed with, taken from its lowest-numbered order.
    program_name: str
    currency: str
    monthly_cap: Decimal | None
    store: tuple[str, str]
    category: tuple[str, str]
    state: rules.LedgerState | None
    expected: Decimal | None
    over_cap: Decimal | None
    credited: Decimal | None
    placed_month: str
    confirmed_month: str | None
    credited_month: str | None
    # The capped month whose cap this part has a share of, if any, and the share.
    cap_month: CapMonth | None
    share: Decimal | None


class _Same:
    """One copy of each name, month and key the parts hold: 50,000 orders name a few hundred
    stores and months, and a copy of each for each order took half of a book's memory."""

    def __init__(self) -> None:
        self._kept: dict[Hashable, Hashable] = {}

    def one(self, value: _Key) -> _Key:
        return cast(_Key, self._kept.setdefault(value, value))


class _Read(NamedTuple):
    """An order as read, with its facts and its program's rules worked out."""

    order: int
    row: tuple[object, ...]
    facts: rules.OrderFacts
    rules: rules.ProgramRules
    # For an order confirmed in a capped program: its month, and how it competes for the cap.
    cap_month: CapMonth | None
    competing: rules.Confirmed | None
    basis: Decimal | None


def _read(rows: Iterable[tuple[object, ...]], ledger: Ledger, same: _Same) -> Iterator[_Read]:
    for row in rows:
        order, program_id, _, _, _, offer_text, ordered_at, *stored = row
        amount, currency, confirmed_on, confirmed_cashback, credited_on, _, declined_on = stored
        offer = offer_of(str(offer_text))
        program_rules = ledger.rules_for(str(program_id), offer)
        facts = order_facts(
            offer,
            str(ordered_at),
            _text(amount),
            _text(currency),
            _text(confirmed_on),
            _text(confirmed_cashback),
            _text(credited_on),
            _text(declined_on),
        )
        basis = rules.cap_basis(facts, program_rules)
        number = cast(int, order)
        cap_month: CapMonth | None = None
        competing: rules.Confirmed | None = None
        if (
            program_rules.monthly_cap is not None
            and facts.confirmed_on is not None
            and facts.declined_on is None
            and basis is not None
        ):
            month = (facts.confirmed_on.year, facts.confirmed_on.month)
            cap_month = same.one((same.one(str(program_id)), month))
            competing = rules.Confirmed(
                key=number,
                confirmed_on=facts.confirmed_on,
                tiebreak=(str(ordered_at), number),
                cashback=basis,
            )
        yield _Read(number, row, facts, program_rules, cap_month, competing, basis)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _parts(read: Iterable[_Read], ledger: Ledger, same: _Same) -> dict[int, _Part]:
    """The parts of ``read``. A capped order's share of its month's cap is not known yet: its
    part counts it whole, and :meth:`Book.update` gives it its share."""
    categories: dict[str, str] = {}
    parts: dict[int, _Part] = {}
    for entry in read:
        _, program_id, program_name, partner_id, partner_name = entry.row[:5]
        credited_text = entry.row[12]
        facts, program_rules = entry.facts, entry.rules
        state = rules.marked_state(facts)
        # Uncapped, a confirmed order is paid its whole basis: the share allocate_cap gives it.
        share = None if entry.cap_month is not None else entry.basis
        expected, over_cap = rules.expected_cashback(state, facts, program_rules, share)
        credited = None if credited_text is None else Decimal(str(credited_text))
        currency = program_rules.currency
        category = categories.get(str(partner_id))
        if category is None:
            category = categories[str(partner_id)] = ledger.category(str(partner_id)) or "other"
        parts[entry.order] = _Part(
            program=same.one(str(program_id)),
            program_name=same.one(str(program_name)),
            currency=currency,
            monthly_cap=program_rules.monthly_cap,
            store=same.one((same.one(str(partner_name)), currency)),
            category=same.one((category, currency)),
            state=state,
            expected=expected,
            over_cap=over_cap,
            credited=credited,
            placed_month=same.one(_local_month(facts.ordered_at, program_rules.timezone)),
            confirmed_month=(
                same.one(facts.confirmed_on.isoformat()[:7])
                if facts.confirmed_on is not None and state != "declined"
                else None
            ),
            credited_month=(
                same.one(facts.credited_on.isoformat()[:7])
                if facts.credited_on is not None and credited is not None
                else None
            ),
            cap_month=entry.cap_month,
            share=None,
        )
    return parts


def _local_month(moment: datetime, zone: str) -> str:
    """``rules.local_date(moment, zone)``'s month ("2026-01"). A zone is less than a day away
    from UTC, so a UTC time from the 2nd to the 27th of a month is in that month everywhere:
    only the days around a month's turn need the zone."""
    if moment.utcoffset() == _ZERO and 2 <= moment.day <= 27:
        return f"{moment.year:04d}-{moment.month:02d}"
    return rules.local_date(moment, zone).isoformat()[:7]


@dataclass
class _Month:
    sums: Sums = field(default_factory=Sums)
    # How many parts add to this month: it is gone with the last, whatever its sums.
    parts: int = 0


@dataclass
class _Program:
    # The lowest-numbered order's part, which heads the program's line.
    head: tuple[int, _Part]
    parts: int = 0
    months: dict[str, _Month] = field(default_factory=dict)


class Book:
    """Every order's part of the sums, and the sums, kept up to date one order at a time."""

    def __init__(self) -> None:
        self.parts: dict[int, _Part] = {}
        # The orders that share each capped month, as they compete for it, and each capped
        # program's cap: a change to one order of a month moves the others' shares.
        self.cap_months: dict[CapMonth, dict[int, rules.Confirmed]] = {}
        self._caps: dict[str, Decimal | None] = {}
        self._programs: dict[str, _Program] = {}
        self._stores: dict[tuple[str, str], Sums] = {}
        self._categories: dict[tuple[str, str], Sums] = {}
        self._same = _Same()

    @classmethod
    def of(cls, conn: sqlite3.Connection, ledger: Ledger) -> Book:
        """A book of every order in the database."""
        book = cls()
        book.update(conn, ledger, None)
        return book

    def update(
        self, conn: sqlite3.Connection, ledger: Ledger, orders: Collection[int] | None
    ) -> None:
        """Work out again ``orders`` (every order for ``None``), as the database has them now:
        an order no longer there is taken out. The other orders of a capped month one of them
        was or is in get their new share of its cap."""
        # Exact, whatever the amounts: the default 28 digits would round a sum of a trillion
        # with twenty decimals, and then taking a part out would not leave the others' sum.
        with localcontext(_EXACT):
            self._update(conn, ledger, orders)

    def _update(
        self, conn: sqlite3.Connection, ledger: Ledger, orders: Collection[int] | None
    ) -> None:
        moved: set[CapMonth] = set()
        for order in list(self.parts) if orders is None else orders:
            old = self._take(order)
            if old is not None and old.cap_month is not None:
                moved.add(old.cap_month)
        # A few thousand orders at a time: what is worked out of each is let go before the
        # next, so the parts kept are not strewn among a whole ledger's leftovers, which the
        # process would hold on to (110 MiB where the parts take 30 at 50,000 orders).
        rows = _rows(conn, orders)
        while read := list(_read(islice(rows, _BATCH), ledger, self._same)):
            for entry in read:
                if entry.cap_month is not None and entry.competing is not None:
                    self.cap_months.setdefault(entry.cap_month, {})[entry.order] = entry.competing
                    self._caps[entry.cap_month[0]] = entry.rules.monthly_cap
                    moved.add(entry.cap_month)
            for order, part in _parts(read, ledger, self._same).items():
                self._put(order, part)
        # Then each capped month the orders were or are in shares its cap out again.
        for month in moved:
            competing = self.cap_months.get(month)
            if not competing:
                continue
            for order, share in rules.allocate_cap(
                competing.values(), self._caps[month[0]]
            ).items():
                part = self.parts[order]
                if part.share != share:
                    expected, over_cap = rules.paid_of(competing[order].cashback, share)
                    self._take(order, keep_cap=True)
                    self._put(
                        order, part._replace(expected=expected, over_cap=over_cap, share=share)
                    )

    def _put(self, order: int, part: _Part) -> None:
        """Add an order's part; its cap month (``update``) already lists it."""
        self.parts[order] = part
        program = self._programs.get(part.program)
        if program is None:
            program = self._programs[part.program] = _Program(head=(order, part))
        elif order <= program.head[0]:
            program.head = (order, part)
        program.parts += 1
        self._count(part, 1)

    def _take(self, order: int, keep_cap: bool = False) -> _Part | None:
        """Take an order's part out, and out of its cap month unless ``keep_cap``; the part,
        if it had one."""
        part = self.parts.pop(order, None)
        if part is None:
            return None
        if part.cap_month is not None and not keep_cap:
            sharing = self.cap_months[part.cap_month]
            del sharing[order]
            if not sharing:
                del self.cap_months[part.cap_month]
        self._count(part, -1)
        program = self._programs[part.program]
        program.parts -= 1
        if not program.parts:
            del self._programs[part.program]
        elif program.head[0] == order:
            # Rare (an order removed, or moved to another program): find the next lowest.
            program.head = min((o, p) for o, p in self.parts.items() if p.program == part.program)
        return part

    def _count(self, part: _Part, sign: int) -> None:
        """Add a part to the sums (``sign`` 1), or take it out (-1)."""
        for table, key in ((self._stores, part.store), (self._categories, part.category)):
            sums = table.get(key)
            if sums is None:
                sums = table[key] = Sums()
            _add(sums, part, sign)
            if not sums.orders:
                del table[key]
        program = self._programs[part.program]
        placed = self._month(program, part.placed_month, sign)
        placed.orders += sign
        if part.state != "declined":
            placed.expected += sign * (part.expected or 0)
        if part.confirmed_month is not None:
            confirmed = self._month(program, part.confirmed_month, sign)
            confirmed.confirmed += sign * (part.expected or 0)
            confirmed.over_cap += sign * (part.over_cap or 0)
        if part.credited_month is not None and part.credited is not None:
            self._month(program, part.credited_month, sign).credited += sign * part.credited

    @staticmethod
    def _month(program: _Program, key: str, sign: int) -> Sums:
        month = program.months.get(key)
        if month is None:
            month = program.months[key] = _Month()
        month.parts += sign
        if not month.parts:
            del program.months[key]
        return month.sums

    def totals(self) -> Totals:
        """The sums as they stand, copied: the book goes on changing, the page it made not."""
        programs = []
        for program_id, program in self._programs.items():
            head = program.head[1]
            programs.append(
                ProgramTotals(
                    program=program_id,
                    program_name=head.program_name,
                    currency=head.currency,
                    monthly_cap=head.monthly_cap,
                    months={
                        key: dataclasses.replace(month.sums)
                        for key, month in sorted(program.months.items())
                    },
                )
            )
        return Totals(
            programs=sorted(programs, key=lambda p: p.program_name),
            stores=_largest_first(self._stores.items()),
            categories=_largest_first(self._categories.items()),
        )


def _rows(conn: sqlite3.Connection, orders: Collection[int] | None) -> Iterator[tuple[object, ...]]:
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples
    if orders is None:
        yield from cursor.execute(_ORDERS + "ORDER BY o.id")
        return
    wanted = sorted(orders)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        yield from cursor.execute(_ORDERS + f"WHERE o.id IN ({marks})", chunk)


def _add(sums: Sums, part: _Part, sign: int) -> None:
    sums.orders += sign
    if part.state == "declined":
        return
    sums.expected += sign * (part.expected or 0)
    if part.state in ("confirmed", "credited"):
        sums.confirmed += sign * (part.expected or 0)
        sums.over_cap += sign * (part.over_cap or 0)
    sums.credited += sign * (part.credited or 0)


def _largest_first(
    items: Iterable[tuple[tuple[str, str], Sums]],
) -> list[tuple[str, str, Sums]]:
    return sorted(
        ((name, currency, dataclasses.replace(sums)) for (name, currency), sums in items),
        key=lambda entry: (-entry[2].expected, entry[0]),
    )


def ledger_totals(conn: sqlite3.Connection, ledger: Ledger) -> Totals:
    """The totals of every order, worked out from scratch."""
    return Book.of(conn, ledger).totals()


class TotalsCache:
    """The totals page's book, kept between visits and brought up to date with the orders
    written since (a second at 100,000 records made anew, a few milliseconds kept).

    Totals depend on the orders, the click fields an order is summed under and the catalog,
    never on the time of day (an order awaiting confirmation and an overdue one count alike).
    The database lists which orders those writes touched (``ledger_changes``, kept by triggers:
    migration 7), whichever process makes them, so the pages a shopper opens, the landings and
    the logins cost nothing here. The totals given are a copy, and shared: a caller only reads
    them.
    """

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._book: Book | None = None
        self._seen = 0
        self._totals: Totals | None = None

    def totals(self, conn: sqlite3.Connection, ledger: Ledger) -> Totals:
        # Read before the orders are: a change made in between is read again next time, and
        # working out an order again is harmless.
        last = _last_change(conn)
        key = (conn, ledger.index.version)
        if self._book is None or self._totals is None or key != self._key or last < self._seen:
            self._rebuild(conn, ledger, last, key)
        elif last != self._seen:
            # One statement, so that a prune by another process cannot fall between reading
            # what is listed and reading whether it still reaches back to this book's last.
            listed = conn.execute(
                "SELECT seq, order_row FROM ledger_changes WHERE seq > ? AND seq <= ? ORDER BY seq",
                (self._seen, last),
            ).fetchall()
            if not listed or listed[0][0] != self._seen + 1:
                # Pruned past what this book saw (migration 7 keeps the last 10,000 changes):
                # what changed in between is not known.
                self._rebuild(conn, ledger, last, key)
            else:
                self._book.update(conn, ledger, {order for _, order in listed})
                self._seen = last
                self._totals = self._book.totals()
        assert self._totals is not None
        return self._totals

    def _rebuild(
        self, conn: sqlite3.Connection, ledger: Ledger, last: int, key: tuple[object, ...]
    ) -> None:
        self._book = Book.of(conn, ledger)
        self._seen = last
        self._key = key
        self._totals = self._book.totals()


def _last_change(conn: sqlite3.Connection) -> int:
    """The number of the last change ever listed (pruning keeps the numbering going)."""
    found = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'ledger_changes'").fetchone()
    return 0 if found is None else int(found[0])
