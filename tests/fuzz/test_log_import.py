"""Log import under fuzzing (``cashback-companion log import FILE``): whatever the file holds,
it is either restored, or refused whole with a ``BackupError`` whose every problem is one
printable line naming where and why; never a crash, and a refusal changes nothing.

Three kinds of input: raw bytes, arbitrary JSON, and a real export (``write_backup`` of a
ledger with clicks, events of each type, orders from pages and by hand, the shopper's marks)
with a few random edits, which is what reaches the deeper rules: ids, times, money, the
cross-record checks and the restore itself. A restored file must restore again as nothing new,
and what is then stored must still make a backup and a log (the ledger's arithmetic runs on it).
"""

from __future__ import annotations

import copy
import io
import json
import re
import sqlite3
import time
import unicodedata
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from companion.cli import main
from companion.ledger.backup import (
    MAX_PROBLEMS,
    Backup,
    BackupError,
    parse_backup,
    restore,
    write_backup,
)
from companion.ledger.orders import Ledger, LogFilter, iter_records
from companion.storage.db import connect
from companion.tracking.events import Event, ingest
from tests.fuzz.documents import json_values, node_paths
from tests.unit.ledger_seed import CATALOG as LEDGER_CATALOG
from tests.unit.ledger_seed import credited_by_hand, seed_purchases, use_catalog

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FIRST_CLICK = "c_seed000000000000000000"
# The ledger tests' catalog and a program west of UTC (east of it, 0001-01-01T00:00Z is still a
# day; west, it is before the first day datetime has).
CATALOG = copy.deepcopy(LEDGER_CATALOG)
CATALOG["programs"].append(
    {"id": "west", "name": "West Rewards", "currency": "USD", "confirmation_days": 30}
    | {"timezone": "America/Los_Angeles"}
)
CATALOG["partners"][2]["offers"].append(
    {"program": "west", "rate_percent": "2.5", "go_url": "https://west.example/go?s={click_id}"}
)


def _event(number: int, type_: str, at: str, click_id: str, **data: Any) -> Any:
    return TypeAdapter(Event).validate_python(
        {
            "id": f"fuzz-event-{number:04d}",
            "type": type_,
            "at": at,
            "click_id": click_id,
            "data": data,
        }
    )


def _base() -> tuple[sqlite3.Connection, Ledger, str]:
    """The source machine's ledger and its export. Deterministic: fixed ids and times."""
    conn = connect(Path(":memory:"))
    ledger = Ledger(use_catalog(conn, CATALOG), NOW)
    seed_purchases(conn, ledger.index, 10, start=datetime(2025, 12, 1, tzinfo=UTC))
    events = [
        _event(
            1,
            "landing",
            "2025-12-01T00:00:03Z",
            FIRST_CLICK,
            hops=["http://127.0.0.1:47615/go/" + FIRST_CLICK, "https://net.example/click"],
            landing_url="https://shop.example/item/0?aff_id=NET-0",
            cookies_present=["aff_click"],
        ),
        _event(2, "page", "2025-12-01T00:01:00+03:00", FIRST_CLICK, url="https://shop.example/cart", kind="cart"),
        _event(
            3,
            "order",
            "2025-12-01T00:09:00Z",
            FIRST_CLICK,
            url="https://shop.example/thanks",
            order_id="A-1001",
            amount="2450.50",
            currency="RUB",
            source="jsonld",
        ),
    ]  # fmt: skip
    assert ingest(conn, events).accepted == len(events)
    conn.execute("UPDATE events SET received_at = at")  # ingest stamps the clock's time
    credited_by_hand(conn, ledger)
    return conn, ledger, exported(conn, ledger)


def exported(conn: sqlite3.Connection, ledger: Ledger) -> str:
    out = io.StringIO()
    write_backup(conn, ledger, out)
    return out.getvalue()


_, LEDGER, BASE_TEXT = _base()
BASE: dict[str, Any] = json.loads(BASE_TEXT)

# The machine the file is imported on already has part of the log: the first two clicks and
# their orders. So an edited file may lean on a stored click, and some of it is already there.
TARGET = connect(Path(":memory:"))
use_catalog(TARGET, CATALOG)
_shared = {row["click_id"] for row in BASE["clicks"][:2]}
restore(
    TARGET,
    Backup.model_validate(
        {
            **BASE,
            "clicks": BASE["clicks"][:2],
            "events": [],
            "orders": [row for row in BASE["orders"] if row["click_id"] in _shared],
        }
    ),
)


