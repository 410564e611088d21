"""A ledger catalog for tests, clicks and orders made the way the companion makes them, and
``seed_purchases``: N purchases in one go, for tests and benchmarks of the log at size.

``seed_purchases`` writes through the backup importer (``companion/ledger/backup.restore``), the
same bulk path ``cashback-companion log import`` uses, so what it stores is what a real import
would store.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from companion.catalog.store import load_index, save_catalog
from companion.catalog.validate import parse_catalog
from companion.clock import iso
from companion.ledger.backup import Backup, Restored, restore
from companion.ledger.orders import Ledger, add_order, mark
from companion.tracking.clicks import create_click
from companion.tracking.events import Event, ingest
from companion.tracking.matcher import PartnerIndex

CATALOG: dict[str, Any] = {
    "name": "Ledger tests",
    "programs": [
        {
            "id": "mts",
            "name": "MTS Cashback",
            "currency": "RUB",
            "rounding": "half_up_integer",
            "monthly_cap": "10000",
            "confirmation_days": 90,
            "payout_day": 1,
            "timezone": "Europe/Moscow",
        },
        {"id": "plain", "name": "Plain Rewards", "currency": "RUB", "confirmation_days": 45},
    ],
    "partners": [
        {
            "id": "shop",
            "name": "Demo Shop",
            "category": "online_stores",
            "domains": ["shop.example"],
            "offers": [
                {"program": "mts", "rate_percent": "5", "go_url": "https://mts.example/go?s={click_id}&to={target_url}"},
                {"program": "plain", "rate_percent": "3", "go_url": "https://plain.example/r?u={target_url}"},
            ],
            "tracking": {"cookies": ["aff_click"], "params": ["aff_id"]},
        },
        {
            "id": "aliexpress",
            "name": "AliExpress",
            "category": "online_stores",
            "domains": ["aliexpress.com"],
            "offers": [
                {"program": "mts", "rate_percent": "5", "confirmation_days": 50, "go_url": "https://mts.example/go/ali?s={click_id}"}
            ],
        },
        {
            "id": "trips",
            "name": "Trips",
            "category": "travel",
            "domains": ["trips.example"],
            "offers": [
                {"program": "mts", "fixed_amount": "300", "go_url": "https://mts.example/go/trips?s={click_id}"}
            ],
        },
    ],
}  # fmt: skip


def use_catalog(conn: sqlite3.Connection, catalog: dict[str, Any] | None = None) -> PartnerIndex:
    save_catalog(conn, parse_catalog(json.dumps(catalog or CATALOG)), "test")
    index = load_index(conn, lambda: conn)
    assert index is not None
    return index


def click(
    conn: sqlite3.Connection,
    index: PartnerIndex,
    at: str,
    url: str = "https://shop.example/item/1",
    program: str | None = "mts",
) -> str:
    """A click made as Activate makes it, dated ``at``."""
    made = create_click(conn, index, url, program)
    conn.execute("UPDATE clicks SET created_at = ? WHERE click_id = ?", (at, made.click_id))
    return made.click_id


def send(conn: sqlite3.Connection, click_id: str, kind: str, at: str, **data: Any) -> None:
    """One event from the extension, through the companion's own ingest."""
    event = TypeAdapter(Event).validate_python(
        {"id": uuid.uuid4().hex, "type": kind, "at": at, "click_id": click_id, "data": data}
    )
    result = ingest(conn, [event])
    assert result.accepted == 1, result


def landing(conn: sqlite3.Connection, click_id: str, at: str, tracked: bool = True) -> None:
    send(
        conn,
        click_id,
        "landing",
        at,
        hops=["http://127.0.0.1:47615/go/" + click_id, "https://net.example/click"],
        landing_url="https://shop.example/item/1?aff_id=NET-1",
        cookies_present=["aff_click"] if tracked else [],
        params_present=["aff_id"] if tracked else [],
    )


def order(
    conn: sqlite3.Connection,
    click_id: str,
    at: str,
    order_id: str | None = "A-1001",
    amount: str | None = "2450.50",
    currency: str | None = "RUB",
) -> None:
    send(
        conn,
        click_id,
        "order",
        at,
        url="https://shop.example/order/complete",
        order_id=order_id,
        amount=amount,
        currency=currency,
        source="ga4",
    )


