"""Attacks on a real companion process: what a hostile page or a local guesser can send."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from companion.config import db_path
from tests.conftest import free_port
from tests.e2e.harness import Companion
from tests.e2e.sites import demo_catalog


@pytest.fixture(scope="module")
def companion(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Companion]:
    """A companion on the end-to-end demo catalog (the partner store is ``shop.test``)."""
    home = tmp_path_factory.mktemp("companion-home")
    catalog = home / "demo-catalog.json"
    catalog.write_text(json.dumps(demo_catalog(free_port())), encoding="utf-8")
    running = Companion(home, free_port())
    running.cli("catalog", "import", str(catalog))
    running.start()
    yield running
    running.stop()


def token_of(companion: Companion) -> str:
    return companion.cli("token").strip()


def counts(home: Path) -> dict[str, int]:
    """How many rows each table the API writes to has: the attacks must change none."""
    with contextlib.closing(sqlite3.connect(f"file:{db_path(home)}?mode=ro", uri=True)) as db:
        return {
            "clicks": db.execute("SELECT count(*) FROM clicks").fetchone()[0],
            "followed": db.execute(
                "SELECT count(*) FROM clicks WHERE followed_at IS NOT NULL"
            ).fetchone()[0],
            "events": db.execute("SELECT count(*) FROM events").fetchone()[0],
            "orders": db.execute("SELECT count(*) FROM orders").fetchone()[0],
            "codes_used": db.execute(
                "SELECT count(*) FROM pairing_codes WHERE used_at IS NOT NULL"
            ).fetchone()[0],
        }
