"""Fault tests: a real companion process, then something goes wrong underneath it.

The ones over a minute carry ``@pytest.mark.soak``: ``make soak`` runs them (``-m soak``),
and every other run skips them.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from companion.config import db_path
from tests.conftest import free_port
from tests.e2e.harness import Companion

STORE = "https://www.ozon.ru/product/"  # a partner of the bundled catalog


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "soak: a fault test over a minute long; `make soak` runs it")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "soak" in (config.option.markexpr or ""):
        return
    for item in items:
        if item.get_closest_marker("soak"):
            item.add_marker(pytest.mark.skip(reason="a soak test: `make soak` runs it"))


@pytest.fixture
def companion(tmp_path: Path) -> Iterator[Companion]:
    """A companion on the bundled catalog, its data in this test's own directory."""
    home = tmp_path / "companion-home"
    home.mkdir()
    running = Companion(home, free_port())
    yield running
    running.stop()


def database(home: Path) -> contextlib.closing[sqlite3.Connection]:
    """A read-only look at the companion's database, closed after use (a test may unmount it)."""
    return contextlib.closing(sqlite3.connect(f"file:{db_path(home)}?mode=ro", uri=True))


def integrity(home: Path) -> str:
    with database(home) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


@dataclass
class Acknowledged:
    """What the companion said it had stored: only a full 2xx answer counts."""

    clicks: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    followed: set[str] = field(default_factory=set)
    refusals: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    """A keep-alive HTTP client for one thread, speaking to one companion."""

    def __init__(self, companion: Companion, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", companion.port, timeout=10)
        self.auth = {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = None if body is None else json.dumps(body)
        headers = {**self.auth, "Content-Type": "application/json"}
        self.connection.request(method, path, body=payload, headers=headers)
        answer = self.connection.getresponse()
        data = answer.read()
        kind = answer.getheader("Content-Type", "")
        return answer.status, json.loads(data) if kind.startswith("application/json") else data

    def close(self) -> None:
        self.connection.close()


def make_click(client: Client, number: int) -> tuple[int, Any]:
    return client.request("POST", "/api/v1/clicks", {"url": f"{STORE}{number}"})


def events_for(click_ids: list[str], count: int) -> list[dict[str, Any]]:
    kinds = [
        ("page", {"url": f"{STORE}cart", "kind": "cart"}),
        ("landing", {"landing_url": STORE, "params_present": ["utm_source"]}),
        ("order", {"order_id": None, "amount": "100.00", "currency": "RUB", "source": "ga4"}),
    ]
    made = []
    for number in range(count):
        kind, data = kinds[number % len(kinds)]
        made.append(
            {
                "id": uuid.uuid4().hex,
                "type": kind,
                "at": "2026-11-23T08:00:00Z",
                "click_id": click_ids[number % len(click_ids)],
                "data": data,
            }
        )
    return made
