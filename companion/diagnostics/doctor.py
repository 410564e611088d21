"""``cashback-companion doctor``: where things are kept, and whether the companion answers."""

from __future__ import annotations

import hmac
import http.client
import json
import secrets
import stat
import urllib.request
from pathlib import Path
from typing import Literal

from companion import __version__
from companion.catalog.store import load_catalog
from companion.config import DEFAULT_PORT, PORT_FILENAME, TOKEN_FILENAME, db_path
from companion.security.token import load_or_create, proof
from companion.storage.db import connect, schema_version
from companion.tracking import hostwalk


def written_port(home: Path) -> int | None:
    """The port a companion wrote into the data directory when it started; ``None`` for none."""
    try:
        return int((home / PORT_FILENAME).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def running_port(home: Path) -> int:
    """The port a running companion wrote into the data directory, else the default."""
    written = written_port(home)
    return DEFAULT_PORT if written is None else written


# Straight to the port, whatever http_proxy says: urllib sends loopback addresses through a
# proxy too, and nothing asked of the companion is anyone else's business.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _ask(path: str, port: int, timeout: float) -> object:
    """The JSON a GET of ``path`` on 127.0.0.1:``port`` answers; raises as ``urlopen`` does, and
    ``ValueError`` for an answer that is no JSON."""
    with _DIRECT.open(f"http://127.0.0.1:{port}{path}", timeout=timeout) as answer:
        return json.load(answer)


def is_ours(port: int, token: str, timeout: float = 1.0) -> bool:
    """Whether what answers on ``port`` is the companion of the data directory whose token
    this is (not another data directory's, not some other program, not nobody).

    The token is never sent: any local program may be listening on the port (a stale port
    file, the default port taken first), so the companion is asked to prove it holds the
    token instead, by a MAC of a fresh challenge (``security/token.proof``)."""
    challenge = secrets.token_hex(16)
    try:
        answer = _ask(f"/api/v1/identify?challenge={challenge}", port, timeout)
    except (OSError, ValueError, http.client.HTTPException):
        # Nothing there (URLError is an OSError), an HTTP error, or a listener that is no HTTP
        # server (a stale port file, another program on the port since: BadStatusLine).
        return False
    given = answer.get("proof") if isinstance(answer, dict) else None
    return isinstance(given, str) and hmac.compare_digest(given, proof(token, challenge))


# Who answers on a port: this data directory's companion, nobody, or someone else (another data
# directory's companion, or a program that says it is one but cannot prove it).
Standing = Literal["ours", "absent", "stranger"]


def standing(port: int, token: str | None = None, timeout: float = 1.0) -> tuple[Standing, str]:
    """Who answers on ``port``, and that in words; without ``token``, any companion's health
    answer counts as ours (the service manager's check)."""
    try:
        health = _ask("/api/v1/health", port, timeout)
    except (OSError, ValueError, http.client.HTTPException):
        health = None
    if not isinstance(health, dict) or health.get("status") != "ok":
        return (
            "absent",
            f"not running on 127.0.0.1:{port}; start it with `cashback-companion serve`",
        )
    if token is not None and not is_ours(port, token, timeout):
        return "stranger", (
            f"not running: 127.0.0.1:{port} answers, but not as this data directory's"
            " companion; start this one with `cashback-companion serve --port N`"
        )
    return "ours", f"running on 127.0.0.1:{port} (version {health.get('version')})"


def probe(port: int, timeout: float = 1.0, token: str | None = None) -> str:
    """:func:`standing` in words alone."""
    return standing(port, token, timeout)[1]


def permissions(home: Path) -> str:
    """Whether the data directory and what is in it are the owner's alone. The directory is
    made 0700 when the companion creates it; one that existed before (a chosen
    CASHBACK_COMPANION_HOME) keeps its mode, and says so here."""
    open_to_others = [
        path
        for path in (home, db_path(home), home / TOKEN_FILENAME)
        if path.exists() and path.stat().st_mode & 0o077
    ]
    if not open_to_others:
        return "owner only"
    listed = ", ".join(f"{path} ({stat.filemode(path.stat().st_mode)})" for path in open_to_others)
    return f"readable by other users: {listed}; chmod go-rwx on each"


def matcher(compiled: bool) -> str:
    """Which host table matches URLs (companion/tracking/hostwalk.py)."""
    if compiled:
        return "compiled (companion.tracking._hostwalk)"
    return (
        "Python (the compiled table was not built, or CASHBACK_COMPANION_NO_EXTENSIONS is set):"
        " the same answers, about four times slower"
    )


def doctor_report(home: Path, port: int | None = None) -> dict[str, str]:
    conn = connect(db_path(home))
    stored = load_catalog(conn)
    token = load_or_create(home)  # once: a keyring may ask the shopper to unlock it
    return {
        "version": __version__,
        "data": str(home),
        "database": f"{db_path(home)} (schema {schema_version(conn)})",
        "token store": token.store,
        "permissions": permissions(home),
        "catalog": f"{stored.version} from {stored.source}"
        if stored
        else "none yet (imported on first start)",
        "matcher": matcher(hostwalk.COMPILED),
        "companion": probe(port if port is not None else running_port(home), token=token.value),
    }
