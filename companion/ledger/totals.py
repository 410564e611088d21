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
are exact, so taking a part out leaves what the other parts add up to. A store's sums are a row
of a table, not an object, since there can be as many stores as orders.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Context, Decimal, localcontext
from itertools import count, islice
from typing import NamedTuple, cast

from companion.ledger import rules
from companion.ledger.orders import Ledger, category_sql, offer_of, order_facts

_ZERO = timedelta(0)
# Digits enough for any sum of the ledger's amounts (at most 13 before the point and 20 after,
# companion/ledger/limits.py) over millions of orders.
_EXACT = Context(prec=64)
# Orders read in one statement when only some are wanted (SQLite's limit on parameters is 32,766).
_CHUNK = 500
# Orders worked out at a time (see Book.update): what is worked out of each batch is let go
# before the next. At 2,000 a build left 6 MiB more of the process's memory taken, in the
# allocator's part-used blocks, than at 200, and took no less time.
_BATCH = 200
# Stores the totals page shows: its chart's bars.
STORES_SHOWN = 15


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
    # (name, currency, sums), largest expected first (then by name and currency): the stores
    # asked for (``STORES_SHOWN``), the categories all.
    stores: list[tuple[str, str, Sums]]
    categories: list[tuple[str, str, Sums]]


# Every order with what its click knows, and its store's category in the stored catalog. The
# trailing condition is left for the caller: all orders, or those of some rows.
_ORDERS = f"""
SELECT o.id, COALESCE(c.program_id, o.program_id), COALESCE(c.program_name, o.program_name),
       COALESCE(c.partner_id, o.partner_id), COALESCE(c.partner_name, o.partner_name),
       COALESCE(c.offer, o.offer), o.ordered_at, o.amount, o.currency, o.confirmed_on,
       o.confirmed_cashback, o.credited_on, o.credited_cashback, o.declined_on,
       {category_sql("COALESCE(c.partner_id, o.partner_id)")}
FROM orders AS o LEFT JOIN clicks AS c ON c.click_id = o.click_id
"""  # noqa: S608 (our own constant)

# A capped program's month of confirmations: (program id, (year, month)).
CapMonth = tuple[str, tuple[int, int]]


class _Part(NamedTuple):
    """One order's part of the sums, as a row of the book's table (the fields in its order)."""

    order: int
    program: str
    # What the program's line is headed with, taken from its lowest-numbered order.
    program_name: str
    currency: str
    monthly_cap: Decimal | None
    store_name: str
    category: str
    state: rules.LedgerState | None
    expected: Decimal | None
    over_cap: Decimal | None
    credited: Decimal | None
    placed_month: str
    confirmed_month: str | None
    credited_month: str | None
    # For an order confirmed in a capped program: its month, and how it competes for the cap
    # (the day confirmed, the time ordered as the tiebreak within a day, its basis), and the
    # share of the cap it was given.
    cap_program: str | None
    cap_year: int | None
    cap_month_number: int | None
    confirmed_on: str | None
    ordered_at: str
    basis: Decimal | None
    share: Decimal | None

    @property
    def cap_month(self) -> CapMonth | None:
        if self.cap_program is None or self.cap_year is None or self.cap_month_number is None:
            return None
        return (self.cap_program, (self.cap_year, self.cap_month_number))

    @property
    def store(self) -> tuple[str, str]:
        return (self.store_name, self.currency)

    @property
    def category_key(self) -> tuple[str, str]:
        return (self.category, self.currency)

    def stored(self) -> tuple[object, ...]:
        return tuple(str(value) if isinstance(value, Decimal) else value for value in self)

    @classmethod
    def of_row(cls, row: tuple[object, ...]) -> _Part:
        fields = [
            Decimal(str(value)) if name in _DECIMALS and value is not None else value
            for name, value in zip(cls._fields, row, strict=True)
        ]
        return cls(*fields)  # type: ignore[arg-type]  # the table holds what stored() wrote


