"""Runs of the tracking checks, kept with the click's session in SQLite (table ``check_runs``).

Every run made for a click is stored, so the log can show the checks as they stood when the order
was placed (:func:`run_at`), or as they stand now (:func:`latest_run`). A run keeps its verdicts
as reason codes with their arguments, not sentences: they are put into words when read, in the
reader's language (:mod:`companion.diagnostics.texts`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any, cast

from companion.diagnostics.checks import Action, Verdict
from companion.diagnostics.texts import Lang, worded
from companion.diagnostics.verdict import Overall
from companion.storage.db import transaction


@dataclass(frozen=True)
class CheckRun:
    run_id: int
    click_id: str
    at: str
    page: str | None
    verdict: Overall
    verdicts: list[Verdict]
    facts: dict[str, Any]


def record_run(
    conn: sqlite3.Connection,
    click_id: str,
    at: str,
    page: str | None,
    verdict: Overall,
    verdicts: list[Verdict],
    facts: dict[str, Any],
) -> int:
    with transaction(conn):
        cursor = conn.execute(
            "INSERT INTO check_runs (click_id, at, page, verdict, checks, facts)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                click_id,
                at,
                page,
                verdict,
                json.dumps([_dump(v) for v in verdicts]),
                json.dumps(facts),
            ),
        )
    return int(cast(int, cursor.lastrowid))


def checks_for_click(conn: sqlite3.Connection, click_id: str) -> list[CheckRun]:
    """Every run for a click, newest first."""
    rows = conn.execute(
        "SELECT * FROM check_runs WHERE click_id = ? ORDER BY at DESC, id DESC", (click_id,)
    ).fetchall()
    return [_load(row) for row in rows]


def latest_run(conn: sqlite3.Connection, click_id: str) -> CheckRun | None:
    row = conn.execute(
        "SELECT * FROM check_runs WHERE click_id = ? ORDER BY at DESC, id DESC LIMIT 1",
        (click_id,),
    ).fetchone()
    return None if row is None else _load(row)


def run_at(conn: sqlite3.Connection, click_id: str, moment: str) -> CheckRun | None:
    """The last run at or before ``moment`` (a timestamp as ``companion.clock`` writes them),
    such as an order's ``ordered_at``: the checks as the shopper saw them when paying."""
    row = conn.execute(
        "SELECT * FROM check_runs WHERE click_id = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1",
        (click_id, moment),
    ).fetchone()
    return None if row is None else _load(row)


def checks_at_purchase(
    conn: sqlite3.Connection, click_id: str, ordered_at: str | None, lang: Lang = "en"
) -> tuple[Overall | None, list[dict[str, Any]]]:
    """The overall verdict and each check, in words, as they stood when the order was placed
    (or, before any order, as they stand now): what the log, the dashboard and a claim show."""
    run = latest_run(conn, click_id) if ordered_at is None else run_at(conn, click_id, ordered_at)
    return (None, []) if run is None else (run.verdict, worded(run.verdicts, lang))


def _dump(verdict: Verdict) -> dict[str, Any]:
    return {
        "check": verdict.check,
        "status": verdict.status,
        "reason": verdict.reason,
        "args": dict(verdict.args),
        "actions": [asdict(action) for action in verdict.actions],
    }


def verdict_of(item: dict[str, Any]) -> Verdict:
    """A check as stored (:func:`_dump`'s form) back as a :class:`Verdict`."""
    return Verdict(
        check=item["check"],
        status=item["status"],
        reason=item["reason"],
        args=item["args"],
        actions=tuple(Action(**action) for action in item["actions"]),
    )


def _load(row: sqlite3.Row) -> CheckRun:
    return CheckRun(
        run_id=row["id"],
        click_id=row["click_id"],
        at=row["at"],
        page=row["page"],
        verdict=row["verdict"],
        verdicts=[verdict_of(item) for item in json.loads(row["checks"])],
        facts=json.loads(row["facts"]),
    )