def _copy_of_target() -> sqlite3.Connection:
    conn = connect(Path(":memory:"))
    TARGET.backup(conn)
    return conn


def dump(conn: sqlite3.Connection) -> list[str]:
    return list(conn.iterdump())


def rows(conn: sqlite3.Connection) -> int:
    return sum(
        conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("clicks", "events", "orders")
    )


# Document-level refusals have no field to name; every other line is "<where>: <why>", where
# is a path of field names (a name that is not a plain identifier in quotes) and [positions].
WHOLE_DOCUMENT = re.compile(
    r"not JSON: \S.*"
    r'|not a ledger backup: it has no "format": "cashback-companion-ledger"'
    r"|made by a newer companion \(backup version \d+\); upgrade this one"
    r"|a number out of range: more than \d+ digits before or after its point"
)
_NAME = r'(?:[A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)*")'
WHERE_AND_WHY = re.compile(rf"(?:the file|{_NAME})(?:\.{_NAME}|\[\d+\])*: \S.*")


def assert_clear_problems(refusal: BackupError) -> None:
    assert refusal.problems, "a refusal names at least one problem"
    for line in refusal.problems:
        # One printable line: no line break of any kind (\n, \r, \x85, \u2028...), no control
        # or format character (a terminal escape, a bidi override) from the file.
        assert len(line.splitlines()) == 1, f"one line per problem: {line!r}"
        assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp") for ch in line), (
            f"printable: {line!r}"
        )
        assert WHOLE_DOCUMENT.fullmatch(line) or WHERE_AND_WHY.fullmatch(line), line
    # The message: a header, then each problem on its own indented line, the first twenty.
    header, *lines = str(refusal).split("\n")
    assert header.startswith("not a ledger backup this companion can import (")
    more = len(refusal.problems) - MAX_PROBLEMS
    shown = [f"  {line}" for line in refusal.problems[:MAX_PROBLEMS]]
    assert lines == shown + ([f"  … and {more} more"] if more > 0 else [])


def assert_clear_outcome(conn: sqlite3.Connection, document: bytes) -> None:
    """What `log import` does with ``document``, on ``conn``: restored, or refused with nothing
    changed. Anything but a BackupError escaping is a crash (a traceback in the CLI)."""
    before, before_rows = dump(conn), rows(conn)
    started = time.monotonic()
    try:
        done = restore(conn, parse_backup(document))
    except BackupError as refusal:
        assert time.monotonic() - started < SECONDS
        assert_clear_problems(refusal)
        assert dump(conn) == before, "a refused file changed the database"
        return
    assert time.monotonic() - started < SECONDS
    after = dump(conn)
    assert done.clicks + done.events + done.orders == rows(conn) - before_rows
    grown = sum(map(len, after)) - sum(map(len, before))
    assert grown <= GROWTH * len(document), f"{len(document)} bytes stored as {grown}"
    # The same file again adds nothing.
    again = restore(conn, parse_backup(document))
    assert (again.clicks, again.events, again.orders) == (0, 0, 0)
    assert dump(conn) == after
    # What is stored still works: the ledger's arithmetic runs on every order (the log, and a
    # new backup), and that backup is one this companion imports, as nothing new.
    list(iter_records(conn, LEDGER, LogFilter()))
    text = exported(conn, LEDGER)
    done = restore(conn, parse_backup(text))
    assert (done.clicks, done.events, done.orders) == (0, 0, 0)


