"""Backing up the purchase ledger and restoring it, here or on another machine.

The file is JSON: the clicks, their events, every order (with the shopper's marks) and the
runs of the tracking checks (what a claim shows as the checks at purchase), as stored. Each
order also carries what the ledger computed at export (its ``id`` in the log, the state, the
expected cashback, the due date and the expected payout) for a reader of the file; an import
recomputes those and ignores them.

Import is all or nothing, like a catalog import: the whole file is validated first, each fault
named by where it is (``orders[3].amount: ...``), and only a file without faults is stored, in
one transaction. Records already stored win: a click or event with the same id, an order with
the same store and order id, or a run of the checks for the same click at the same moment on the
same page, is skipped, so importing the same file twice adds nothing. Version 1 files, from
before the checks were in the backup, import as they are.
The catalog is not part of the backup (``cashback-companion catalog`` has its own import), nor
are the API token, pairing codes and dashboard sessions, which belong to one machine.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal
from typing import IO, Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from companion.catalog.model import Identifier
from companion.clock import iso, parse
from companion.diagnostics.checks import MAX_ARG_CHARS, ActionType, CheckName, Status, Verdict
from companion.diagnostics.facts import Facts, PageKind
from companion.diagnostics.store import verdict_of
from companion.diagnostics.texts import Lang, render
from companion.diagnostics.verdict import Overall
from companion.jsoninput import JsonInputError, read_json
from companion.ledger import rules
from companion.ledger.limits import OUT_OF_RANGE, places, plausible
from companion.ledger.orders import ORDERS_SELECT, Ledger, cap_shares, facts_of, offer_of
from companion.storage.db import snapshot, transaction
from companion.text import no_controls
from companion.tracking.events import LandingData, OrderData, OrderNumber, PageData, Url

FORMAT = "cashback-companion-ledger"
# The languages a check is put into words in (diagnostics/texts.py).
LANGS: tuple[Lang, ...] = ("en", "ru")
VERSION = 2
BATCH = 1000
MAX_PROBLEMS = 20


class BackupError(ValueError):
    """A file that cannot be imported; ``problems`` lists each fault as one line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        lines = [f"  {line}" for line in shown] + ([f"  … and {more} more"] if more else [])
        count = len(problems)
        super().__init__(
            f"not a ledger backup this companion can import ({count} problem"
            f"{'s' if count != 1 else ''}):\n" + "\n".join(lines)
        )


def _timestamp(text: str) -> str:
    """Any ISO 8601 time with a zone, stored in the companion's own form so text order is time order."""
    try:
        moment = parse(text).astimezone(UTC)
    except OverflowError as exc:  # 0001-01-01T00:00+05:00 is before the year 1 in UTC
        raise ValueError(OUT_OF_RANGE) from exc
    plausible(moment.date())
    return iso(moment)


def _http_url(text: str) -> str:
    # /go/ redirects to a click's go_url: it must be a web address, never javascript: or data:.
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http or https URL")
    return text


Timestamp = Annotated[str, StringConstraints(max_length=64), AfterValidator(_timestamp)]
Day = Annotated[date, AfterValidator(plausible)]
HttpUrl = Annotated[Url, AfterValidator(_http_url)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(no_controls)]
Money = Annotated[
    Decimal, Field(ge=0, le=Decimal("1e12"), allow_inf_nan=False), AfterValidator(places)
]
Count = Annotated[int, Field(ge=0, le=2**63 - 1)]  # what SQLite's INTEGER holds
ClickId = Annotated[str, StringConstraints(pattern=r"^c_[A-Za-z0-9_-]{1,62}$")]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OfferSnapshot(_Row):
    """What a click (or a hand-added order) recorded of the offer: ``OfferView.to_json``."""

    program: Identifier
    program_name: Name
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    rate_percent: Annotated[Decimal, Field(ge=0, le=100), AfterValidator(places)] | None
    fixed_amount: Money | None
    up_to: bool
    confirmation_days: Annotated[int, Field(ge=1, le=730)]
    note: Annotated[str, StringConstraints(max_length=500)] | None

    def stored(self) -> str:
        return json.dumps(self.model_dump(mode="json"))


