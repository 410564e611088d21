"""The SQLite database: opening it, migrating it, and the one way to write to it.

Every write goes through :func:`transaction`, so a write is all or nothing. The server runs all
database work on one thread (see ``companion/http/state.py``); the CLI opens its own connection.
Both can run at once: WAL lets readers and the single writer proceed side by side, and
``busy_timeout`` makes a second writer wait instead of failing.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from companion.storage.migrations import MIGRATIONS


class StorageError(Exception):
    """The data directory or database cannot be used; the message says why and what to do."""


# SQLite's words for the conditions a shopper can fix, and what to tell them.
_EXPLAINED = (
    ("readonly", "is read-only: the companion cannot write there; make it writable again"),
    ("disk is full", "is on a full disk: free some space; nothing was written"),
    ("unable to open", "cannot be opened: check that the directory exists and is yours"),
    ("disk i/o error", "could not be written (disk I/O error; the disk may be full or failing)"),
)


def explain(exc: sqlite3.Error | OSError, path: Path) -> StorageError:
    """A :class:`StorageError` that says in words what went wrong with the data at ``path``."""
    text = str(exc).lower()
    if "unable to open" in text and path.parent.is_dir() and not os.access(path.parent, os.W_OK):
        # WAL needs its side files: in a read-only directory SQLite can only say "unable to open".
        text = "readonly"
    for words, meaning in _EXPLAINED:
        if words in text:
            return StorageError(f"the companion's data in {path} {meaning}")
    if isinstance(exc, OSError) and exc.strerror:
        return StorageError(f"cannot use the companion's data in {path}: {exc.strerror}")
    return StorageError(f"cannot use the database {path}: {exc}")


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database at ``path``."""
    try:
        if str(path) != ":memory:" and not path.exists():
            # Owner-only, whatever the umask and the directory: the log is the shopper's own
            # business. SQLite gives its -wal and -shm files the database file's mode.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: an acknowledged write survives a crash of the process or of the machine.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        migrate(conn)
    except sqlite3.Error as exc:
        raise explain(exc, path) from exc
    return conn


class Readers:
    """A read-only connection for each thread that asks, all closed together.

    For reads that must not wait for the database thread: the server's event loop reads a
    partner's entry to answer a match, a point lookup that takes microseconds.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def __call__(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                # check_same_thread off only so that close() may close it from another thread.
                conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA query_only = ON")
                conn.execute("PRAGMA busy_timeout = 10000")
                # Point lookups of one partner's row: what is read again is the id index and
                # the table's inner pages, 780 KiB for a catalog of 41,666 partners. SQLite's
                # default 2 MiB kept another megabyte of the companion's memory for rows that a
                # browsing history seldom reads twice (docs/reliability.md).
                conn.execute("PRAGMA cache_size = -1024")
            except sqlite3.Error as exc:
                raise explain(exc, self._path) from exc
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema up to date, one numbered migration per transaction."""
    current = schema_version(conn)
    if current > len(MIGRATIONS):
        raise StorageError(
            f"the database is at schema version {current}, newer than this companion "
            f"understands ({len(MIGRATIONS)}); upgrade cashback-companion"
        )
    for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
        with transaction(conn):
            for statement in _statements(script):
                conn.execute(statement)
            # PRAGMA takes no parameters; number is our own integer.
            conn.execute(f"PRAGMA user_version = {number:d}")


def _statements(script: str) -> list[str]:
    """The statements of a migration. A trigger's body holds semicolons of its own, so pieces
    are joined until SQLite calls the statement complete."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \n;"):
        raise ValueError(f"an incomplete statement in a migration: {pending.strip()[:80]}")
    return statements


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction. IMMEDIATE takes the write lock up front, so two writers queue
    instead of deadlocking on a lock upgrade."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction: every query inside sees the database as it was at the first, while
    other connections go on writing (WAL). For a read made of many queries that must agree with
    each other, such as a backup. Inside a transaction already, that one is the snapshot."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN DEFERRED")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")