FIELDS = sorted(
    set(BASE)
    | {key for section in ("clicks", "events", "orders") for row in BASE[section] for key in row}
    | set(BASE["clicks"][0]["offer"])
    | {"landing_url", "hops", "cookies_present", "params_present", "url", "kind", "source"}
    | {"cookies", "params", "amount", "order_id", "currency"}
)
KNOWN_CLICKS = [row["click_id"] for row in BASE["clicks"]]
# Number tokens json.dumps cannot write, put into the text as they are: negative zeros; and,
# as examples only, since each refuses the whole file: a 5,000-digit integer (over Python's
# int-from-text limit) and exponents far out of range either way (an integer field once took
# minutes to refuse 1e99999999).
RAW = {"@raw-minus-zero@": "-0", "@raw-minus-zero-point@": "-0.0"}
FAR_OUT = {
    "@raw-huge-int@": "1" * 5000,
    "@raw-tiny@": "1e-99999999",
    "@raw-zero-tiny@": "0E-99999999",
    "@raw-huge@": "1E+99999999",
}
RAW.update(FAR_OUT)
TRICKY: list[Any] = [
    "@raw-minus-zero@",
    "@raw-minus-zero-point@",
    0,
    -1,
    1,
    730,
    731,
    10**12,
    10**12 + 1,
    2**63,
    -(2**63) - 1,
    10**30,
    1e308,
    0.1,
    True,
    "",
    " ",
    "0",
    "-1",
    "-0",
    "1e12",
    "1000000000000.01",
    "1e-99999999",
    "0E-99999999",
    "1E+11",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "1,5",
    "2 450,50",
    "0x10",
    "null",
    "true",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-13-01",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+05:00",
    "0001-01-01T00:00:00-05:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:59:59+05:00",
    "2026-02-01T09:00:00",
    "2026-02-01T09:00:00.000Z",
    "2026-02-01T25:00:00Z",
    "20260201T090000Z",
    "2026-W05-1",
    "shop",
    "aliexpress",
    "mts",
    "plain",
    "nope",
    "RUB",
    "rub",
    "clicked",
    "landed",
    "order_placed",
    "tracked",
    "at_risk",
    "ga4",
    "manual",
    "landing",
    "page",
    "order",
    "cart",
    *KNOWN_CLICKS[:3],
    "c_nobodyknowsthisclick1",
    "c_" + "x" * 62,
    "c_" + "x" * 63,
    "fuzz-event-0001",
    "https://shop.example/",
    "http://",
    "javascript:alert(1)",
    "data:text/html,x",
    "a" * 300,
    "x" * 8193,
    "é" * 201,
    "\x00",
    "line\nbreak",
    "\r\n",
    "\x1b[31mred",
    "\u2028",
    "\x85",
    "\u202e",
]
# Any key at all: a field's name, or any text (an unknown key is named in the refusal).
KEYS, SCALARS, VALUES = json_values(FIELDS, TRICKY)
# A replacement is half the time one of the tricky values, which reach the rules of the fields
# they land in. A tweak keeps a string a string: a time becomes any time in datetime's range
# with any offset (its edges first), a day any day, an amount any decimal; other text changes at
# one end.
REPLACEMENTS = st.sampled_from(TRICKY) | VALUES
TIMES = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
).flatmap(
    lambda moment: st.integers(-23 * 60, 23 * 60).map(
        lambda minutes: moment.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat()
    )
)
EDGE_TIMES = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+05:00",
    "1969-12-31T23:59:59.999Z",
    "1970-01-01T00:00:00Z",
    "8999-12-31T23:59:59.999Z",
    "9000-01-01T00:00:00Z",
    "9998-06-01T00:00:00Z",
    "9999-12-31T23:59:59.999Z",
    "9999-12-31T23:59:59-05:00",
]
TIMES = st.sampled_from(EDGE_TIMES) | TIMES
DAYS = st.sampled_from([t[:10] for t in EDGE_TIMES]) | st.dates().map(date.isoformat)
AMOUNTS = (
    st.decimals().map(str)
    | st.decimals(0, 10**12, places=2).map(str)
    | st.sampled_from(
        [
            *("-0", "-1", "1e-99999999", "0E-99999999", "0.00000000000000000001", "sNaN"),
            *("1E+11", "1E+12", "1000000000000.000001"),
        ]
    )
)
INTEGERS = st.integers() | st.integers(0, 1000) | st.sampled_from([-1, 2**63 - 1, 2**63, 10**30])
TWEAKS = st.sampled_from(["x", " ", "Z", "+05:00", ".5", "0", "é", "\n", "\x00", "\u2028"])
# A restore stores about what the file says: no field may grow (as "1e-99999999" did, written
# out to 100 MB), and no file may take long (as 1e99999999 in an integer field did, minutes).
GROWTH = 3
SECONDS = 5.0


def _tweaked(draw: st.DrawFn, value: Any) -> Any:
    if isinstance(value, int):
        return draw(INTEGERS)
    text = str(value)
    if re.fullmatch(r"\d{4}-\d\d-\d\dT.*", text):
        return draw(TIMES)
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        return draw(DAYS)
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return draw(AMOUNTS)
    tweak = draw(TWEAKS)
    return draw(st.sampled_from([tweak + text, text + tweak]))


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def _text(document: Any, ensure_ascii: bool) -> bytes:
    text = json.dumps(document, ensure_ascii=ensure_ascii)
    for token, raw in RAW.items():
        text = text.replace(f'"{token}"', raw)
    return text.encode()


