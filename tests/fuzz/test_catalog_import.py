"""Catalog import under fuzzing: any bytes are either a catalog that can be stored, or a refusal
whose every problem is one line naming where and why (``docs/catalog.md``); never a crash.

Three kinds of input: raw bytes, arbitrary JSON, and the match vectors' (valid, rich) catalog
with a few random edits, which is what reaches the deeper rules: domains, offers, templates,
cross-record checks.
"""

from __future__ import annotations

import copy
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from companion.catalog.model import Catalog
from companion.catalog.store import load_catalog, load_index, save_catalog
from companion.catalog.validate import CatalogError, parse_catalog
from companion.jsoninput import OUT_OF_RANGE as NUMBER_OUT_OF_RANGE
from companion.storage.db import connect
from companion.tracking.matcher import export_index
from tests.fuzz.documents import json_values, node_paths

VECTORS = Path(__file__).parents[1] / "vectors" / "match.json"
BASE: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))["catalog"]

# Document-level refusals have no field to name; every other line is "<where>: <why>".
WHOLE_DOCUMENT = re.compile(
    r"not JSON: \S.*|the document must be a JSON object with .+|a number out of range: .+"
)
WHERE_AND_WHY = re.compile(r"\S.*: \S.*")

FIELDS = sorted(
    {"name", "programs", "partners", "id", "currency", "rounding", "monthly_cap"}
    | {"confirmation_days", "payout_day", "url", "category", "domains", "exclude", "offers"}
    | {"tracking", "order_pages", "program", "rate_percent", "fixed_amount", "up_to", "note"}
    | {"go_url", "cookies", "params"}
)

TRICKY = [
    "",
    " ",
    "com",
    "co.uk",
    "рф",
    "127.0.0.1",
    "[::1]",
    "0x7f.1",
    "xn--",
    "xn--p1ai",
    "shop.example",
    "www.shop.example",
    "магазин.рф",
    "ex ample.com",
    "-shop.com",
    "a" * 300,
    "{click_id}",
    "{target_url}",
    "{nope}",
    "{",
    "}",
    "{{",
    "http://",
    "javascript:alert(1)",
    "https://go.example/?s={click_id}&u={target_url}",
    "RUB",
    "rub",
    "none",
    "half_up_integer",
    "1e999",
    "NaN",
    "Infinity",
    "-1",
    "0",
    "100.0001",
    "1E+2",
    "\u0000",
    "\t",
    "ü",
    "/",
    "/a b",
]
# Any key at all: an unknown key was once printed as it was, so an empty one named nothing and
# one with a line break split its problem line (docs/reliability.md, "Found"; the last test pins it).
KEYS, SCALARS, VALUES = json_values(FIELDS, TRICKY)


@st.composite
def edited_catalogs(draw: st.DrawFn) -> bytes:
    """The vectors' catalog with one to four edits: replace, delete, add or duplicate a node."""
    document = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(node_paths(document)))
        action = draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
        if not path:
            document[draw(KEYS)] = draw(VALUES)
            continue
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if action == "replace":
            parent[last] = draw(VALUES)
        elif action == "delete":
            del parent[last]
        elif action == "add" and isinstance(parent[last], dict):
            parent[last][draw(KEYS)] = draw(VALUES)
        elif action == "add" and isinstance(parent[last], list):
            parent[last].append(draw(VALUES))
        elif isinstance(parent, list):  # duplicate: the same record twice
            parent.append(copy.deepcopy(parent[last]))
    return json.dumps(document, ensure_ascii=draw(st.booleans())).encode()


def assert_clear_problems(problems: list[str]) -> None:
    assert problems, "a refusal names at least one problem"
    for line in problems:
        assert "\n" not in line, f"one line per problem: {line!r}"
        assert "\r" not in line, f"one line per problem: {line!r}"
        line.encode("utf-8")  # printable on the shopper's terminal
        assert WHOLE_DOCUMENT.fullmatch(line) or WHERE_AND_WHY.fullmatch(line), line


def assert_clear_outcome(document: bytes) -> None:
    try:
        catalog = parse_catalog(document)
    except CatalogError as refusal:
        assert_clear_problems(refusal.problems)
        return
    # Accepted: it can be stored, read back unchanged, and indexed, as `catalog import` does.
    conn = connect(Path(":memory:"))
    save_catalog(conn, catalog, source="fuzz")
    stored = load_catalog(conn)
    assert stored is not None
    assert stored.catalog == catalog
    index = load_index(conn, lambda: conn)
    assert index is not None
    for host, partner_id in index.hosts.items():
        assert partner_id is None or index.locate_host(host) == (partner_id, host)
    (served,) = conn.execute("SELECT partner_index FROM catalog_index").fetchone()
    assert json.loads(served) == export_index(catalog, stored.version)


FUZZ = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=2000))
@example(b"")
@example(b"\xff\xfe{")
@example(b'{"programs": 1e999999, "partners": []}')
def test_any_bytes(document: bytes) -> None:
    assert_clear_outcome(document)


@FUZZ
@given(VALUES)
def test_any_json(value: Any) -> None:
    assert_clear_outcome(json.dumps(value).encode())


@settings(FUZZ, max_examples=1000)
@given(edited_catalogs())
@example(json.dumps(BASE).encode())
def test_edited_catalogs(document: bytes) -> None:
    assert_clear_outcome(document)


def test_the_edits_reach_past_the_json_layer() -> None:
    """The fuzzer is worth running only if edited catalogs reach the model's own rules."""
    reasons: set[str] = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(edited_catalogs())
    def collect(document: bytes) -> None:
        try:
            parse_catalog(document)
        except CatalogError as refusal:
            reasons.update(refusal.problems)

    collect()
    text = "\n".join(reasons)
    for rule in ("domains", "offers", "Extra inputs are not permitted", "go_url"):
        assert rule in text, f"no edited catalog was refused for {rule!r}"
    assert Catalog.model_validate(BASE)


def test_deep_nesting_is_a_refusal() -> None:
    with pytest.raises(CatalogError):
        parse_catalog(b"[" * 100_000)


@pytest.mark.parametrize("number", [b"1" * 5000, b"1e99999999", b"1e-99999999"])
def test_a_number_out_of_range_is_a_refusal(number: bytes) -> None:
    """Once a traceback (5,000 digits), or minutes made an integer (docs/reliability.md)."""
    started = time.monotonic()
    with pytest.raises(CatalogError) as refused:
        parse_catalog(b'{"programs": [{"confirmation_days": %s}], "partners": []}' % number)
    assert refused.value.problems == [NUMBER_OUT_OF_RANGE]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("key", ["", " ", "x\\n  partners[0] domains[0]: forged"])
def test_an_unknown_key_is_named_on_one_line(key: str) -> None:
    assert_clear_outcome(b'{"programs": [], "partners": [], "%s": 1}' % key.encode())
