"""``cashback-companion doctor``: where things are kept, and whether the companion answers."""

from __future__ import annotations

import http.client
import json
import stat
import urllib.error
import urllib.request
from pathlib import Path
from typing import Literal

from companion import __version__
from companion.catalog.store import load_catalog
from companion.config import DEFAULT_PORT, PORT_FILENAME, TOKEN_FILENAME, db_path
from companion.security.token import load_or_create
from companion.storage.db import connect, schema_version


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


Whose = Literal["ours", "other", "none"]


def whose(port: int, token: str, timeout: float = 1.0) -> Whose:
    """Who answers on ``port``: the companion of the data directory whose token this is, a
    companion of another data directory (it refuses the token), or nobody that is one."""
    asked = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/match?url=https%3A%2F%2Fexample.invalid%2F",
        headers={"Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(asked, timeout=timeout) as answer:  # noqa: S310 (loopback)
            return "ours" if "partner" in json.load(answer) else "none"
    except urllib.error.HTTPError as refused:
        return "other" if refused.code == 401 else "none"
    except (OSError, ValueError, http.client.HTTPException):
        # Nothing there (URLError is an OSError), or a listener that is no HTTP server (a stale
        # port file, another program on the port since: BadStatusLine, an HTTPException).
        return "none"


def probe(port: int, timeout: float = 1.0, token: str | None = None) -> str:
    """Whether a companion answers on ``port``, in words; with ``token``, whether it is this
    data directory's."""
    url = f"http://127.0.0.1:{port}/api/v1/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            health = json.load(answer)
    except (OSError, ValueError, http.client.HTTPException):
        return f"not running on 127.0.0.1:{port}; start it with `cashback-companion serve`"
    if token is not None and whose(port, token, timeout) == "other":
        return (
            f"not running: 127.0.0.1:{port} is another data directory's companion; start this"
            " one with `cashback-companion serve --port N`"
        )
    return f"running on 127.0.0.1:{port} (version {health.get('version')})"


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


def doctor_report(home: Path, port: int | None = None) -> dict[str, str]:
    conn = connect(db_path(home))
    stored = load_catalog(conn)
    return {
        "version": __version__,
        "data": str(home),
        "database": f"{db_path(home)} (schema {schema_version(conn)})",
        "token store": load_or_create(home).store,
        "permissions": permissions(home),
        "catalog": f"{stored.version} from {stored.source}"
        if stored
        else "none yet (imported on first start)",
        "companion": probe(
            port if port is not None else running_port(home), token=load_or_create(home).value
        ),
    }
