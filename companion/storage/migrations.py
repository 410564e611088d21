"""Schema migrations, in order. Never edit a released one: append a new one.

``PRAGMA user_version`` records how many have run.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the catalog, the click log with its purchase session, events, orders, pairing codes.
    """
    CREATE TABLE catalog (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        source TEXT NOT NULL,
        document TEXT NOT NULL
    );
    CREATE TABLE clicks (
        click_id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        partner_id TEXT NOT NULL,
        partner_name TEXT NOT NULL,
        program_id TEXT NOT NULL,
        program_name TEXT NOT NULL,
        offer TEXT NOT NULL,
        target_url TEXT NOT NULL,
        go_url TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'clicked',
        tracking TEXT NOT NULL DEFAULT 'unknown',
        followed_at TEXT,
        follow_count INTEGER NOT NULL DEFAULT 0,
        landed_at TEXT,
        landing_url TEXT,
        hops TEXT,
        tracking_evidence TEXT,
        pages_seen INTEGER NOT NULL DEFAULT 0,
        cart_at TEXT,
        checkout_at TEXT
    );
    CREATE INDEX clicks_by_time ON clicks (created_at DESC, click_id DESC);
    CREATE TABLE events (
        id TEXT PRIMARY KEY,
        click_id TEXT NOT NULL REFERENCES clicks (click_id),
        type TEXT NOT NULL,
        at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX events_by_click ON events (click_id, at);
    CREATE TABLE orders (
        id INTEGER PRIMARY KEY,
        partner_id TEXT NOT NULL,
        order_key TEXT NOT NULL,
        click_id TEXT REFERENCES clicks (click_id),
        order_id TEXT,
        amount TEXT,
        currency TEXT,
        ordered_at TEXT NOT NULL,
        source TEXT NOT NULL,
        url TEXT,
        UNIQUE (partner_id, order_key)
    );
    CREATE INDEX orders_by_click ON orders (click_id);
    CREATE TABLE pairing_codes (
        code_hash TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
    )
    """,
]
