"""One-time pairing codes: how the extension gets the token without the shopper copying it.

``cashback-companion pair`` (a separate process) stores a code's hash; the server's
``POST /api/v1/pair`` spends it. The database is what they share. A code is short enough to type,
lives five minutes and works once; only its hash is stored.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from datetime import timedelta

from companion.clock import iso, now
from companion.storage.db import transaction

CODE_LIFETIME = timedelta(minutes=5)
# No 0/O, 1/I/L: the shopper reads it off a terminal and types it.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _hash(code: str) -> str:
    canonical = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(canonical.encode()).hexdigest()


def new_code(conn: sqlite3.Connection) -> tuple[str, str]:
    """Make a code; return it and when it expires."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    code = f"{raw[:4]}-{raw[4:]}"
    created = now()
    expires = iso(created + CODE_LIFETIME)
    with transaction(conn):
        conn.execute("DELETE FROM pairing_codes WHERE expires_at < ?", (iso(created),))
        conn.execute(
            "INSERT INTO pairing_codes (code_hash, created_at, expires_at) VALUES (?, ?, ?)",
            (_hash(code), iso(created), expires),
        )
    return code, expires


def spend_code(conn: sqlite3.Connection, code: str) -> bool:
    """True once for a valid unexpired code; false for a wrong, used or expired one."""
    moment = iso(now())
    with transaction(conn):
        cursor = conn.execute(
            "UPDATE pairing_codes SET used_at = ? "
            "WHERE code_hash = ? AND used_at IS NULL AND expires_at >= ?",
            (moment, _hash(code), moment),
        )
    return cursor.rowcount == 1
