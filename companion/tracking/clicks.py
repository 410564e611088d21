"""Clicks: the logged affiliate redirect, and the click log they make.

A click is made only when the shopper presses Activate in the extension. It records what was
promised (the partner, the program and a snapshot of the offer, since rates change) and where
the shopper was going. ``/go/{click_id}`` then sends the browser to the program's redirect,
built only from the click's own record: nothing a caller supplies later becomes a redirect
target.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from companion.clock import now_iso
from companion.errors import InputError
from companion.storage.db import transaction
from companion.tracking.hosts import parse_http_url
from companion.tracking.matcher import PartnerIndex

CLICK_ID_PREFIX = "c_"


class ClickError(InputError):
    """A click that cannot be made; ``code`` says why, for the API's answer: ``invalid`` (no
    URL a browser would open), ``not_partner`` or ``no_offer`` (the catalog has no such store,
    or no such offer for it: the extension's copy of the catalog was behind)."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message, field)
        self.code = code


@dataclass(frozen=True)
class NewClick:
    click_id: str
    created_at: str
    partner: str
    program: str


def new_click_id() -> str:
    # 128 random bits: a page that can reach /go/ still cannot guess a shopper's click.
    return CLICK_ID_PREFIX + secrets.token_urlsafe(16)


def render_go_url(template: str, click_id: str, target_url: str) -> str:
    return template.replace("{click_id}", quote(click_id, safe="")).replace(
        "{target_url}", quote(target_url, safe="")
    )


def create_click(
    conn: sqlite3.Connection, index: PartnerIndex, url: str, program: str | None
) -> NewClick:
    try:
        target = parse_http_url(url)
    except ValueError as exc:
        raise ClickError(str(exc), "url") from exc
    match = index.match_host(target.host)
    if match is None:
        raise ClickError(
            f"{target.host} is not a partner store of any program", "url", "not_partner"
        )
    if program is None:
        chosen = match.offers[0]
    else:
        found = [view for view in match.offers if view.program == program]
        if not found:
            raise ClickError(
                f"{match.partner.name} has no offer from program {program!r}", "program", "no_offer"
            )
        chosen = found[0]
    click = NewClick(new_click_id(), now_iso(), match.partner.id, chosen.program)
    target_url = str(target)
    with transaction(conn):
        conn.execute(
            "INSERT INTO clicks (click_id, created_at, partner_id, partner_name, program_id,"
            " program_name, offer, target_url, go_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                click.click_id,
                click.created_at,
                match.partner.id,
                match.partner.name,
                chosen.program,
                chosen.program_name,
                json.dumps(chosen.to_json()),
                target_url,
                render_go_url(chosen.offer.go_url, click.click_id, target_url),
            ),
        )
    return click


def follow_click(conn: sqlite3.Connection, click_id: str) -> str | None:
    """The redirect target of a click, noting that it was followed; ``None`` if there is no such click."""
    if not click_id.startswith(CLICK_ID_PREFIX) or len(click_id) > 64:
        return None
    with transaction(conn):
        row = conn.execute("SELECT go_url FROM clicks WHERE click_id = ?", (click_id,)).fetchone()
        if row is None:
            return None
        conn.execute(
            "UPDATE clicks SET followed_at = COALESCE(followed_at, ?),"
            " follow_count = follow_count + 1 WHERE click_id = ?",
            (now_iso(), click_id),
        )
    return str(row["go_url"])


# The log joins each click with the first order recorded for it.
_LOG_SELECT = """
SELECT c.*, o.order_id AS order_id, o.amount AS order_amount, o.currency AS order_currency,
       o.ordered_at AS ordered_at, o.source AS order_source
FROM clicks AS c
LEFT JOIN orders AS o ON o.id = (SELECT MIN(id) FROM orders WHERE click_id = c.click_id)
"""


def record_of(row: sqlite3.Row) -> dict[str, Any]:
    """A click (with its order's columns aliased as in ``_LOG_SELECT``) as the log shows it.

    The purchase ledger (``companion/ledger/orders.py``) builds on the same record."""
    return {
        "click_id": row["click_id"],
        "created_at": row["created_at"],
        "partner": row["partner_id"],
        "partner_name": row["partner_name"],
        "program": row["program_id"],
        "program_name": row["program_name"],
        "offer": json.loads(row["offer"]),
        "target_url": row["target_url"],
        "status": row["status"],
        "tracking": row["tracking"],
        "followed_at": row["followed_at"],
        "landed_at": row["landed_at"],
        "landing_url": row["landing_url"],
        "hops": json.loads(row["hops"]) if row["hops"] else [],
        "tracking_evidence": json.loads(row["tracking_evidence"])
        if row["tracking_evidence"]
        else None,
        "pages_seen": row["pages_seen"],
        "cart_at": row["cart_at"],
        "checkout_at": row["checkout_at"],
        "order_id": row["order_id"],
        "order_amount": row["order_amount"],
        "order_currency": row["order_currency"],
        "ordered_at": row["ordered_at"],
        "order_source": row["order_source"],
    }


def click_log(
    conn: sqlite3.Connection, limit: int = 50, before: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first, ``limit`` at a time; ``before`` is the ``next`` cursor of the previous page."""
    if before is None:
        rows = conn.execute(
            _LOG_SELECT + " ORDER BY c.created_at DESC, c.click_id DESC LIMIT ?", (limit + 1,)
        ).fetchall()
    else:
        rows = conn.execute(  # _LOG_SELECT is a constant: nothing from input is spliced in
            _LOG_SELECT  # noqa: S608
            + " WHERE (c.created_at, c.click_id) <"
            " (SELECT created_at, click_id FROM clicks WHERE click_id = ?)"
            " ORDER BY c.created_at DESC, c.click_id DESC LIMIT ?",
            (before, limit + 1),
        ).fetchall()
    records = [record_of(row) for row in rows[:limit]]
    cursor = records[-1]["click_id"] if len(rows) > limit else None
    return records, cursor


def get_click(conn: sqlite3.Connection, click_id: str) -> dict[str, Any] | None:
    row = conn.execute(_LOG_SELECT + " WHERE c.click_id = ?", (click_id,)).fetchone()
    return None if row is None else record_of(row)