_DECIMALS = frozenset({"monthly_cap", "expected", "over_cap", "credited", "basis", "share"})
# The book's table: one row a part. Decimals as their text, which gives them back exactly.
_BOOK_COLUMNS = """
    "order" INTEGER PRIMARY KEY, program TEXT NOT NULL, program_name TEXT NOT NULL,
    currency TEXT NOT NULL, monthly_cap TEXT, store_name TEXT NOT NULL, category TEXT NOT NULL,
    state TEXT, expected TEXT, over_cap TEXT, credited TEXT, placed_month TEXT NOT NULL,
    confirmed_month TEXT, credited_month TEXT, cap_program TEXT, cap_year INTEGER,
    cap_month_number INTEGER, confirmed_on TEXT, ordered_at TEXT NOT NULL, basis TEXT, share TEXT
"""
# A store's sums in the order of ``Sums``' fields, as exact decimal text; ``rank`` is
# ``expected`` as a text that sorts as the number does (``rank_of``), indexed with the name and
# currency, so the largest few are the first rows of one walk of the index.
_STORE_COLUMNS = """
    store_name TEXT NOT NULL, currency TEXT NOT NULL, expected TEXT NOT NULL,
    confirmed TEXT NOT NULL, over_cap TEXT NOT NULL, credited TEXT NOT NULL,
    orders INTEGER NOT NULL, rank TEXT NOT NULL, PRIMARY KEY (store_name, currency)
"""
# Every store's sums, added up from its parts as ``_add`` adds them.
_STORE_SUMS = """
SELECT store_name, currency,
       totals_sum(CASE WHEN state IS NOT 'declined' THEN expected END) AS expected,
       totals_sum(CASE WHEN state IN ('confirmed', 'credited') THEN expected END),
       totals_sum(CASE WHEN state IN ('confirmed', 'credited') THEN over_cap END),
       totals_sum(CASE WHEN state IS NOT 'declined' THEN credited END),
       COUNT(*)
FROM {parts} GROUP BY store_name, currency
"""
_BOOKS = count(1)
# Added to a number's exponent in its rank, so that it is written with five digits, never a
# sign: the ledger's sums have exponents of a few dozen either way.
_RANK_EXPONENT = 50_000


class _DecimalSum:
    """SQLite aggregate ``totals_sum``: the exact sum of decimal texts, NULLs left out, as text
    ("0" for none). SQLite's own SUM would add them as floats."""

    def __init__(self) -> None:
        self._sum = Decimal(0)

    def step(self, value: str | None) -> None:
        if value is not None:
            self._sum = _EXACT.add(self._sum, Decimal(value))

    def finalize(self) -> str:
        return str(self._sum)


class _Read(NamedTuple):
    """An order as read, with its facts and its program's rules worked out."""

    order: int
    row: tuple[object, ...]
    facts: rules.OrderFacts
    rules: rules.ProgramRules
    basis: Decimal | None
    # Whether it competes for its month's cap: confirmed, not declined, in a capped program.
    capped: bool