@st.composite
def edited_backups(draw: st.DrawFn) -> bytes:
    """The real export with one to four edits: replace or tweak, delete, add or duplicate a node."""
    document = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        # A section first (or the top level), so that the few events get their share; then a
        # node in it, a third of the time a whole record.
        section = draw(st.sampled_from(["clicks", "events", "orders", None]))
        every = node_paths(document)
        paths = [
            path for path in every if (path[:1] == (section,) if section else len(path) <= 1)
        ] or every
        records = [path for path in paths if len(path) == 2] or paths
        path = draw(st.sampled_from(records) | st.sampled_from(paths) | st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "tweak", "delete", "add", "duplicate"]))
        if not path:
            document[draw(KEYS)] = draw(VALUES)
            continue
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if action == "replace":
            parent[last] = draw(REPLACEMENTS)
        elif action == "tweak" and isinstance(parent[last], str | int):
            parent[last] = _tweaked(draw, parent[last])
        elif action == "delete":
            del parent[last]
        elif action == "add" and isinstance(parent[last], dict):
            parent[last][draw(KEYS)] = draw(VALUES)
        elif action == "add" and isinstance(parent[last], list):
            parent[last].append(draw(VALUES))
        elif isinstance(parent, list):  # duplicate: the same record twice
            parent.append(copy.deepcopy(parent[last]))
    return _text(document, ensure_ascii=draw(st.booleans()))


# Field by field: each kind of value the ledger computes with, set to the values its rules
# draw the line at (times at datetime's edges, days, amounts, counts); odd keys added to any
# object; a record left out or given twice. One to three such edits in an otherwise good file,
# so that most of them get to the restore.
KINDS: dict[str, tuple[set[str], st.SearchStrategy[Any]]] = {
    "time": (
        {"created_at", "followed_at", "landed_at", "cart_at", "checkout_at", "exported_at"}
        | {"at", "received_at", "ordered_at"},
        TIMES,
    ),
    "day": ({"confirmed_on", "credited_on", "declined_on"}, DAYS),
    "money": ({"amount", "confirmed_cashback", "credited_cashback", "fixed_amount"}, AMOUNTS),
    "rate": ({"rate_percent"}, AMOUNTS),
    "count": ({"follow_count", "pages_seen", "confirmation_days", "version"}, INTEGERS),
}
ODD_KEYS = st.sampled_from(
    [
        *("", " ", "0", "a.b", "a\nb", "x\n  orders[0].amount: forged", "\r", "\x1b[2J"),
        *("\u2028", "\x85", "\u202e", "\x00", '"', "\\", "é"),
    ]
) | st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8)


@st.composite
def field_edits(draw: st.DrawFn) -> bytes:
    document = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from([*KINDS, "key", "drop", "twice"]))
        paths = node_paths(document)
        if kind == "key":  # into an object of each shape alike: records, offers, event data...
            shapes: dict[Any, list[tuple[Any, ...]]] = {}
            for path in paths:
                if isinstance(_at(document, path), dict):
                    shape = path[-1] if path and isinstance(path[-1], str) else path[:1]
                    shapes.setdefault(shape, []).append(path)
            shape = draw(st.sampled_from(sorted(shapes, key=str)))
            _at(document, draw(st.sampled_from(shapes[shape])))[draw(ODD_KEYS)] = draw(SCALARS)
            continue
        if kind in ("drop", "twice"):  # a whole record: left out (orders may lean on it), or twice
            section = document[draw(st.sampled_from(["clicks", "events", "orders"]))]
            if not section:
                continue
            record = section[draw(st.integers(0, len(section) - 1))]
            section.remove(record) if kind == "drop" else section.append(copy.deepcopy(record))
            continue
        names, values = KINDS[kind]
        fields = [path for path in paths if path and path[-1] in names]
        if fields:
            *parent, last = draw(st.sampled_from(fields))
            _at(document, tuple(parent))[last] = draw(values)
    return _text(document, ensure_ascii=draw(st.booleans()))


# Derandomized: the same examples every run, so `make test` is repeatable; no example database.
FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(st.binary(max_size=2000))
@example(b"")
@example(b"\xff\xfe{")
@example(b"[" * 100_000)
@example(b'{"format": "cashback-companion-ledger", "version": ' + b"9" * 5000 + b"}")
def test_any_bytes(document: bytes) -> None:
    assert_clear_outcome(_copy_of_target(), document)


