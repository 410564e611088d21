from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion.catalog.store import load_index, save_catalog
from companion.catalog.validate import parse_catalog
from companion.config import data_dir
from companion.http.state import CompanionState
from companion.server import create_app
from tests.conftest import free_port

VECTORS = Path(__file__).parents[1] / "vectors" / "match.json"


@pytest.fixture
def vectors() -> dict[str, Any]:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


@pytest.fixture
def state(vectors: dict[str, Any]) -> Iterator[CompanionState]:
    """A companion whose catalog is the vectors' test catalog (shop.example and friends)."""
    home = data_dir()
    port = free_port()
    opened = CompanionState.open(home, port)
    version = save_catalog(opened.conn, parse_catalog(json.dumps(vectors["catalog"])), "test")
    index = load_index(opened.conn, opened.readers)
    assert index is not None
    assert index.version == version
    opened.index = index
    yield opened
    opened.close()


@pytest.fixture
async def client(
    state: CompanionState,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> TestClient:
    return await aiohttp_client(create_app(state), server_kwargs={"port": state.port})


@pytest.fixture
def auth(state: CompanionState) -> dict[str, str]:
    return {"Authorization": f"Bearer {state.token.value}"}
