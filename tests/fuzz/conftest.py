"""One real companion for the fuzzers: ``python -m companion serve`` with the match vectors'
catalog (``shop.example`` and friends), started once per module."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from companion.config import db_path
from tests.conftest import free_port
from tests.e2e.harness import Companion

VECTORS = Path(__file__).parents[1] / "vectors" / "match.json"


class FuzzedCompanion(Companion):
    token: str = ""

    def db(self) -> sqlite3.Connection:
        """A read-only look at the database, beside the running companion (WAL allows it)."""
        conn = sqlite3.connect(f"file:{db_path(self.home)}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        return conn


@pytest.fixture(scope="module")
def companion(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzedCompanion]:
    home = tmp_path_factory.mktemp("companion-home")
    catalog = home / "catalog.json"
    catalog.write_text(json.dumps(json.loads(VECTORS.read_text())["catalog"]), encoding="utf-8")
    running = FuzzedCompanion(home, free_port())
    running.cli("catalog", "import", str(catalog))
    running.start()
    running.token = running.cli("token").strip()
    yield running
    running.stop()
