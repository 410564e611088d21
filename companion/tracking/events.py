"""Events: what the extension saw after a click, and what each does to the click's session.

The extension makes each event's id and may send it more than once (it retries after timeouts
and keeps an offline queue), so an id already stored is acknowledged and ignored. A batch is one
transaction: after a crash either all of it is stored or none, and the extension sends it again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from companion.clock import iso, now_iso
from companion.ledger.limits import OUT_OF_RANGE, places, plausible
from companion.storage.db import transaction
from companion.text import no_controls
from companion.tracking.sightings import Completed, KnownOrder, NewOrder, place

# What the browser recorded on a store's pages: plain text, no control characters (companion/text.py).
Url = Annotated[str, StringConstraints(max_length=8192), AfterValidator(no_controls)]
Name = Annotated[str, StringConstraints(max_length=256), AfterValidator(no_controls)]
OrderNumber = Annotated[
    str, StringConstraints(min_length=1, max_length=128), AfterValidator(no_controls)
]


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a time must have a time zone (e.g. Z)")
    try:
        # Stored in UTC; an instant at the edge of datetime's range has no UTC form.
        in_utc = moment.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"a time out of range: {OUT_OF_RANGE}") from exc
    try:
        plausible(in_utc.date())
    except ValueError as exc:
        raise ValueError(f"a time out of range: {exc}") from exc
    return moment


def _text(value: object) -> object:
    # The protocol's times are ISO 8601 strings; pydantic would also read a number as Unix time.
    if not isinstance(value, str | datetime):
        raise ValueError("a time is an ISO 8601 string, e.g. 2026-11-23T08:00:00Z")
    return value


AwareTime = Annotated[datetime, BeforeValidator(_text), AfterValidator(_aware)]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LandingData(_Data):
    hops: Annotated[list[Url], Field(max_length=50)] = []
    landing_url: Url
    cookies_present: Annotated[list[Name], Field(max_length=50)] = []
    params_present: Annotated[list[Name], Field(max_length=50)] = []


class PageData(_Data):
    url: Url
    kind: Literal["page", "cart", "checkout"] = "page"


class OrderData(_Data):
    url: Url | None = None
    order_id: OrderNumber | None = None
    amount: (
        Annotated[
            Decimal, Field(ge=0, le=Decimal("1e12"), allow_inf_nan=False), AfterValidator(places)
        ]
        | None
    ) = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    source: Literal["order_page", "ga4", "ua", "jsonld", "wording", "manual"]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    at: AwareTime
    click_id: Annotated[str, StringConstraints(max_length=64)]


class LandingEvent(_Event):
    type: Literal["landing"]
    data: LandingData


class PageEvent(_Event):
    type: Literal["page"]
    data: PageData


class OrderEvent(_Event):
    type: Literal["order"]
    data: OrderData


Event = Annotated[LandingEvent | PageEvent | OrderEvent, Field(discriminator="type")]


class Rejected(BaseModel):
    id: str
    error: str


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)


# Status only moves forward: a late "landing" event must not undo "order_placed".
_STATUS_RANK = {"clicked": 0, "landed": 1, "order_placed": 2}


def ingest(
    conn: sqlite3.Connection, events: Sequence[LandingEvent | PageEvent | OrderEvent]
) -> IngestResult:
    result = IngestResult()
    received = now_iso()
    with transaction(conn):
        for event in events:
            if conn.execute("SELECT 1 FROM events WHERE id = ?", (event.id,)).fetchone():
                result.duplicates += 1
                continue
            click = conn.execute(
                "SELECT partner_id, status FROM clicks WHERE click_id = ?", (event.click_id,)
            ).fetchone()
            if click is None:
                result.rejected.append(Rejected(id=event.id, error="click_id: no such click"))
                continue
            at = iso(event.at)
            conn.execute(
                "INSERT INTO events (id, click_id, type, at, received_at, data) VALUES (?, ?, ?, ?, ?, ?)",
                (event.id, event.click_id, event.type, at, received, event.data.model_dump_json()),
            )
            _apply(conn, event, at, click["partner_id"], click["status"])
            result.accepted += 1
    return result


def _advance(conn: sqlite3.Connection, click_id: str, current: str, new: str) -> None:
    if _STATUS_RANK[new] > _STATUS_RANK.get(current, 0):
        conn.execute("UPDATE clicks SET status = ? WHERE click_id = ?", (new, click_id))


def _apply(
    conn: sqlite3.Connection,
    event: LandingEvent | PageEvent | OrderEvent,
    at: str,
    partner: str,
    status: str,
) -> None:
    if isinstance(event, LandingEvent):
        data = event.data
        tracked = bool(data.cookies_present or data.params_present)
        conn.execute(
            "UPDATE clicks SET landed_at = COALESCE(landed_at, ?), landing_url = ?, hops = ?,"
            " tracking = ?, tracking_evidence = ? WHERE click_id = ?",
            (
                at,
                data.landing_url,
                json.dumps(data.hops),
                "tracked" if tracked else "at_risk",
                json.dumps({"cookies": data.cookies_present, "params": data.params_present}),
                event.click_id,
            ),
        )
        _advance(conn, event.click_id, status, "landed")
    elif isinstance(event, PageEvent):
        column = {"cart": "cart_at", "checkout": "checkout_at"}.get(event.data.kind)
        conn.execute(
            "UPDATE clicks SET pages_seen = pages_seen + 1 WHERE click_id = ?", (event.click_id,)
        )
        if column is not None:
            # column comes from the literal table above, never from input.
            conn.execute(
                f"UPDATE clicks SET {column} = COALESCE({column}, ?) WHERE click_id = ?",  # noqa: S608
                (at, event.click_id),
            )
    else:
        _place_order(conn, event, at, partner)
        _advance(conn, event.click_id, status, "order_placed")


def _place_order(conn: sqlite3.Connection, event: OrderEvent, at: str, partner: str) -> None:
    """Stores a sighting of an order as :func:`companion.tracking.sightings.place` decides."""
    order = event.data
    amount = None if order.amount is None else format(order.amount, "f")
    # A constant: the f-strings below add only their own WHERE clauses.
    columns = "SELECT id, order_id, amount IS NOT NULL AS priced FROM orders"
    numbered = None
    if order.order_id is not None:
        row = conn.execute(
            f"{columns} WHERE partner_id = ? AND order_key = ? AND order_id IS NOT NULL",
            (partner, order.order_id),
        ).fetchone()
        numbered = None if row is None else _known(row)
    of_click = [
        _known(row) for row in conn.execute(f"{columns} WHERE click_id = ?", (event.click_id,))
    ]
    action = place(order.order_id, amount is not None, event.click_id, numbered, of_click)
    if isinstance(action, NewOrder):
        conn.execute(
            "INSERT INTO orders (partner_id, order_key, click_id, order_id, amount, currency,"
            " ordered_at, source, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            # A number that reads like another click's key ("click:c_...") is left out.
            " ON CONFLICT (partner_id, order_key) DO NOTHING",
            (
                partner,
                action.key,
                event.click_id,
                order.order_id,
                amount,
                order.currency,
                at,
                order.source,
                order.url,
            ),
        )
    elif isinstance(action, Completed):
        # SET reads the row as it was: the currency comes with the amount it belongs to. The
        # time, page and source stay those of the first sighting, when the order was placed.
        conn.execute(
            "UPDATE orders SET order_key = COALESCE(?, order_key),"
            " order_id = COALESCE(?, order_id), amount = COALESCE(amount, ?),"
            " currency = CASE WHEN amount IS NULL THEN ? ELSE currency END WHERE id = ?",
            (action.order_id, action.order_id, amount, order.currency, action.row),
        )


def _known(row: sqlite3.Row) -> KnownOrder:
    return KnownOrder(row["id"], row["order_id"], bool(row["priced"]))
