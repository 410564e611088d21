"""Fill a companion's database with logged purchases: ``python -m benchmarks.purchases HOME N``.

N clicks on the stored catalog's stores, each followed by an order, written with the
companion's own functions (``create_click``, ``ingest``). It runs as its own process so it
uses the same companion code as the ``cashback-companion`` it prepares the data for.

Only this filling connection skips fsync (it would take many minutes otherwise); the
companion measured afterwards opens the database as it always does.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from companion.catalog.store import load_catalog
from companion.config import db_path
from companion.storage.db import connect
from companion.tracking.clicks import create_click
from companion.tracking.events import OrderEvent, ingest
from companion.tracking.matcher import PartnerIndex

BATCH = 500


def add_purchases(home: Path, count: int) -> None:
    conn = connect(db_path(home))
    conn.execute("PRAGMA synchronous = OFF")
    stored = load_catalog(conn)
    if stored is None:
        raise SystemExit(f"{home} has no catalog: import one first")
    index = PartnerIndex.from_catalog(stored.catalog, stored.version)
    domains = [domain for partner in stored.catalog.partners for domain in partner.domains]
    orders: list[OrderEvent] = []
    for number in range(count):
        url = f"https://www.{domains[number % len(domains)]}/item/{number}.html"
        click = create_click(conn, index, url, None)
        orders.append(
            OrderEvent.model_validate(
                {
                    "id": uuid.uuid4().hex,
                    "type": "order",
                    "at": "2026-11-23T08:05:00Z",
                    "click_id": click.click_id,
                    "data": {
                        "url": url,
                        "order_id": f"A-{number}",
                        "amount": f"{1000 + number % 5000}.50",
                        "currency": "RUB",
                        "source": "jsonld",
                    },
                }
            )
        )
        if len(orders) == BATCH:
            ingest(conn, orders)
            orders = []
    if orders:
        ingest(conn, orders)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


if __name__ == "__main__":
    add_purchases(Path(sys.argv[1]), int(sys.argv[2]))
