"""Backing up the ledger and restoring it: the round trip, and the files it refuses."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from companion.diagnostics.diagnose import diagnose
from companion.diagnostics.facts import Facts
from companion.ledger.backup import BackupError, parse_backup, restore, write_backup
from companion.ledger.claim import claim_evidence, claim_text
from companion.ledger.orders import Ledger, LogFilter, add_order, iter_records
from companion.storage.db import connect
from companion.tracking.matcher import PartnerIndex
from tests.unit.ledger_seed import (
    CATALOG,
    click,
    credited_by_hand,
    landing,
    order,
    seed_purchases,
    use_catalog,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def open_db(tmp_path: Path) -> Iterator[Callable[[str], tuple[sqlite3.Connection, Ledger]]]:
    """Databases of separate machines, each with the test catalog."""
    opened: list[sqlite3.Connection] = []

    def make(name: str) -> tuple[sqlite3.Connection, Ledger]:
        conn = connect(tmp_path / f"{name}.sqlite3")
        opened.append(conn)
        index: PartnerIndex = use_catalog(conn)
        return conn, Ledger(index, NOW)

    yield make
    for conn in opened:
        conn.close()


# The browser's facts at the checkout of the purchase in `filled`: a private window that blocks
# cookies, so its checks at purchase read untracked.
CHECKOUT = {
    "partner": "shop",
    "page": "checkout",
    "landed": True,
    "incognito": True,
    "cookie_setting": "block",
}


def filled(conn: sqlite3.Connection, ledger: Ledger) -> None:
    cid = click(conn, ledger.index, "2026-02-01T09:00:00.000Z")
    landing(conn, cid, "2026-02-01T09:00:03Z")
    checked = datetime(2026, 2, 1, 9, 15, tzinfo=UTC)
    diagnose(conn, ledger.index, Facts.model_validate(CHECKOUT), cid, checked)
    order(conn, cid, "2026-02-01T09:20:00Z")
    credited_by_hand(conn, ledger)
    seed_purchases(conn, ledger.index, 40, start=datetime(2025, 9, 1, tzinfo=UTC))


def exported(conn: sqlite3.Connection, ledger: Ledger) -> str:
    out = io.StringIO()
    write_backup(conn, ledger, out)
    return out.getvalue()


def log_of(conn: sqlite3.Connection, ledger: Ledger) -> list[dict[str, Any]]:
    records = list(iter_records(conn, ledger, LogFilter()))
    for record in records:
        # Row ids are each database's own; everything else must survive the move.
        record.pop("id")
    return records


def test_round_trip_to_another_machine(
    open_db: Callable[[str], tuple[sqlite3.Connection, Ledger]],
) -> None:
    here, here_ledger = open_db("here")
    filled(here, here_ledger)
    text = exported(here, here_ledger)
    document = json.loads(text)
    assert document["format"] == "cashback-companion-ledger"
    assert {len(document[k]) > 0 for k in ("clicks", "events", "orders", "check_runs")} == {True}
    # Each order carries what the ledger made of it, for whoever reads the file.
    first = document["orders"][0]
    assert {"id", "expected_cashback", "confirmation_due", "expected_payout"} <= set(first)

    there, there_ledger = open_db("there")
    done = restore(there, parse_backup(text))
    assert (done.clicks, done.events, done.orders, done.check_runs, done.skipped) == (
        len(document["clicks"]),
        len(document["events"]),
        len(document["orders"]),
        len(document["check_runs"]),
        0,
    )
    assert log_of(there, there_ledger) == log_of(here, here_ledger)
    # A claim made on the new machine shows the checks as they stood at the purchase.
    assert claims(there, there_ledger) == claims(here, here_ledger)
    checked = [
        claim_evidence(record)["checks_verdict"]
        for record in iter_records(there, there_ledger, LogFilter())
    ]
    assert "untracked" in checked
    # The same file again adds nothing; and a new export of the copy is the same file.
    again = restore(there, parse_backup(text))
    assert (again.clicks, again.events, again.orders, again.check_runs) == (0, 0, 0, 0)
    assert again.skipped == done.clicks + done.events + done.orders + done.check_runs
    assert exported(there, there_ledger) == text


BLOCKER = {"id": "cjpalhdlnbpafiamejdnhcphjbkeiagm", "name": "uBlock Origin"}
LONG_HOST = ".".join(["a" * 62] * 4)[:253]
# Facts whose checks say odd things: an overwrite or a blocked redirect by no listed extension
# (an empty list of names), a re-entry through a 253-character host, a listed blocker whose
# name is empty or holds control characters.
ODD_FACTS: list[dict[str, Any]] = [
    {"cookies_changed": ["aff_click"], "extensions": []},
    {"refused": [{"host": "net.example", "error": "net::ERR_BLOCKED_BY_CLIENT"}]},
    {"reentries": [{"via": LONG_HOST, "from_store": True}]},
    {"reentries": [{"via": "evil\u202egro.example\n", "from_store": False}], "landed": True},
    {"extensions": [{**BLOCKER, "name": ""}]},
    {"extensions": [{**BLOCKER, "name": "Blocker\x1b[2J\u202e"}]},
    {"refused": [{"host": "a\x1b]8;;x", "error": "net::ERR_BLOCKED_BY_CLIENT"}]},
]


@pytest.mark.parametrize("changes", ODD_FACTS)
def test_every_stored_check_run_imports_again(
    open_db: Callable[[str], tuple[sqlite3.Connection, Ledger]], changes: dict[str, Any]
) -> None:
    """A backup holds what the checks said, whatever it was: the file the companion wrote must
    import."""
    here, _ = open_db("here")
    index = use_catalog(here, {**CATALOG, "extensions": {"ad_blockers": [BLOCKER]}})
    ledger = Ledger(index, NOW)
    cid = click(here, index, "2026-02-01T09:00:00.000Z")
    facts = Facts.model_validate({**CHECKOUT, "incognito": False, **changes})
    diagnose(here, index, facts, cid, datetime(2026, 2, 1, 9, 15, tzinfo=UTC))
    text = exported(here, ledger)
    there, _ = open_db("there")
    assert restore(there, parse_backup(text)).check_runs == 1


def claims(conn: sqlite3.Connection, ledger: Ledger) -> list[str]:
    return [
        claim_text(claim_evidence(record))
        for record in iter_records(conn, ledger, LogFilter())
        if record["ordered_at"] is not None
    ]


def test_a_version_1_file_from_before_the_checks_were_backed_up_imports(
    open_db: Callable[[str], tuple[sqlite3.Connection, Ledger]],
) -> None:
    here, here_ledger = open_db("here")
    filled(here, here_ledger)
    document = json.loads(exported(here, here_ledger))
    document["version"] = 1
    del document["check_runs"]
    there, there_ledger = open_db("there")
    done = restore(there, parse_backup(json.dumps(document)))
    assert (done.orders, done.check_runs) == (len(document["orders"]), 0)

    def without_checks(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in r.items() if k not in ("checks", "checks_verdict")} for r in records
        ]

    assert without_checks(log_of(there, there_ledger)) == without_checks(log_of(here, here_ledger))


class _ShopperMeanwhile(io.StringIO):
    """The export's output; when the clicks are written, the running companion (another
    connection) logs a new click with its landing, as it would while the shopper buys."""

    def __init__(self, companion: sqlite3.Connection, index: PartnerIndex) -> None:
        super().__init__()
        self.companion, self.index = companion, index

    def write(self, text: str) -> int:
        if '"events": [' in text:
            cid = click(self.companion, self.index, "2026-03-10T11:59:00.000Z")
            landing(self.companion, cid, "2026-03-10T11:59:03Z")
        return super().write(text)


def test_an_export_is_one_moment_of_the_log_while_the_companion_writes(
    open_db: Callable[[str], tuple[sqlite3.Connection, Ledger]], tmp_path: Path
) -> None:
    here, here_ledger = open_db("here")
    filled(here, here_ledger)
    before = log_of(here, here_ledger)
    companion = connect(tmp_path / "here.sqlite3")
    out = _ShopperMeanwhile(companion, here_ledger.index)
    write_backup(here, here_ledger, out)
    companion.close()

    there, there_ledger = open_db("there")
    restore(there, parse_backup(out.getvalue()))
    assert log_of(there, there_ledger) == before
    assert len(log_of(here, here_ledger)) == len(before) + 1


def test_restore_merges_and_keeps_what_is_stored(
    open_db: Callable[[str], tuple[sqlite3.Connection, Ledger]],
) -> None:
    here, here_ledger = open_db("here")
    filled(here, here_ledger)
    text = exported(here, here_ledger)
    there, there_ledger = open_db("there")
    mine = add_order(
        there,
        there_ledger,
        partner="aliexpress",
        program="mts",
        amount=Decimal("999.90"),
        currency="RUB",
        ordered_at=datetime(2026, 1, 5, 10, tzinfo=UTC),
        order_id="APP-7",
    )
    done = restore(there, parse_backup(text))
    assert done.skipped == 1  # the order both machines have
    kept = [r for r in iter_records(there, there_ledger, LogFilter(search="APP-7"))]
    assert [(r["id"], r["ledger_state"]) for r in kept] == [(mine["id"], mine["ledger_state"])]


def bad(change: Callable[[dict[str, Any]], object]) -> bytes:
    document: dict[str, Any] = {
        "format": "cashback-companion-ledger",
        "version": 2,
        "exported_at": "2026-03-10T12:00:00.000Z",
        "clicks": [
            {
                "click_id": "c_abcdefghijklmnopqrstuv",
                "created_at": "2026-02-01T09:00:00.000Z",
                "partner_id": "shop",
                "partner_name": "Demo Shop",
                "program_id": "mts",
                "program_name": "MTS Cashback",
                "offer": {
                    "program": "mts",
                    "program_name": "MTS Cashback",
                    "currency": "RUB",
                    "rate_percent": "5",
                    "fixed_amount": None,
                    "up_to": False,
                    "confirmation_days": 90,
                    "note": None,
                },
                "target_url": "https://shop.example/",
                "go_url": "https://mts.example/go",
                "status": "order_placed",
                "tracking": "tracked",
                "followed_at": None,
                "follow_count": 0,
                "landed_at": None,
                "landing_url": None,
                "hops": None,
                "tracking_evidence": None,
                "pages_seen": 0,
                "cart_at": None,
                "checkout_at": None,
            }
        ],
        "events": [],
        "check_runs": [
            {
                "click_id": "c_abcdefghijklmnopqrstuv",
                "at": "2026-02-01T09:15:00.000Z",
                "page": "checkout",
                "verdict": "untracked",
                "checks": [
                    {
                        "check": "cookies",
                        "status": "fail",
                        "reason": "cookies_blocked",
                        "args": {"store": "Demo Shop"},
                        "actions": [],
                    }
                ],
                "facts": {"partner": "shop", "page": "checkout", "cookie_setting": "block"},
            }
        ],
        "orders": [
            {
                "partner_id": "shop",
                "order_key": "A-1",
                "click_id": "c_abcdefghijklmnopqrstuv",
                "order_id": "A-1",
                "amount": "2450.50",
                "currency": "RUB",
                "ordered_at": "2026-02-01T09:20:00.000Z",
                "source": "ga4",
                "url": None,
                "program_id": None,
                "partner_name": None,
                "program_name": None,
                "offer": None,
                "confirmed_on": None,
                "confirmed_cashback": None,
                "credited_on": None,
                "credited_cashback": None,
                "declined_on": None,
            }
        ],
    }
    change(document)
    return json.dumps(document).encode()


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for step in parents:
            node = node[int(step)] if step.isdigit() else node[step]
        node[int(last) if last.isdigit() else last] = value

    return change


def test_the_good_file_above_is_good(
    open_db: Callable[[str], tuple[sqlite3.Connection, Ledger]],
) -> None:
    """The refusals below are each one fault: the same file without it imports."""
    conn, _ = open_db("here")
    done = restore(conn, parse_backup(bad(lambda d: None)))
    assert (done.clicks, done.orders, done.check_runs) == (1, 1, 1)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (b"{", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[]", 'no "format"'),
        (b'{"format": "something else"}', 'no "format"'),
        (bad(_set("version", 3)), "newer companion"),
        (bad(lambda d: d.pop("orders")), "orders: Field required"),
        (bad(_set("clicks.0.created_at", "2026-02-01T09:00:00")), "clicks[0].created_at"),
        (bad(_set("clicks.0.click_id", "evil")), "clicks[0].click_id"),
        (bad(_set("clicks.0.go_url", "javascript:alert(1)")), "clicks[0].go_url"),
        (bad(_set("clicks.0.offer.confirmation_days", 0)), "clicks[0].offer.confirmation_days"),
        (bad(_set("clicks.0.status", "teleported")), "clicks[0].status"),
        (bad(_set("clicks.0.extra", 1)), "clicks[0].extra"),
        (bad(_set("orders.0.amount", "-1")), "orders[0].amount"),
        (bad(_set("orders.0.amount", "NaN")), "orders[0].amount"),
        (bad(_set("orders.0.confirmed_on", "2026-02-30")), "orders[0].confirmed_on"),
        (bad(_set("orders.0.credited_on", "2026-03-01")), "credited_on needs confirmed_on"),
        (bad(_set("orders.0.click_id", None)), "an order without a click needs"),
        (bad(lambda d: d["orders"].append(dict(d["orders"][0]))), "orders[1]: the same as orders[0]"),
        (bad(lambda d: d["clicks"].append(dict(d["clicks"][0]))), "clicks[1]: the same as clicks[0]"),
        (
            bad(lambda d: d["events"].append({"id": "event-0001", "click_id": "c_abcdefghijklmnopqrstuv",
                                              "type": "order", "at": "2026-02-01T09:20:00Z",
                                              "received_at": "2026-02-01T09:20:01Z",
                                              "data": {"source": "telepathy"}})),
            "events[0]: Value error, data.source",
        ),
        (bad(_set("orders.0.click_id", "c_nobodyknowsthisclick1")), "orders[0].click_id: no click"),
        (bad(_set("check_runs.0.click_id", "c_nobodyknowsthisclick1")), "check_runs[0].click_id: no click"),
        (bad(_set("orders.0.order_id", "A-1\x1b[2J")), "orders[0].order_id: Value error, must not hold control characters (\\x1b)"),
        (bad(_set("clicks.0.hops", ["https://x/\n  2. forged"])), "clicks[0].hops[0]: Value error, must not hold control characters (\\x0a)"),
        (bad(_set("check_runs.0.checks.0.reason", "made_up")), "check_runs[0]: Value error, checks[0]: no words for reason 'made_up'"),
        (bad(_set("check_runs.0.checks.0.args", {})), "check_runs[0]: Value error, checks[0]: no words for reason 'cookies_blocked'"),
        (bad(_set("check_runs.0.checks.0.check", "telepathy")), "check_runs[0].checks[0].check"),
        (bad(_set("check_runs.0.verdict", "maybe")), "check_runs[0].verdict"),
        (bad(_set("check_runs.0.facts.incognito", "perhaps")), "check_runs[0].facts.incognito"),
        (bad(_set("check_runs.0.facts.history", [])), "check_runs[0].facts.history: Extra inputs"),
        (bad(lambda d: d["check_runs"].append(dict(d["check_runs"][0]))), "check_runs[1]: the same as check_runs[0]"),
        # Found by tests/fuzz/test_log_import.py (docs/reliability.md, "Found"): each was a
        # traceback, a ledger that could no longer be listed or exported, or worse.
        (b"[" * 100_000, "not JSON: nested too deeply"),
        (b'{"format": "cashback-companion-ledger", "version": ' + b"1" * 5000 + b"}", "a number out of range"),
        (bad(_set("clicks.0.pages_seen", 0)).replace(b'"pages_seen": 0', b'"pages_seen": 1e99999999'), "a number out of range"),
        (bad(_set("clicks.0.pages_seen", 2**63)), "clicks[0].pages_seen: Input should be less than or equal to"),
        (bad(_set("clicks.0.created_at", "0001-01-01T00:00:00+05:00")), "clicks[0].created_at: Value error, must be in the years 1970 to 8999"),
        (bad(_set("orders.0.ordered_at", "9999-12-31T23:00:00Z")), "orders[0].ordered_at: Value error, must be in the years"),
        (bad(_set("orders.0.confirmed_on", "9999-12-31")), "orders[0].confirmed_on: Value error, must be in the years"),
        (bad(_set("orders.0.amount", "1e-99999999")), "orders[0].amount: Value error, must have at most 20 decimal places"),
        (bad(_set("orders.0.amount", "0E-99999999")), "orders[0].amount: Value error, must have at most 20 decimal places"),
        (bad(_set("clicks.0.offer.rate_percent", "1e-99999999")), "clicks[0].offer.rate_percent: Value error, must have at most"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_and_nothing_changes(
    open_db: Callable[[str], tuple[sqlite3.Connection, Ledger]], text: bytes, names: str
) -> None:
    conn, ledger = open_db("here")
    filled(conn, ledger)
    before = exported(conn, ledger)
    with pytest.raises(BackupError) as refused:
        restore(conn, parse_backup(text))
    assert names in str(refused.value)
    assert exported(conn, ledger) == before


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d.update({"": 1}), '"": Extra inputs are not permitted'),
        (lambda d: d["clicks"][0].update({"x\n  orders[0].amount: forged": 1}), 'clicks[0]."x\\n  orders[0].amount: forged": Extra'),
        (lambda d: d["clicks"][0]["offer"].update({"\u2028\x1b[2J": 1}), 'clicks[0].offer."\\u2028\\u001b[2J": Extra'),
        (
            lambda d: d["events"].append({"id": "event-0001", "click_id": "c_abcdefghijklmnopqrstuv", "type": "page",
                                          "at": "2026-02-01T09:20:00Z", "received_at": "2026-02-01T09:20:01Z",
                                          "data": {"url": "u", "x\ny": 1}}),
            'events[0]: Value error, data."x\\ny": Extra inputs are not permitted',
        ),
    ],
)  # fmt: skip
def test_an_unknown_key_is_named_on_one_line(
    change: Callable[[dict[str, Any]], object], named: str
) -> None:
    """A key from the file is quoted when it is not a plain name, with its line breaks and
    other unprintable characters escaped: it cannot split its problem or forge another."""
    with pytest.raises(BackupError) as refused:
        parse_backup(bad(change))
    [problem] = refused.value.problems
    assert problem.startswith(named)
    assert str(refused.value).splitlines()[1:] == [f"  {problem}"]


def test_many_problems_are_listed_briefly() -> None:
    def many(document: dict[str, Any]) -> None:
        document["orders"] = [
            dict(document["orders"][0], order_key=f"K{n}", amount="x") for n in range(30)
        ]

    with pytest.raises(BackupError) as refused:
        parse_backup(bad(many))
    message = str(refused.value)
    assert "(30 problems)" in message
    assert "orders[19].amount" in message
    assert "orders[20].amount" not in message
    assert "and 10 more" in message
