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
    # 2: the purchase ledger (companion/ledger/). Orders added by hand (click_id NULL) carry
    # what a click would: the store's and program's names and the offer snapshot. The shopper's
    # marks are local dates in the program's time zone. The log's filters each have an index
    # that keeps newest-first paging a walk down an index. The dashboard's one-time login
    # tokens and sessions are stored as hashes, like pairing codes.
    """
    ALTER TABLE orders ADD COLUMN program_id TEXT;
    ALTER TABLE orders ADD COLUMN partner_name TEXT;
    ALTER TABLE orders ADD COLUMN program_name TEXT;
    ALTER TABLE orders ADD COLUMN offer TEXT;
    ALTER TABLE orders ADD COLUMN confirmed_on TEXT;
    ALTER TABLE orders ADD COLUMN confirmed_cashback TEXT;
    ALTER TABLE orders ADD COLUMN credited_on TEXT;
    ALTER TABLE orders ADD COLUMN credited_cashback TEXT;
    ALTER TABLE orders ADD COLUMN declined_on TEXT;
    CREATE INDEX orders_manual_by_time ON orders (ordered_at DESC, id DESC)
        WHERE click_id IS NULL;
    CREATE INDEX orders_by_confirmation ON orders (confirmed_on) WHERE confirmed_on IS NOT NULL;
    CREATE INDEX clicks_by_partner ON clicks (partner_id, created_at DESC, click_id DESC);
    CREATE INDEX clicks_by_program ON clicks (program_id, created_at DESC, click_id DESC);
    CREATE TABLE dashboard_logins (
        token_hash TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
    );
    CREATE TABLE dashboard_sessions (
        session_hash TEXT PRIMARY KEY,
        csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )
    """,
    # 3: runs of the tracking checks (companion/diagnostics/), each kept with its click's
    # session: the verdicts as reason codes with arguments, and the facts they were drawn from.
    """
    CREATE TABLE check_runs (
        id INTEGER PRIMARY KEY,
        click_id TEXT NOT NULL REFERENCES clicks (click_id),
        at TEXT NOT NULL,
        page TEXT,
        verdict TEXT NOT NULL,
        checks TEXT NOT NULL,
        facts TEXT NOT NULL
    );
    CREATE INDEX check_runs_by_click ON check_runs (click_id, at DESC, id DESC)
    """,
    # 4: the stored catalog split the way the running companion reads it, so that it can start
    # without validating every partner and keep only the host table in memory
    # (companion/catalog/store.py): its head (name, programs, known extensions) with the index
    # the extension downloads, stored as the JSON it is served as; one row per listed or
    # carved-out host; one row per partner, with its entry in that index (what a match answers)
    # and its validated record. These are written with `catalog` in one transaction. They sit
    # in tables of their own because SQLite reads a column stored after a large one by walking
    # that one's pages. A catalog stored before this migration has them filled in on the
    # companion's next start.
    """
    CREATE TABLE catalog_index (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version TEXT NOT NULL,
        head TEXT NOT NULL,
        partner_index BLOB NOT NULL
    );
    CREATE TABLE catalog_hosts (
        host TEXT PRIMARY KEY,
        partner_id TEXT
    ) WITHOUT ROWID;
    CREATE TABLE catalog_partners (
        id TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        category TEXT NOT NULL,
        entry TEXT NOT NULL,
        document TEXT NOT NULL
    );
    CREATE INDEX catalog_partners_categories ON catalog_partners (id, category)
    """,
    # 5: the log at size (companion/ledger/orders.py). The walk of the clicks by time also holds
    # each click's status, store, program and the text a search looks in (the same expression
    # as orders.py's _CLICK_TEXT, so SQLite reads it from the index): a search, or a state
    # filter that few records pass, reads the index alone and fetches only the rows that pass.
    # It takes the place of clicks_by_time, whose columns it begins with. Ascending, unlike
    # that one: a new click goes at its end, which keeps its pages full (half the size), and
    # SQLite walks it backwards for newest first.
    """
    DROP INDEX clicks_by_time;
    CREATE INDEX clicks_by_time_searched ON clicks (
        created_at,
        click_id,
        status,
        partner_id,
        program_id,
        (click_id || ' ' || partner_id || ' ' || partner_name || ' ' || program_name || ' '
            || target_url || ' ' || coalesce(landing_url, ''))
    )
    """,
    # 6: what the ledger's sums are made of changes only with an order, or with the click fields
    # an order is summed under, so a counter of those writes tells the totals page
    # (companion/ledger/totals.py) whether to make them again: the pages a shopper opens, the
    # landings and the logins are writes too, and used to make them again each time.
    """
    CREATE TABLE ledger_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
    );
    INSERT INTO ledger_version (id, version) VALUES (1, 0);
    CREATE TRIGGER ledger_order_added AFTER INSERT ON orders
    BEGIN UPDATE ledger_version SET version = version + 1; END;
    CREATE TRIGGER ledger_order_changed AFTER UPDATE ON orders
    BEGIN UPDATE ledger_version SET version = version + 1; END;
    CREATE TRIGGER ledger_order_removed AFTER DELETE ON orders
    BEGIN UPDATE ledger_version SET version = version + 1; END;
    CREATE TRIGGER ledger_click_changed
    AFTER UPDATE OF partner_id, partner_name, program_id, program_name, offer ON clicks
    BEGIN UPDATE ledger_version SET version = version + 1; END;
    CREATE TRIGGER ledger_click_removed AFTER DELETE ON clicks
    BEGIN UPDATE ledger_version SET version = version + 1; END
    """,
    # 7: which orders changed, where migration 6 only counted the writes, so the totals page
    # works out again the orders written since its last visit instead of all of them (a second
    # at 100,000 records). An order's row, or the click fields it is summed under, written or
    # removed adds its id; whoever reads compares the numbering with its own and, when it has
    # fallen further behind than the last CHANGES_KEPT changes, makes its sums anew.
    """
    DROP TRIGGER ledger_order_added;
    DROP TRIGGER ledger_order_changed;
    DROP TRIGGER ledger_order_removed;
    DROP TRIGGER ledger_click_changed;
    DROP TRIGGER ledger_click_removed;
    DROP TABLE ledger_version;
    CREATE TABLE ledger_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        order_row INTEGER NOT NULL
    );
    CREATE TRIGGER ledger_order_added AFTER INSERT ON orders
    BEGIN INSERT INTO ledger_changes (order_row) VALUES (NEW.id); END;
    CREATE TRIGGER ledger_order_changed AFTER UPDATE ON orders
    BEGIN INSERT INTO ledger_changes (order_row) VALUES (OLD.id), (NEW.id); END;
    CREATE TRIGGER ledger_order_removed AFTER DELETE ON orders
    BEGIN INSERT INTO ledger_changes (order_row) VALUES (OLD.id); END;
    CREATE TRIGGER ledger_click_changed
    AFTER UPDATE OF click_id, partner_id, partner_name, program_id, program_name, offer ON clicks
    BEGIN
        INSERT INTO ledger_changes (order_row)
        SELECT id FROM orders WHERE click_id IN (OLD.click_id, NEW.click_id);
    END;
    CREATE TRIGGER ledger_click_removed AFTER DELETE ON clicks
    BEGIN
        INSERT INTO ledger_changes (order_row) SELECT id FROM orders WHERE click_id = OLD.click_id;
    END;
    CREATE TRIGGER ledger_changes_pruned AFTER INSERT ON ledger_changes
    BEGIN DELETE FROM ledger_changes WHERE seq <= NEW.seq - 10000; END
    """,
]
