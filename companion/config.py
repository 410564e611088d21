"""Where the companion keeps its data and which port it listens on.

Everything the companion stores lives in one directory: platformdirs' user data directory for
``cashback-companion``, or ``$CASHBACK_COMPANION_HOME`` when set (tests and scripts use it so they
never touch the shopper's real data).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "cashback-companion"
HOME_ENV = "CASHBACK_COMPANION_HOME"

# A fixed, documented default so the extension finds the companion without configuration.
DEFAULT_PORT = 47615
LOOPBACK = "127.0.0.1"

DB_FILENAME = "companion.sqlite3"
TOKEN_FILENAME = "api-token"  # noqa: S105 (a file name, not a secret)
PORT_FILENAME = "port"


def data_dir() -> Path:
    """The companion's data directory, created on first use with owner-only permissions."""
    override = os.environ.get(HOME_ENV)
    path = (
        Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    )
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def db_path(home: Path) -> Path:
    return home / DB_FILENAME