def _read(rows: Iterable[tuple[object, ...]], ledger: Ledger) -> Iterator[_Read]:
    for row in rows:
        order, program_id, _, _, _, offer_text, ordered_at, *stored = row
        amount, currency, confirmed_on, confirmed_cashback, credited_on, _, declined_on, _ = stored
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
        capped = (
            program_rules.monthly_cap is not None
            and facts.confirmed_on is not None
            and facts.declined_on is None
            and basis is not None
        )
        yield _Read(cast(int, order), row, facts, program_rules, basis, capped)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _parts(read: Iterable[_Read]) -> list[_Part]:
    """The parts of ``read``. A capped order's share of its month's cap is not known yet: its
    part counts it whole, and :meth:`Book.update` gives it its share."""
    parts: list[_Part] = []
    for entry in read:
        _, program_id, program_name, _, partner_name = entry.row[:5]
        credited_text = entry.row[12]
        facts, program_rules = entry.facts, entry.rules
        state = rules.marked_state(facts)
        # Uncapped, a confirmed order is paid its whole basis: the share allocate_cap gives it.
        share = None if entry.capped else entry.basis
        expected, over_cap = rules.expected_cashback(state, facts, program_rules, share)
        credited = None if credited_text is None else Decimal(str(credited_text))
        category = str(entry.row[14] or "other")  # a store the catalog no longer has: "other"
        confirmed_on = facts.confirmed_on
        parts.append(
            _Part(
                order=entry.order,
                program=str(program_id),
                program_name=str(program_name),
                currency=program_rules.currency,
                monthly_cap=program_rules.monthly_cap,
                store_name=str(partner_name),
                category=category,
                state=state,
                expected=expected,
                over_cap=over_cap,
                credited=credited,
                placed_month=_local_month(facts.ordered_at, program_rules.timezone),
                confirmed_month=(
                    confirmed_on.isoformat()[:7]
                    if confirmed_on is not None and state != "declined"
                    else None
                ),
                credited_month=(
                    facts.credited_on.isoformat()[:7]
                    if facts.credited_on is not None and credited is not None
                    else None
                ),
                cap_program=str(program_id) if entry.capped else None,
                cap_year=confirmed_on.year if entry.capped and confirmed_on else None,
                cap_month_number=confirmed_on.month if entry.capped and confirmed_on else None,
                confirmed_on=confirmed_on.isoformat() if entry.capped and confirmed_on else None,
                ordered_at=str(entry.row[6]),
                basis=entry.basis if entry.capped else None,
                share=None,
            )
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
    parts: int = 0
    months: dict[str, _Month] = field(default_factory=dict)


class Book:
    """Every order's part of the sums, and the sums, kept up to date one order at a time.

    The parts are rows of a temporary table of the connection's (SQLite keeps it in a file of
    its own, in its page cache as far as that goes): held as Python objects, they kept 36 MiB
    more of the companion's memory at 100,000 orders (docs/reliability.md). So are the stores'
    sums, of which there can be one an order (30 MiB more as objects at 41,666 stores): SQLite
    adds them up from the parts after a build (``totals_sum``), and an update changes the rows
    of the stores whose parts it changed. The sums per program and month and per category, a
    few hundred, are in memory. ``close`` drops the tables.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._table = f"totals_book_{next(_BOOKS)}"
        self._store_table = f"{self._table}_stores"
        # typeshed's protocol for an aggregate has it take and give integers alone.
        conn.create_aggregate("totals_sum", 1, _DecimalSum)  # type: ignore[arg-type]
        conn.create_function("totals_rank", 1, _rank_of_text, deterministic=True)
        # The book's tables are some 30 MB at 100,000 orders, in a file the system caches like
        # any other: SQLite's own cache of them need not be its default 2 MiB of the
        # companion's memory (docs/reliability.md: the totals after a write, with 256 KiB).
        conn.execute("PRAGMA temp.cache_size = -256")
        conn.execute(f"CREATE TEMP TABLE {self._table} ({_BOOK_COLUMNS})")
        conn.execute(
            f"CREATE INDEX temp.{self._table}_cap"
            f" ON {self._table} (cap_program, cap_year, cap_month_number)"
            " WHERE cap_program IS NOT NULL"
        )
        conn.execute(f'CREATE INDEX temp.{self._table}_program ON {self._table} (program, "order")')
        conn.execute(
            f"CREATE INDEX temp.{self._table}_store ON {self._table} (store_name, currency)"
        )
        conn.execute(f"CREATE TEMP TABLE {self._store_table} ({_STORE_COLUMNS})")
        conn.execute(
            f"CREATE INDEX temp.{self._store_table}_rank"
            f" ON {self._store_table} (rank DESC, store_name, currency)"
        )
        self._programs: dict[str, _Program] = {}
        self._categories: dict[tuple[str, str], Sums] = {}
        # What the parts taken out and put in since the stores' rows were last written change
        # in each store's sums; None while every part is written anew (the rows are then
        # added up from the parts: one Sums a store would be what the table is there to save).
        self._store_changes: dict[tuple[str, str], Sums] | None = None

    @classmethod
    def of(cls, conn: sqlite3.Connection, ledger: Ledger) -> Book:
        """A book of every order in the database."""
        book = cls(conn)
        try:
            book.update(ledger, None)
        except BaseException:
            book.close()
            raise
        return book

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # the connection may be closed already
            self._conn.execute(f"DROP TABLE IF EXISTS temp.{self._table}")
            self._conn.execute(f"DROP TABLE IF EXISTS temp.{self._store_table}")

    def update(self, ledger: Ledger, orders: Collection[int] | None) -> None:
        """Work out again ``orders`` (every order for ``None``), as the database has them now:
        an order no longer there is taken out. The other orders of a capped month one of them
        was or is in get their new share of its cap."""
        # Exact, whatever the amounts: the default 28 digits would round a sum of a trillion
        # with twenty decimals, and then taking a part out would not leave the others' sum.
        # A transaction of its own: the orders read as of one moment, the rows written at once;
        # inside a caller's, a rollback of the caller's would take back the rows and not the
        # sums. Should it fail (a full disk for SQLite's temporary file), the sums are half
        # changed: the book is not to be used again (TotalsCache makes it anew).
        conn = self._conn
        if conn.in_transaction:
            raise RuntimeError("a totals book is brought up to date outside any transaction")
        with localcontext(_EXACT):
            conn.execute("BEGIN")
            try:
                self._update(ledger, orders)
            except BaseException:
                if conn.in_transaction:  # SQLite may have rolled it back itself (SQLITE_FULL)
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _update(self, ledger: Ledger, orders: Collection[int] | None) -> None:
        moved: set[CapMonth] = set()
        if orders is not None:
            self._store_changes = {}
            for old in self._parts_of(orders):
                self._count(old, -1)
                if old.cap_month is not None:
                    moved.add(old.cap_month)
            self._each(f'DELETE FROM {self._table} WHERE "order" IN ({{}})', orders)  # noqa: S608
        # A few hundred orders at a time (_BATCH), so the process does not hold a whole
        # ledger's worth at once.
        rows = _rows(self._conn, orders)
        while read := list(_read(islice(rows, _BATCH), ledger)):
            parts = _parts(read)
            self._write(parts)
            for part in parts:
                self._count(part, 1)
                if part.cap_month is not None:
                    moved.add(part.cap_month)
        # Then each capped month the orders were or are in shares its cap out again.
        for month in moved:
            self._share_out(month)
        self._write_stores()

    def _write_stores(self) -> None:
        """Bring the stores' rows up to date with the parts: add every store up from its parts
        after a build, or change the rows of the stores whose parts changed."""
        changes, self._store_changes = self._store_changes, None
        if changes is None:
            self._conn.execute(f"DELETE FROM {self._store_table}")  # noqa: S608 (our own tables)
            self._conn.execute(
                f"INSERT INTO {self._store_table}"  # noqa: S608
                f" SELECT *, totals_rank(expected) FROM ({_STORE_SUMS.format(parts=self._table)})"
            )
            return
        where = " WHERE store_name = ? AND currency = ?"
        for store, change in changes.items():
            row = self._conn.execute(
                f"SELECT expected, confirmed, over_cap, credited, orders FROM {self._store_table}"  # noqa: S608
                + where,
                store,
            ).fetchone()
            sums = Sums() if row is None else _sums_of(row)
            _merge(sums, change)
            if not sums.orders:  # its last part is gone
                self._conn.execute(f"DELETE FROM {self._store_table}" + where, store)  # noqa: S608
                continue
            self._conn.execute(
                f"INSERT OR REPLACE INTO {self._store_table}"  # noqa: S608
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *store,
                    *map(str, (sums.expected, sums.confirmed, sums.over_cap, sums.credited)),
                    sums.orders,
                    rank_of(sums.expected),
                ),
            )

    def _share_out(self, month: CapMonth) -> None:
        program, (year, number) = month
        competing = [
            _Part.of_row(row)
            for row in self._conn.execute(
                f"SELECT * FROM {self._table}"  # noqa: S608 (our own table's name)
                " WHERE cap_program = ? AND cap_year = ? AND cap_month_number = ?",
                (program, year, number),
            )
        ]
        if not competing:
            return
        shares = rules.allocate_cap(
            (
                rules.Confirmed(
                    key=part.order,
                    confirmed_on=date.fromisoformat(str(part.confirmed_on)),
                    tiebreak=(part.ordered_at, part.order),
                    cashback=cast(Decimal, part.basis),
                )
                for part in competing
            ),
            competing[0].monthly_cap,
        )
        moved = []
        for part in competing:
            share = shares[part.order]
            if part.share != share:
                expected, over_cap = rules.paid_of(cast(Decimal, part.basis), share)
                now = part._replace(expected=expected, over_cap=over_cap, share=share)
                self._count(part, -1)
                self._count(now, 1)
                moved.append(now)
        self._write(moved)

    def _parts_of(self, orders: Collection[int]) -> list[_Part]:
        found: list[_Part] = []
        for chunk, marks in _chunks(orders):
            found += (
                _Part.of_row(row)
                for row in self._conn.execute(
                    f'SELECT * FROM {self._table} WHERE "order" IN ({marks})',  # noqa: S608
                    chunk,
                )
            )
        return found

    def _each(self, statement: str, orders: Collection[int]) -> None:
        for chunk, marks in _chunks(orders):
            self._conn.execute(statement.format(marks), chunk)

    def _write(self, parts: list[_Part]) -> None:
        marks = ",".join("?" * len(_Part._fields))
        self._conn.executemany(
            f"INSERT OR REPLACE INTO {self._table} VALUES ({marks})",  # noqa: S608
            [part.stored() for part in parts],
        )

    def _count(self, part: _Part, sign: int) -> None:
        """Add a part to the sums (``sign`` 1), or take it out (-1)."""
        if self._store_changes is not None:
            change = self._store_changes.get(part.store)
            if change is None:
                change = self._store_changes[part.store] = Sums()
            _add(change, part, sign)
        key = part.category_key
        sums = self._categories.get(key)
        if sums is None:
            sums = self._categories[key] = Sums()
        _add(sums, part, sign)
        if not sums.orders:
            del self._categories[key]
        program = self._programs.get(part.program)
        if program is None:
            program = self._programs[part.program] = _Program()
        program.parts += sign
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
        if not program.parts:
            del self._programs[part.program]

    @staticmethod
    def _month(program: _Program, key: str, sign: int) -> Sums:
        month = program.months.get(key)
        if month is None:
            month = program.months[key] = _Month()
        month.parts += sign
        if not month.parts:
            del program.months[key]
        return month.sums

    def totals(self, stores: int | None = STORES_SHOWN) -> Totals:
        """The sums as they stand, copied: the book goes on changing, the page it made not.
        The ``stores`` with the largest expected (``None``: every store)."""
        programs = []
        for program_id, program in self._programs.items():
            name, currency, cap = self._conn.execute(
                f"SELECT program_name, currency, monthly_cap FROM {self._table}"  # noqa: S608
                ' WHERE program = ? ORDER BY "order" LIMIT 1',
                (program_id,),
            ).fetchone()
            programs.append(
                ProgramTotals(
                    program=program_id,
                    program_name=name,
                    currency=currency,
                    monthly_cap=None if cap is None else Decimal(cap),
                    months={
                        key: dataclasses.replace(month.sums)
                        for key, month in sorted(program.months.items())
                    },
                )
            )
        return Totals(
            programs=sorted(programs, key=lambda p: p.program_name),
            stores=self._largest_stores(stores),
            categories=_largest_first(self._categories.items()),
        )

    def _largest_stores(self, wanted: int | None) -> list[tuple[str, str, Sums]]:
        """The stores, largest expected first, then by name and currency: ``wanted`` of them
        (``None``: all)."""
        rows = self._conn.execute(
            f"SELECT * FROM {self._store_table}"  # noqa: S608 (our own table's name)
            " ORDER BY rank DESC, store_name, currency LIMIT ?",
            (-1 if wanted is None else wanted,),
        )
        return [(row[0], row[1], _sums_of(row[2:7])) for row in rows]


def rank_of(value: Decimal) -> str:
    """A text that sorts, byte by byte as SQLite compares text, as ``value`` does among
    numbers: a sign mark (negative, zero, positive), the exponent of the leading digit, then
    the digits without trailing zeros ("1.50" and "1.5" are one rank). For a negative number
    the exponent and digits are complemented, and a ":" (after every digit) ends them, since
    there a longer run of digits is the smaller number."""
    if not value:
        return "1"
    _, digits, _ = value.as_tuple()
    text = "".join(map(str, digits)).rstrip("0")
    exponent = value.adjusted() + _RANK_EXPONENT
    if value > 0:
        return f"2{exponent:05d}{text}"
    flipped = text.translate(_COMPLEMENT)
    return f"0{2 * _RANK_EXPONENT - 1 - exponent:05d}{flipped}:"


_COMPLEMENT = str.maketrans("0123456789", "9876543210")


def _rank_of_text(value: str) -> str:
    return rank_of(Decimal(value))


def _rows(conn: sqlite3.Connection, orders: Collection[int] | None) -> Iterator[tuple[object, ...]]:
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples
    if orders is None:
        yield from cursor.execute(_ORDERS + "ORDER BY o.id")
        return
    for chunk, marks in _chunks(orders):
        yield from cursor.execute(_ORDERS + f"WHERE o.id IN ({marks})", chunk)


def _chunks(orders: Collection[int]) -> Iterator[tuple[list[int], str]]:
    """``orders`` in order, ``_CHUNK`` at a time, each with its statement's "?,?,..."."""
    wanted = sorted(orders)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        yield chunk, ",".join("?" * len(chunk))


def _add(sums: Sums, part: _Part, sign: int) -> None:
    sums.orders += sign
    if part.state == "declined":
        return
    sums.expected += sign * (part.expected or 0)
    if part.state in ("confirmed", "credited"):
        sums.confirmed += sign * (part.expected or 0)
        sums.over_cap += sign * (part.over_cap or 0)
    sums.credited += sign * (part.credited or 0)


def _sums_of(row: tuple[str, str, str, str, int]) -> Sums:
    """Sums from a row of the stores' table (from its ``expected`` to its ``orders``)."""
    expected, confirmed, over_cap, credited, orders = row
    return Sums(Decimal(expected), Decimal(confirmed), Decimal(over_cap), Decimal(credited), orders)


def _merge(sums: Sums, change: Sums) -> None:
    sums.expected += change.expected
    sums.confirmed += change.confirmed
    sums.over_cap += change.over_cap
    sums.credited += change.credited
    sums.orders += change.orders


def _largest_first(
    items: Iterable[tuple[tuple[str, str], Sums]],
) -> list[tuple[str, str, Sums]]:
    return sorted(
        ((name, currency, dataclasses.replace(sums)) for (name, currency), sums in items),
        # copy_negate: exact, where unary minus rounds to the context's 28 digits.
        key=lambda entry: (entry[2].expected.copy_negate(), entry[0], entry[1]),
    )


def ledger_totals(conn: sqlite3.Connection, ledger: Ledger, stores: int | None = None) -> Totals:
    """The totals of every order, worked out from scratch (``stores``: as ``Book.totals``)."""
    book = Book.of(conn, ledger)
    try:
        return book.totals(stores)
    finally:
        book.close()


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
        # The last totals given, and how many stores they have.
        self._totals: tuple[int | None, Totals] | None = None

    def totals(
        self, conn: sqlite3.Connection, ledger: Ledger, stores: int | None = STORES_SHOWN
    ) -> Totals:
        """The totals now (``stores``: as ``Book.totals``)."""
        # Read before the orders are: a change made in between is read again next time, and
        # working out an order again is harmless.
        last = _last_change(conn)
        key = (conn, ledger.index.version)
        if self._book is None or key != self._key or last < self._seen:
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
                self._totals = None
                try:
                    self._book.update(ledger, {order for _, order in listed})
                except BaseException:
                    # Its sums were half changed: the next visit starts anew.
                    self._book.close()
                    self._book = None
                    raise
                self._seen = last
        assert self._book is not None
        if self._totals is None or self._totals[0] != stores:
            self._totals = (stores, self._book.totals(stores))
        return self._totals[1]

    def _rebuild(
        self, conn: sqlite3.Connection, ledger: Ledger, last: int, key: tuple[object, ...]
    ) -> None:
        self._totals = None
        if self._book is not None:
            self._book.close()
            self._book = None
        self._book = Book.of(conn, ledger)
        self._seen = last
        self._key = key


def _last_change(conn: sqlite3.Connection) -> int:
    """The number of the last change ever listed (pruning keeps the numbering going)."""
    found = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'ledger_changes'").fetchone()
    return 0 if found is None else int(found[0])
