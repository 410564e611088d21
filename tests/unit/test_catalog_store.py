"""The stored catalog as the running companion reads it: split at import, an index over the host
table, partner records read when a match needs them, and the exported index sent in pieces."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion.catalog.store import load_catalog, load_index, save_catalog, version_of
from companion.catalog.validate import parse_catalog
from companion.http import api
from companion.http.state import CompanionState
from companion.storage.db import Readers, connect
from companion.storage.migrations import MIGRATIONS
from companion.tracking.matcher import PartnerIndex, export_index
from tests.unit.test_catalog import GOOD


def test_the_index_from_the_database_answers_as_the_one_from_memory(
    tmp_path: Path, vectors: dict[str, Any]
) -> None:
    catalog = parse_catalog(json.dumps(vectors["catalog"]))
    conn = connect(tmp_path / "c.sqlite3")
    version = save_catalog(conn, catalog, "test")
    stored = load_index(conn, Readers(tmp_path / "c.sqlite3"))
    assert stored is not None
    held = PartnerIndex.from_catalog(catalog, version)
    assert dict(stored.hosts.items()) == dict(held.hosts.items())
    assert stored.partner("no-such-partner") is held.partner("no-such-partner") is None
    assert stored.programs == held.programs
    assert stored.extensions == held.extensions
    for case in vectors["cases"]:
        found = held.match_url(case["url"])
        assert stored.match_url(case["url"]) == found, case["url"]
        # What GET /api/v1/match answers, read without the full record, says the same.
        partner = None
        if found is not None:
            partner = {
                "id": found.partner.id,
                "name": found.partner.name,
                "category": found.partner.category,
                "domain": found.domain,
            }
        assert stored.answer(case["url"]) == {
            "url": case["url"],
            "partner": partner,
            "offers": [view.to_json() for view in found.offers] if found else [],
        }


def _index_then_ozon_renamed(tmp_path: Path) -> tuple[sqlite3.Connection, PartnerIndex]:
    """The index of a stored catalog, and then that catalog replaced by one where Ozon is
    renamed "Ozon Global" (the watcher has not swapped indexes yet)."""
    conn = connect(tmp_path / "c.sqlite3")
    save_catalog(conn, parse_catalog(json.dumps(GOOD)), "first")
    index = load_index(conn, lambda: conn)
    assert index is not None
    renamed = copy.deepcopy(GOOD)
    renamed["partners"][0]["name"] = "Ozon Global"
    save_catalog(conn, parse_catalog(json.dumps(renamed)), "second")
    return conn, index


def test_a_record_of_a_newer_catalog_is_no_partner_until_the_index_is_swapped(
    tmp_path: Path,
) -> None:
    conn, old = _index_then_ozon_renamed(tmp_path)

    # The old index's host table still says ozon.ru, but it never shows the new record as its own.
    assert old.match_url("https://www.ozon.ru/") is None
    assert old.answer("https://www.ozon.ru/")["partner"] is None
    new = load_index(conn, lambda: conn)
    assert new is not None
    found = new.match_url("https://www.ozon.ru/")
    assert found is not None
    assert found.partner.name == "Ozon Global"


def test_an_index_whose_catalog_comes_back_finds_its_records_again(tmp_path: Path) -> None:
    """A catalog replaced and restored within the second before the watcher swaps indexes: the
    old index answered "no partner" meanwhile, and must not keep that answer."""
    conn, index = _index_then_ozon_renamed(tmp_path)
    assert index.match_url("https://www.ozon.ru/") is None
    assert index.answer("https://www.ozon.ru/")["partner"] is None
    assert index.offers("ozon") == []

    save_catalog(conn, parse_catalog(json.dumps(GOOD)), "first again")
    assert load_index(conn, lambda: conn).version == index.version  # type: ignore[union-attr]
    found = index.match_url("https://www.ozon.ru/")
    assert found is not None
    assert found.partner.name == GOOD["partners"][0]["name"]
    assert index.answer("https://www.ozon.ru/")["partner"]["id"] == "ozon"
    assert index.offers("ozon") == found.offers != []


def test_an_answer_is_json_whatever_the_names_and_urls_hold(tmp_path: Path) -> None:
    # The answer is put together from stored JSON pieces; the catalog's and the URL's own
    # quotes, backslashes and markup must stay inside their strings.
    odd = copy.deepcopy(GOOD)
    # (A line separator is no longer a name's to hold, see companion/text.py; the URL has one.)
    odd["partners"][0]["name"] = 'Ozon "Global" \\ </script><b>Озон}'
    conn = connect(tmp_path / "c.sqlite3")
    save_catalog(conn, parse_catalog(json.dumps(odd)), "odd")
    index = load_index(conn, lambda: conn)
    assert index is not None
    url = 'https://www.ozon.ru/search?q="},"partner":null,"x":"\u2028\\'
    text = index.answer_json(url)
    answer = json.loads(text)
    assert answer["url"] == url
    assert answer["partner"]["name"] == odd["partners"][0]["name"]
    assert answer["partner"]["domain"] == "ozon.ru"
    assert set(answer) == {"url", "partner", "offers"}


def test_a_catalog_stored_before_the_split_is_split_on_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    catalog = parse_catalog(json.dumps(GOOD))
    # A database as companions before migration 4 left it: the catalog only as a document.
    old = sqlite3.connect(path)
    for script in MIGRATIONS[:3]:
        old.executescript(script)
    old.execute("PRAGMA user_version = 3")
    old.execute(
        "INSERT INTO catalog (id, version, imported_at, source, document) VALUES (1, ?, ?, ?, ?)",
        (version_of(catalog), "2026-01-01T00:00:00.000Z", "old", catalog.model_dump_json()),
    )
    old.commit()
    old.close()

    conn = connect(path)
    index = load_index(conn, lambda: conn)
    assert index is not None
    assert index.version == version_of(catalog)
    found = index.match_url("https://m.ozon.ru/basket")
    assert found is not None
    assert found.partner.id == "ozon"
    stored = load_catalog(conn)
    assert stored is not None
    assert stored.source == "old"


async def test_the_exported_index_is_sent_in_pieces(
    client: TestClient,
    state: CompanionState,
    auth: dict[str, str],
    vectors: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(api, "INDEX_CHUNK", 100)
    response = await client.get("/api/v1/partners/index", headers=auth)
    assert response.status == 200
    body = await response.read()
    assert int(response.headers["Content-Length"]) == len(body) > 1000
    catalog = parse_catalog(json.dumps(vectors["catalog"]))
    assert json.loads(body) == export_index(catalog, state.index.version)
    assert response.headers["ETag"] == f'"{state.index.version}"'
