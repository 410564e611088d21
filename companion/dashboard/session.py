"""Who may see the dashboard: one-time login links and the sessions they open.

``cashback-companion open`` (a separate process, like ``pair``) stores a login token's hash and
opens ``/login?token=…`` in the browser; the server spends the token once and answers with a
session cookie (HttpOnly, SameSite=Strict). A page on another site can neither read the cookie
nor make the browser send it. Each session has its own CSRF token, which every form carries.
Only hashes of the login and session tokens are stored, so a copy of the database opens nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from companion.clock import iso
from companion.storage.db import transaction

LOGIN_LIFETIME = timedelta(minutes=5)
SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class Session:
    token: str
    csrf: str
    expires_at: str

    def csrf_matches(self, given: str) -> bool:
        return hmac.compare_digest(self.csrf.encode(), given.encode("utf-8", "replace"))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_login(conn: sqlite3.Connection, now: datetime) -> str:
    """A login token for one visit of ``/login``; expired ones are swept out on the way."""
    token = secrets.token_urlsafe(32)
    with transaction(conn):
        conn.execute("DELETE FROM dashboard_logins WHERE expires_at < ?", (iso(now),))
        conn.execute(
            "INSERT INTO dashboard_logins (token_hash, created_at, expires_at) VALUES (?, ?, ?)",
            (_hash(token), iso(now), iso(now + LOGIN_LIFETIME)),
        )
    return token


def spend_login(conn: sqlite3.Connection, token: str, now: datetime) -> Session | None:
    """A new session for a valid, unused, unexpired login token; ``None`` otherwise."""
    moment = iso(now)
    session = Session(
        secrets.token_urlsafe(32), secrets.token_urlsafe(32), iso(now + SESSION_LIFETIME)
    )
    with transaction(conn):
        spent = conn.execute(
            "UPDATE dashboard_logins SET used_at = ?"
            " WHERE token_hash = ? AND used_at IS NULL AND expires_at >= ?",
            (moment, _hash(token), moment),
        ).rowcount
        if spent != 1:
            return None
        conn.execute("DELETE FROM dashboard_sessions WHERE expires_at < ?", (moment,))
        conn.execute(
            "INSERT INTO dashboard_sessions (session_hash, csrf_token, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (_hash(session.token), session.csrf, moment, session.expires_at),
        )
    return session


def session_of(conn: sqlite3.Connection, token: str, now: datetime) -> Session | None:
    row = conn.execute(
        "SELECT csrf_token, expires_at FROM dashboard_sessions"
        " WHERE session_hash = ? AND expires_at >= ?",
        (_hash(token), iso(now)),
    ).fetchone()
    return None if row is None else Session(token, row["csrf_token"], row["expires_at"])


def end_session(conn: sqlite3.Connection, token: str) -> None:
    with transaction(conn):
        conn.execute("DELETE FROM dashboard_sessions WHERE session_hash = ?", (_hash(token),))
