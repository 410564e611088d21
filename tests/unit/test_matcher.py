"""The matcher against the shared vectors (the extension's matcher passes the same file)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.catalog.store import version_of
from companion.catalog.validate import parse_catalog
from companion.tracking.matcher import PartnerIndex
from tests.unit.conftest import VECTORS

DOCUMENT = json.loads(VECTORS.read_text(encoding="utf-8"))
CATALOG = parse_catalog(json.dumps(DOCUMENT["catalog"]))
INDEX = PartnerIndex(CATALOG, version_of(CATALOG))


@pytest.mark.parametrize("case", DOCUMENT["cases"], ids=[c["why"] for c in DOCUMENT["cases"]])
def test_vector(case: dict[str, Any]) -> None:
    found = INDEX.match_url(case["url"])
    assert (found.partner.id if found else None) == case["partner"]


def test_exported_index_is_the_vectors_index() -> None:
    # The extension's tests read the index from the vectors file; it must be what we export.
    assert INDEX.export() == DOCUMENT["index"], "run: .venv/bin/python -m tests.vectors.regenerate"


def test_offers_best_first() -> None:
    assert [view.program for view in INDEX.offers["shop"]] == ["beta", "alpha"]
    # percent before fixed amount, whatever the numbers
    assert [view.program for view in INDEX.offers["shop_travel"]] == ["beta", "alpha"]


def test_offer_window_falls_back_to_the_program() -> None:
    assert INDEX.offers["aliexpress"][0].confirmation_days == 50
    assert INDEX.offers["shop"][1].confirmation_days == 90


LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)


@given(st.lists(LABEL, min_size=1, max_size=4))
def test_any_subdomain_of_a_listed_domain_matches(labels: list[str]) -> None:
    host = ".".join([*labels, "aliexpress.com"])
    found = INDEX.match_url(f"https://{host}/")
    assert found is not None
    assert found.partner.id == "aliexpress"


@given(LABEL, st.sampled_from(["aliexpress.com", "shop.example", "store.co.uk"]))
def test_no_label_prefix_lookalike_matches(prefix: str, domain: str) -> None:
    assert INDEX.match_url(f"https://{prefix}{domain}/") is None
    assert INDEX.match_url(f"https://{domain}.{prefix}.test/") is None


@given(st.text(max_size=60))
def test_any_text_is_answered_without_error(text: str) -> None:
    INDEX.match_url(text)