class Evidence(_Row):
    cookies: Annotated[list[Name], Field(max_length=50)]
    params: Annotated[list[Name], Field(max_length=50)]


class ClickRow(_Row):
    click_id: ClickId
    created_at: Timestamp
    partner_id: Identifier
    partner_name: Name
    program_id: Identifier
    program_name: Name
    offer: OfferSnapshot
    target_url: HttpUrl
    go_url: HttpUrl
    status: Literal["clicked", "landed", "order_placed"]
    tracking: Literal["unknown", "tracked", "at_risk"]
    followed_at: Timestamp | None
    follow_count: Count
    landed_at: Timestamp | None
    landing_url: Url | None
    hops: Annotated[list[Url], Field(max_length=50)] | None
    tracking_evidence: Evidence | None
    pages_seen: Count
    cart_at: Timestamp | None
    checkout_at: Timestamp | None


class EventRow(_Row):
    id: Annotated[str, StringConstraints(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    click_id: ClickId
    type: Literal["landing", "page", "order"]
    at: Timestamp
    received_at: Timestamp
    data: dict[str, Any]

    @model_validator(mode="after")
    def _data_of_its_type(self) -> EventRow:
        models: dict[str, type[BaseModel]] = {
            "landing": LandingData,
            "page": PageData,
            "order": OrderData,
        }
        try:
            self.data = models[self.type].model_validate(self.data).model_dump(mode="json")
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ValueError(f"{_where(('data', *first['loc']))}: {first['msg']}") from exc
        return self


class OrderRow(_Row):
    partner_id: Identifier
    order_key: Annotated[
        str, StringConstraints(min_length=1, max_length=200), AfterValidator(no_controls)
    ]
    click_id: ClickId | None
    order_id: OrderNumber | None
    amount: Money | None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None
    ordered_at: Timestamp
    source: Literal["order_page", "ga4", "ua", "jsonld", "wording", "manual"]
    url: Url | None
    program_id: Identifier | None
    partner_name: Name | None
    program_name: Name | None
    offer: OfferSnapshot | None
    confirmed_on: Day | None
    confirmed_cashback: Money | None
    credited_on: Day | None
    credited_cashback: Money | None
    declined_on: Day | None
    # Computed at export for a reader of the file; an import recomputes them.
    id: str | None = None
    ledger_state: str | None = None
    expected_cashback: str | None = None
    over_cap: str | None = None
    confirmation_due: str | None = None
    expected_payout: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> OrderRow:
        if self.click_id is None and None in (
            self.program_id,
            self.partner_name,
            self.program_name,
            self.offer,
        ):
            raise ValueError(
                "an order without a click needs program_id, partner_name, program_name and offer"
            )
        if self.credited_on is not None and self.confirmed_on is None:
            raise ValueError("credited_on needs confirmed_on: cashback is credited once confirmed")
        if self.declined_on is not None and self.confirmed_on is not None:
            raise ValueError("an order is either declined or confirmed, not both")
        return self


# A check's argument: whatever the rules put there (checks.names, checks.host), an empty list
# of names included.
CheckArg = Annotated[str, StringConstraints(max_length=MAX_ARG_CHARS), AfterValidator(no_controls)]


class CheckActionRow(_Row):
    type: ActionType
    extension_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    name: CheckArg | None = None


class CheckRow(_Row):
    """One check of a run, as ``diagnostics/store.py`` keeps it: a reason code and its
    arguments, put into words when read."""

    check: CheckName
    status: Status
    reason: Annotated[str, StringConstraints(max_length=64)]
    args: Annotated[
        dict[Annotated[str, StringConstraints(max_length=64)], CheckArg], Field(max_length=20)
    ]
    actions: Annotated[list[CheckActionRow], Field(max_length=20)]

    def verdict(self) -> Verdict:
        return verdict_of(self.model_dump())


class CheckRunRow(_Row):
    click_id: ClickId
    at: Timestamp
    page: PageKind | None
    verdict: Overall
    checks: Annotated[list[CheckRow], Field(max_length=20)]
    facts: Facts

    @model_validator(mode="after")
    def _worded(self) -> CheckRunRow:
        # The log and a claim put every check into words in both languages: a reason this
        # companion has no words for, or words missing an argument, would fail there.
        for position, check in enumerate(self.checks):
            for lang in LANGS:
                try:
                    render(check.verdict(), lang)
                except (KeyError, IndexError, ValueError) as exc:
                    raise ValueError(
                        f"checks[{position}]: no words for reason {check.reason!r}"
                        f" with arguments {sorted(check.args)}"
                    ) from exc
        return self

    def stored(self) -> tuple[object, ...]:
        checks = json.dumps([check.model_dump(mode="json") for check in self.checks])
        facts = json.dumps(self.facts.model_dump(mode="json"))
        return (self.click_id, self.at, self.page, self.verdict, checks, facts)


class Backup(_Row):
    format: Literal["cashback-companion-ledger"]
    version: Literal[1, 2]
    exported_at: Timestamp
    clicks: list[ClickRow]
    events: list[EventRow]
    orders: list[OrderRow]
    check_runs: list[CheckRunRow] = []


@dataclass(frozen=True)
class Restored:
    clicks: int
    events: int
    orders: int
    check_runs: int
    skipped: int  # already stored


def parse_backup(text: bytes | str) -> Backup:
    """Validate a backup file; raise :class:`BackupError` naming every fault found."""
    try:
        raw = read_json(text, decimals=True)
    except JsonInputError as exc:
        raise BackupError([str(exc)]) from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise BackupError([f'not a ledger backup: it has no "format": "{FORMAT}"'])
    if isinstance(raw.get("version"), int) and raw["version"] > VERSION:
        raise BackupError(
            [f"made by a newer companion (backup version {raw['version']}); upgrade this one"]
        )
    try:
        backup = Backup.model_validate(raw)
    except ValidationError as exc:
        raise BackupError([_where(err["loc"]) + ": " + err["msg"] for err in exc.errors()]) from exc
    problems = _repeats(backup)
    if problems:
        raise BackupError(problems)
    return backup


_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _where(loc: tuple[int | str, ...]) -> str:
    """``('orders', 3, 'amount')`` → ``orders[3].amount``; a key from the file that is not a
    plain name is quoted, so an empty one shows and one with a line break stays on its line."""
    text = ""
    for step in loc:
        name = str(step) if _PLAIN_NAME.fullmatch(str(step)) else _quoted(str(step))
        text += f"[{step}]" if isinstance(step, int) else (f".{name}" if text else name)
    return text or "the file"


def _quoted(key: str) -> str:
    """JSON's quotes, with every character that does not print (line and paragraph
    separators, C1 controls, bidi overrides) escaped as well as JSON's own controls."""
    return "".join(
        ch if ch.isprintable() else json.dumps(ch)[1:-1]
        for ch in json.dumps(key, ensure_ascii=False)
    )


def _repeats(backup: Backup) -> list[str]:
    problems = []
    first: dict[object, int] = {}
    for section, keys in (
        ("clicks", [row.click_id for row in backup.clicks]),
        ("events", [row.id for row in backup.events]),
        ("orders", [(row.partner_id, row.order_key) for row in backup.orders]),
        ("check_runs", [(row.click_id, row.at, row.page) for row in backup.check_runs]),
    ):
        first.clear()
        for position, key in enumerate(keys):
            if key in first:
                problems.append(f"{section}[{position}]: the same as {section}[{first[key]}]")
            first.setdefault(key, position)
    return problems


def restore(conn: sqlite3.Connection, backup: Backup) -> Restored:
    """Store what is new in ``backup``, in one transaction; refuse it whole if it refers to a
    click that is neither in the file nor stored."""
    with transaction(conn):
        known = {row.click_id for row in backup.clicks}
        problems = [
            f"{section}[{position}].click_id: no click {click_id} in the file or the stored log"
            for section, rows in (
                ("events", backup.events),
                ("orders", backup.orders),
                ("check_runs", backup.check_runs),
            )
            for position, click_id in enumerate(row.click_id for row in rows)
            if click_id is not None
            and click_id not in known
            and conn.execute("SELECT 1 FROM clicks WHERE click_id = ?", (click_id,)).fetchone()
            is None
        ]
        if problems:
            raise BackupError(problems)
        clicks = conn.executemany(
            "INSERT INTO clicks (click_id, created_at, partner_id, partner_name, program_id,"
            " program_name, offer, target_url, go_url, status, tracking, followed_at,"
            " follow_count, landed_at, landing_url, hops, tracking_evidence, pages_seen, cart_at,"
            " checkout_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (click_id) DO NOTHING",
            [_click_values(row) for row in backup.clicks],
        ).rowcount
        events = conn.executemany(
            "INSERT INTO events (id, click_id, type, at, received_at, data)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            [
                (e.id, e.click_id, e.type, e.at, e.received_at, json.dumps(e.data))
                for e in backup.events
            ],
        ).rowcount
        orders = conn.executemany(
            "INSERT INTO orders (partner_id, order_key, click_id, order_id, amount, currency,"
            " ordered_at, source, url, program_id, partner_name, program_name, offer,"
            " confirmed_on, confirmed_cashback, credited_on, credited_cashback, declined_on)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (partner_id, order_key) DO NOTHING",
            [_order_values(row) for row in backup.orders],
        ).rowcount
        runs = conn.executemany(
            "INSERT INTO check_runs (click_id, at, page, verdict, checks, facts)"
            " SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM check_runs"
            " WHERE click_id = ?1 AND at = ?2 AND page IS ?3)",
            [row.stored() for row in backup.check_runs],
        ).rowcount
    total = len(backup.clicks) + len(backup.events) + len(backup.orders) + len(backup.check_runs)
    return Restored(clicks, events, orders, runs, total - clicks - events - orders - runs)


def _click_values(row: ClickRow) -> tuple[object, ...]:
    return (
        row.click_id,
        row.created_at,
        row.partner_id,
        row.partner_name,
        row.program_id,
        row.program_name,
        row.offer.stored(),
        row.target_url,
        row.go_url,
        row.status,
        row.tracking,
        row.followed_at,
        row.follow_count,
        row.landed_at,
        row.landing_url,
        None if row.hops is None else json.dumps(row.hops),
        None if row.tracking_evidence is None else row.tracking_evidence.model_dump_json(),
        row.pages_seen,
        row.cart_at,
        row.checkout_at,
    )


def _order_values(row: OrderRow) -> tuple[object, ...]:
    return (
        row.partner_id,
        row.order_key,
        row.click_id,
        row.order_id,
        _money(row.amount),
        row.currency,
        row.ordered_at,
        row.source,
        row.url,
        row.program_id,
        row.partner_name,
        row.program_name,
        None if row.offer is None else row.offer.stored(),
        _day(row.confirmed_on),
        _money(row.confirmed_cashback),
        _day(row.credited_on),
        _money(row.credited_cashback),
        _day(row.declined_on),
    )


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _plain(row: sqlite3.Row, json_columns: tuple[str, ...]) -> dict[str, Any]:
    # A Row iterates over its values; keys() are the column names.
    document = {key: row[key] for key in row.keys() if not key.startswith("_")}  # noqa: SIM118
    for column in json_columns:
        if document[column] is not None:
            document[column] = json.loads(document[column])
    return document


def _click_document(row: sqlite3.Row, ledger: Ledger, shares: dict[int, Decimal]) -> dict[str, Any]:
    return _plain(row, ("offer", "hops", "tracking_evidence"))


def _event_document(row: sqlite3.Row, ledger: Ledger, shares: dict[int, Decimal]) -> dict[str, Any]:
    return _plain(row, ("data",))


def _check_run_document(
    row: sqlite3.Row, ledger: Ledger, shares: dict[int, Decimal]
) -> dict[str, Any]:
    return _plain(row, ("checks", "facts"))


def _order_document(row: sqlite3.Row, ledger: Ledger, shares: dict[int, Decimal]) -> dict[str, Any]:
    offer = offer_of(row["_offer"])
    assessed = rules.assess(
        facts_of(row, offer),
        ledger.rules_for(row["_program_id"], offer),
        ledger.now,
        shares.get(row["_key"]),
    )
    document = _plain(row, ("offer",))
    # The row id is this database's business; order_amount and order_currency are the names
    # facts_of reads, copies of amount and currency.
    for column in ("id", "order_amount", "order_currency"):
        del document[column]
    return {
        **document,
        "id": f"o{row['_key']}",
        "ledger_state": assessed.state,
        "expected_cashback": rules.money_text(assessed.expected_cashback),
        "over_cap": rules.money_text(assessed.over_cap),
        "confirmation_due": assessed.confirmation_due.isoformat(),
        "expected_payout": None
        if assessed.expected_payout is None
        else assessed.expected_payout.isoformat(),
    }


# Each section: its rows with a key to page by (columns starting "_" stay out of the file), and
# how a row becomes JSON. Orders bring what the arithmetic needs from their click.
_SECTIONS = [
    ("clicks", "SELECT rowid AS _key, * FROM clicks", _click_document),
    ("events", "SELECT rowid AS _key, * FROM events", _event_document),
    (
        "orders",
        "SELECT o.rowid AS _key, o.*, o.amount AS order_amount, o.currency AS order_currency,"
        " COALESCE(c.program_id, o.program_id) AS _program_id, COALESCE(c.offer, o.offer) AS _offer"
        " FROM orders AS o LEFT JOIN clicks AS c ON c.click_id = o.click_id",
        _order_document,
    ),
    (
        "check_runs",
        "SELECT rowid AS _key, click_id, at, page, verdict, checks, facts FROM check_runs",
        _check_run_document,
    ),
]


def write_backup(conn: sqlite3.Connection, ledger: Ledger, out: IO[str]) -> int:
    """Write the whole ledger to ``out`` a batch at a time; return how many rows were written.

    All of it from one snapshot: the companion may log a click and its events while the CLI
    exports, and a file holding an event without its click would be refused whole on import."""
    with snapshot(conn):
        return _write_sections(conn, ledger, out)


def _write_sections(conn: sqlite3.Connection, ledger: Ledger, out: IO[str]) -> int:
    confirmed = conn.execute(ORDERS_SELECT + " WHERE o.confirmed_on IS NOT NULL").fetchall()
    shares = cap_shares(ledger, confirmed)
    out.write(f'{{"format": "{FORMAT}", "version": {VERSION}, "exported_at": "{iso(ledger.now)}"')
    written = 0
    for name, select, document in _SECTIONS:
        out.write(f',\n "{name}": [')
        key = -1
        separator = "\n  "
        while True:
            rows = conn.execute(
                f"SELECT * FROM ({select}) WHERE _key > ? ORDER BY _key LIMIT ?",  # noqa: S608
                (key, BATCH),
            ).fetchall()
            for row in rows:
                out.write(separator + json.dumps(document(row, ledger, shares), ensure_ascii=False))
                separator = ",\n  "
                written += 1
            if len(rows) < BATCH:
                break
            key = rows[-1]["_key"]
        out.write("\n ]")
    out.write("\n}\n")
    return written