def seed_purchases(
    conn: sqlite3.Connection,
    index: PartnerIndex,
    count: int,
    start: datetime = datetime(2024, 1, 1, tzinfo=UTC),
    step: timedelta = timedelta(minutes=7),
) -> Restored:
    """``count`` purchases across every partner and offer of ``index``, one every ``step`` from
    ``start``: every other one with an order, two thirds of those confirmed, some credited or
    declined, a few added by hand. Deterministic, so two runs store the same log."""
    # By id: the host table keeps no order (the compiled one's is its hash seed's).
    named = sorted({partner_id for _, partner_id in index.hosts.items() if partner_id is not None})
    partners = [index.partner(partner_id) for partner_id in named]
    offers = [(p, view) for p in partners if p is not None for view in index.offers(p.id)]
    clicks: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    for number in range(count):
        partner, view = offers[number % len(offers)]
        moment = start + step * number
        manual = number % 50 == 49
        click_id = None if manual else f"c_seed{number:018d}"
        if click_id is not None:
            clicks.append(
                {
                    "click_id": click_id,
                    "created_at": iso(moment),
                    "partner_id": partner.id,
                    "partner_name": partner.name,
                    "program_id": view.program,
                    "program_name": view.program_name,
                    "offer": view.to_json(),
                    "target_url": f"https://{partner.domains[0]}/item/{number}",
                    "go_url": f"https://{view.program}.example/go?s={click_id}",
                    "status": "order_placed" if number % 2 else "landed",
                    "tracking": "at_risk" if number % 7 == 0 else "tracked",
                    "followed_at": iso(moment + timedelta(seconds=1)),
                    "follow_count": 1,
                    "landed_at": iso(moment + timedelta(seconds=3)),
                    "landing_url": f"https://{partner.domains[0]}/item/{number}?aff_id=NET-{number}",
                    "hops": [f"http://127.0.0.1:47615/go/{click_id}", "https://net.example/click"],
                    "tracking_evidence": {"cookies": ["aff_click"], "params": []},
                    "pages_seen": 3,
                    "cart_at": None,
                    "checkout_at": None,
                }
            )
        if manual or number % 2:
            ordered = moment + timedelta(minutes=5)
            confirmed = ordered.date() + timedelta(days=20) if number % 6 in (1, 5) else None
            credited = (
                confirmed + timedelta(days=15)
                if confirmed is not None and number % 12 == 1
                else None
            )
            orders.append(
                {
                    "partner_id": partner.id,
                    "order_key": f"S-{number}",
                    "click_id": click_id,
                    "order_id": f"S-{number}",
                    "amount": f"{500 + number % 4000}.50",
                    "currency": "RUB",
                    "ordered_at": iso(ordered),
                    "source": "manual" if manual else "ga4",
                    "url": None,
                    "program_id": view.program if manual else None,
                    "partner_name": partner.name if manual else None,
                    "program_name": view.program_name if manual else None,
                    "offer": view.to_json() if manual else None,
                    "confirmed_on": None if confirmed is None else confirmed.isoformat(),
                    "confirmed_cashback": None,
                    "credited_on": None if credited is None else credited.isoformat(),
                    "credited_cashback": "50" if credited is not None else None,
                    "declined_on": (ordered.date() + timedelta(days=10)).isoformat()
                    if confirmed is None and number % 10 == 3
                    else None,
                }
            )
    backup = Backup.model_validate(
        {
            "format": "cashback-companion-ledger",
            "version": 1,
            "exported_at": iso(start),
            "clicks": clicks,
            "events": [],
            "orders": orders,
        }
    )
    return restore(conn, backup)


def credited_by_hand(conn: sqlite3.Connection, ledger: Ledger) -> dict[str, Any]:
    """An order added by hand (AliExpress APP-7, 999.90 RUB through MTS), then marked confirmed
    and credited with 50: a record with every mark a shopper can make."""
    added = add_order(
        conn,
        ledger,
        partner="aliexpress",
        program="mts",
        amount=Decimal("999.90"),
        currency="RUB",
        ordered_at=datetime(2026, 1, 5, 10, tzinfo=UTC),
        order_id="APP-7",
    )
    mark(conn, ledger, added["id"], "confirm", date(2026, 2, 1), Decimal(50))
    return mark(conn, ledger, added["id"], "credit", date(2026, 3, 1), Decimal(50))
