"""The matcher against the shared vectors (the extension's matcher passes the same file)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.catalog.model import KnownExtensions, Partner
from companion.catalog.store import version_of
from companion.catalog.validate import parse_catalog
from companion.tracking.hosts import parse_http_url
from companion.tracking.hostwalk import PyHostTable
from companion.tracking.matcher import NotInThisVersion, PartnerIndex, export_index
from tests.unit.conftest import VECTORS

DOCUMENT = json.loads(VECTORS.read_text(encoding="utf-8"))
CATALOG = parse_catalog(json.dumps(DOCUMENT["catalog"]))
INDEX = PartnerIndex.from_catalog(CATALOG, version_of(CATALOG))


def _with_python_table(index: PartnerIndex) -> PartnerIndex:
    """The same index matching with hostwalk.py's Python table, what runs where the compiled
    one was not built: both are held to the rules here."""
    twin = copy.copy(index)
    twin.hosts = PyHostTable(index.hosts.items())
    return twin


# The matching tests run on both host tables (the index itself uses the compiled one).
INDEXES = (INDEX, _with_python_table(INDEX))
BOTH = pytest.mark.parametrize("index", INDEXES, ids=["compiled", "python"])


@BOTH
@pytest.mark.parametrize("case", DOCUMENT["cases"], ids=[c["why"] for c in DOCUMENT["cases"]])
def test_vector(index: PartnerIndex, case: dict[str, Any]) -> None:
    found = index.match_url(case["url"])
    assert (found.partner.id if found else None) == case["partner"]


def test_exported_index_is_the_vectors_index() -> None:
    # The extension's tests read the index from the vectors file; it must be what we export.
    exported = export_index(CATALOG, INDEX.version)
    assert exported == DOCUMENT["index"], "run: .venv/bin/python -m tests.vectors.regenerate"


def test_offers_best_first() -> None:
    assert [view.program for view in INDEX.offers("shop")] == ["beta", "alpha"]
    # percent before fixed amount, whatever the numbers
    assert [view.program for view in INDEX.offers("shop_travel")] == ["beta", "alpha"]


def test_offer_window_falls_back_to_the_program() -> None:
    assert INDEX.offers("aliexpress")[0].confirmation_days == 50
    assert INDEX.offers("shop")[1].confirmation_days == 90


LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)


@given(st.lists(LABEL, min_size=1, max_size=4))
def test_any_subdomain_of_a_listed_domain_matches(labels: list[str]) -> None:
    host = ".".join([*labels, "aliexpress.com"])
    for index in INDEXES:
        found = index.match_url(f"https://{host}/")
        assert found is not None
        assert found.partner.id == "aliexpress"


@given(LABEL, st.sampled_from(["aliexpress.com", "shop.example", "store.co.uk"]))
def test_no_label_prefix_lookalike_matches(prefix: str, domain: str) -> None:
    for index in INDEXES:
        assert index.match_url(f"https://{prefix}{domain}/") is None
        assert index.match_url(f"https://{domain}.{prefix}.test/") is None


@given(st.text(max_size=60))
def test_any_text_is_answered_without_error(text: str) -> None:
    for index in INDEXES:
        index.match_url(text)


def _slow_path(index: PartnerIndex, url: str) -> tuple[str, str] | None:
    """What :meth:`PartnerIndex.locate` must answer: the full parser, then the walk."""
    try:
        host = parse_http_url(url).host
    except ValueError:
        return None
    return index.locate_host(host)


# URLs near the everyday shape and just off it: what the fast path must take, or hand over.
URL_PIECES = st.lists(
    st.sampled_from(
        [
            "http://", "https://", "HTTPS://", "http:/", "http:\\\\", " https://", "https:",
            "shop.example", "aliexpress.com", "store.co.uk", "seller.shop.example", "www.",
            "m.", "SHOP", ".", "..", "-", "1", "0x7f", "127.0.0.1", "xn--80ak6aa92e", "ырф",
            "@", ":", ":443", ":8080", ":99999", "%2e", "%41", "\\", "/", "?", "#", "\t", "\n",
            " ", "[::1]", "evil.test", "a", "com", "example",
        ]
    ),
    max_size=8,
).map("".join)  # fmt: skip


@given(URL_PIECES)
def test_the_everyday_url_path_agrees_with_the_full_parser(url: str) -> None:
    for index in INDEXES:
        assert index.locate(url) == _slow_path(index, url)


@pytest.mark.parametrize(
    ("url", "partner"),
    [
        ("https://shop.example", "shop"),
        ("https://shop.example?q=1", "shop"),
        ("https://shop.example#top", "shop"),
        ("https://www.store.co.uk/basket", "ukstore"),
        ("https://seller.shop.example/", None),
        ("https://deep.seller.shop.example/", None),
        ("https://shop.example./", "shop"),
        ("https://shop..example/", None),
        ("https://.shop.example/", None),  # an empty label: refused by the full parser
        ("https://evil.test#@shop.example/", None),
        ("https://evil.test\\@shop.example/", None),
        ("https://x@shop.example/", "shop"),
        ("https://shop.example:8443/", "shop"),
        ("https://SHOP.example/", "shop"),
        ("https://example/", None),
        ("https://1.2.3.4/", None),
    ],
)
def test_locate(url: str, partner: str | None) -> None:
    for index in INDEXES:
        found = index.locate(url)
        assert (found[0] if found else None) == partner
        assert found == _slow_path(index, url)


def _naive(hosts: dict[str, str | None], host: str) -> tuple[str, str] | None:
    """The rule as first written: every parent, most specific first; the first key decides."""
    labels = host.split(".")
    for position in range(len(labels)):
        candidate = ".".join(labels[position:])
        if candidate in hosts:
            value = hosts[candidate]
            return None if value is None else (value, candidate)
    return None


class NoRecords:
    """The walk reads no partner records."""

    def record(self, partner_id: str) -> Partner:
        raise NotInThisVersion(partner_id)

    def entry(self, partner_id: str) -> dict[str, Any]:
        raise NotInThisVersion(partner_id)


NAME = st.lists(st.sampled_from(["a", "b", "shop", "co", "uk", "com"]), min_size=2, max_size=5)


WALK_LABELS = st.sampled_from(["a", "b", "www", "shop", "co", "uk", "com", ""])


def _walk_indexes(hosts: dict[str, str | None]) -> tuple[PartnerIndex, PartnerIndex]:
    """An index of only these hosts, on each host table."""
    index = PartnerIndex(
        "walk",
        programs=[],
        extensions=KnownExtensions(),
        hosts=hosts.items(),
        source=NoRecords(),
    )
    return index, _with_python_table(index)


TABLE = {"shop.com": "p", "a.b.shop.com": "q", "seller.shop.com": None, "uk.co.uk": "u"}


@pytest.mark.parametrize(
    ("host", "found"),
    [
        ("shop.com", ("p", "shop.com")),
        ("www.shop.com", ("p", "shop.com")),
        # b.shop.com is no key, though one is listed beneath it: shop.com decides.
        ("b.shop.com", ("p", "shop.com")),
        ("x.b.shop.com", ("p", "shop.com")),
        ("a.b.shop.com", ("q", "a.b.shop.com")),
        ("x.a.b.shop.com", ("q", "a.b.shop.com")),
        ("seller.shop.com", None),
        ("x.seller.shop.com", None),
        ("co.uk", None),
        ("www.uk.co.uk", ("u", "uk.co.uk")),
        ("shop.co.uk", None),
        ("com", None),
        ("", None),
        ("10.0.0.1", None),
    ],
)
def test_walk_table(host: str, found: tuple[str, str] | None) -> None:
    for index in _walk_indexes(TABLE):
        assert index.locate_host(host) == found == _naive(TABLE, host)


@settings(max_examples=500)
@given(
    st.dictionaries(NAME.map(".".join), st.sampled_from(["p1", "p2", None]), max_size=12),
    st.lists(WALK_LABELS, max_size=3),
    st.data(),
)
def test_the_walk_finds_what_every_parent_would(
    hosts: dict[str, str | None], labels: list[str], data: st.DataObject
) -> None:
    """The walk against the rule as first written, for hosts and URLs, with keys listed beneath
    keys, excluded hosts and empty labels. Half the hosts end in a listed key, since a host
    drawn label by label rarely meets a key of four or five labels."""
    ending = data.draw(st.sampled_from(sorted(hosts))) if hosts and data.draw(st.booleans()) else ""
    host = ".".join([*labels, ending] if ending else labels)
    for index in _walk_indexes(hosts):
        assert index.locate_host(host) == _naive(hosts, host)
        assert index.locate(f"https://{host}/") == _slow_path(index, f"https://{host}/")