@FUZZ
@given(
    VALUES
    | st.dictionaries(KEYS, VALUES, max_size=4).map(
        lambda extra: {"format": "cashback-companion-ledger", "version": 1, **extra}
    )
)
def test_any_json(value: Any) -> None:
    assert_clear_outcome(_copy_of_target(), _text(value, ensure_ascii=False))


@settings(FUZZ, max_examples=600)
@given(edited_backups())
@example(BASE_TEXT.encode())
@example(_text({**BASE, "clicks": [{**BASE["clicks"][0], "pages_seen": "@raw-huge-int@"}]}, True))
@example(_text({**BASE, "clicks": [{**BASE["clicks"][0], "pages_seen": "@raw-huge@"}]}, True))
@example(_text({**BASE, "clicks": [{**BASE["clicks"][0], "pages_seen": "@raw-tiny@"}]}, True))
@example(_text({**BASE, "orders": [{**BASE["orders"][0], "amount": "@raw-zero-tiny@"}]}, True))
def test_edited_backups(document: bytes) -> None:
    assert_clear_outcome(_copy_of_target(), document)


@settings(FUZZ, max_examples=400)
@given(field_edits())
def test_field_edits(document: bytes) -> None:
    assert_clear_outcome(_copy_of_target(), document)


def test_the_edits_reach_past_the_json_layer() -> None:
    """The fuzzers are worth running only if edited files reach the model's own rules and the
    restore's, and if a fair share of them is restored (so the checks after a restore run)."""
    reasons: set[str] = set()
    restored = 0

    def collect(document: bytes) -> None:
        nonlocal restored
        try:
            restore(_copy_of_target(), parse_backup(document))
            restored += 1
        except BackupError as refusal:
            reasons.update(refusal.problems)

    settings(FUZZ, max_examples=200)(given(edited_backups())(collect))()
    settings(FUZZ, max_examples=200)(given(field_edits())(collect))()
    text = "\n".join(reasons)
    for rule in (
        "Extra inputs are not permitted",  # unknown keys
        "Field required",
        "String should match pattern",  # ids, currencies
        "Input should be",  # literals, types
        "Value error, data.",  # an event's data, checked by its type
        "must be in the years",  # times and days the ledger can compute with
        "decimal places",  # amounts that would be stored written out
        "less than or equal to",  # amounts, counts
        "the same as",  # duplicated records
        "no click",  # the restore's own check, against the stored log
    ):
        assert rule in text, f"no edited backup was refused for {rule!r}"
    assert restored >= 40, f"only {restored} of 400 edited backups were restored"


def test_the_base_is_a_rich_export() -> None:
    assert {event["type"] for event in BASE["events"]} == {"landing", "page", "order"}
    assert any(row["click_id"] is None for row in BASE["orders"])
    assert any(row["credited_on"] for row in BASE["orders"])
    assert any(row["declined_on"] for row in BASE["orders"])
    assert parse_backup(BASE_TEXT)


# The command itself, in-process, on a sample of the same files: it exits 0 or 1, and a
# refusal is its documented words on stderr, never a traceback.
@settings(FUZZ, max_examples=60)
@given(edited_backups() | st.binary(max_size=200))
def test_the_command(tmp_path: Path, document: bytes) -> None:
    file = tmp_path / "backup.json"
    file.write_bytes(document)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["log", "import", str(file)])
    if code == 0:
        assert out.getvalue().startswith("Imported "), out.getvalue()
        return
    assert code == 1
    first, *problems, last = err.getvalue().split("\n")[:-1]
    assert re.fullmatch(
        rf"cashback-companion: {re.escape(str(file))} is not a ledger backup this companion can"
        r" import \(\d+ problems?\):",
        first,
    ), first
    assert problems, err.getvalue()
    assert all(line.startswith("  ") for line in problems), err.getvalue()
    assert last == "Nothing was imported; the stored log is unchanged."


@pytest.mark.parametrize("backup", [BASE_TEXT])
def test_a_real_export_restores_on_a_fresh_machine(backup: str) -> None:
    conn = connect(Path(":memory:"))
    use_catalog(conn, CATALOG)
    done = restore(conn, parse_backup(backup))
    assert (done.clicks, done.events, done.orders, done.skipped) == (
        len(BASE["clicks"]),
        len(BASE["events"]),
        len(BASE["orders"]),
        0,
    )
    assert exported(conn, LEDGER) == backup
