"""The compiled host table (_hostwalk.c) answers as the Python one (hostwalk.PyHostTable) does.

The Python table is the reference: test_matcher.py holds both, through the matcher, to the
rules as first written. Here the two twins meet the same tables and the same hosts and URLs, the
odd ones first: empty labels, trailing dots, Unicode of each width, hosts given twice, hosts of
hundreds of thousands of characters.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.tracking import hostwalk
from companion.tracking.hostwalk import PyHostTable

try:
    from companion.tracking._hostwalk import HostTable as CHostTable
except ImportError:  # the test below says why; the others cannot run
    CHostTable = None  # type: ignore[assignment,misc]

needs_compiled = pytest.mark.skipif(
    CHostTable is None, reason="see test_the_compiled_table_is_built"
)


def test_the_compiled_table_is_built() -> None:
    """make's install builds it here; without it every other test of this file is skipped."""
    assert CHostTable is not None, (
        "companion/tracking/_hostwalk.c is not built: is a C compiler and Python.h at hand? "
        "`make clean test` builds it (see setup.py)"
    )
    assert hostwalk.COMPILED
    assert hostwalk.HostTable is CHostTable


def test_the_python_table_runs_when_asked() -> None:
    probe = "from companion.tracking import hostwalk; print(hostwalk.HostTable.__name__)"
    for value, expected in (("1", "PyHostTable"), ("", "HostTable")):
        env = {**os.environ, "CASHBACK_COMPANION_NO_EXTENSIONS": value}
        ran = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
        assert ran.stdout.strip() == expected


def both(items: list[Any]) -> tuple[PyHostTable, Any]:
    return PyHostTable(items), CHostTable(items)


def same(call: Callable[[Any], object], python: object, compiled: object) -> object:
    """What both answer, once it is the same answer; a raised error counts as an answer."""

    def outcome(table: object) -> object:
        try:
            return ("answer", call(table))
        except (TypeError, ValueError) as error:
            return (type(error).__name__, str(error))

    answered = outcome(python)
    assert outcome(compiled) == answered
    return answered


TABLE = [
    ("shop.com", "p"),
    ("a.b.shop.com", "q"),
    ("seller.shop.com", None),
    ("uk.co.uk", "u"),
    ("xn--80ak6aa92e.com", "idn"),
    ("store.example", "store"),
    ("", "empty"),  # no lookup reaches an empty host: a parent holds a dot
]


@needs_compiled
@pytest.mark.parametrize(
    "host",
    [
        "shop.com", "www.shop.com", "b.shop.com", "x.a.b.shop.com", "seller.shop.com",
        "x.seller.shop.com", "co.uk", "www.uk.co.uk", "com", "", ".", "..", "shop.com.",
        ".shop.com", "shop..com", "a..shop.com", "SHOP.com", "www.xn--80ak6aa92e.com",
        "store.example", "m.store.example", "ы.shop.com", "\u00e9.shop.com", "😀.shop.com",
        "shop.com\u00e9", "shop.c\u043e\u043c", "10.0.0.1", "x" * 300 + ".shop.com",
        ".".join(["a"] * 70) + ".shop.com", ".".join(["ы"] * 70) + ".uk.co.uk",
        "." * 100, "shop.com\x00", "\x00.shop.com", "a." * 200_000 + "shop.com",
        "a" * 300_000 + ".com",
        "ы." * 1000 + "x" * 250 + ".shop.com",
        "\u0173hop.com", "www.\u0173hop.com",  # ų: its low byte is an s
    ],
)  # fmt: skip
def test_a_host_table_of_cases(host: str) -> None:
    python, compiled = both(TABLE)
    same(lambda table: table.locate_host(host), python, compiled)
    for url in (f"https://{host}/", f"http://{host}", f"https://{host}?q", f"https://{host}#x"):
        same(lambda table, url=url: table.locate_url(url), python, compiled)


@needs_compiled
@pytest.mark.parametrize(
    ("url", "found"),
    [
        ("https://www.shop.com/basket", ("p", "shop.com")),
        ("http://shop.com", ("p", "shop.com")),
        ("https://seller.shop.com/", None),
        ("https://news.other.com/", None),
        ("https://shop.com:443/", False),
        ("https://user@shop.com/", False),
        ("https://Shop.com/", False),
        ("https://shop.com./", False),
        ("https://.shop.com/", False),
        ("https://a..shop.com/", False),
        ("https:///shop.com", False),
        ("https://", False),
        ("https:/shop.com", False),
        ("HTTPS://shop.com", False),
        ("ftp://shop.com", False),
        ("https://shop.com\\@evil.test", False),
        ("https://ы.shop.com/", False),
        ("https://shop.com/ы", ("p", "shop.com")),
        ("", False),
        ("h", False),
    ],
)
def test_the_everyday_shape(url: str, found: object) -> None:
    python, compiled = both(TABLE)
    assert same(lambda table: table.locate_url(url), python, compiled) == ("answer", found)


LABEL = st.sampled_from(["a", "b", "www", "shop", "co", "uk", "com", "", "ы", "😀", "A", "x-1"])
HOST = st.lists(LABEL, max_size=6).map(".".join)
TAIL = st.sampled_from(["", "/", "/path?q=1", "?q", "#f", ":8080/", "@x/", " ", "\\"])


@needs_compiled
@settings(max_examples=800)
@given(
    st.lists(st.tuples(HOST.filter(str.isascii), st.sampled_from(["p1", "p2", None])), max_size=12),
    st.data(),
)
def test_the_twins_answer_alike(items: list[tuple[str, str | None]], data: st.DataObject) -> None:
    """Tables with hosts given twice, keys beneath keys and empty labels; hosts drawn label by
    label, half of them ending in one of the table's, and each again as a URL."""
    python, compiled = both(items)
    assert len(compiled) == len(python)
    assert sorted(compiled.items(), key=repr) == sorted(python.items(), key=repr)
    ending = data.draw(st.sampled_from(items))[0] if items and data.draw(st.booleans()) else ""
    labels = data.draw(st.lists(LABEL, max_size=3))
    host = ".".join([*labels, ending] if ending else labels)
    same(lambda table: table.locate_host(host), python, compiled)
    url = data.draw(st.sampled_from(["https://", "http://", "https:/", ""])) + host
    url += data.draw(TAIL)
    same(lambda table: table.locate_url(url), python, compiled)


@needs_compiled
def test_a_large_table_finds_each_host_and_no_other() -> None:
    """50,000 hosts: every one found as itself and under a subdomain; near misses are not."""
    items = [(f"store{number}.{('com', 'ru', 'co.uk')[number % 3]}", f"p{number}") for number in range(50_000)]  # fmt: skip
    compiled = CHostTable(items)
    assert len(compiled) == len(items)
    for host, partner_id in items:
        assert compiled.locate_host(host) == (partner_id, host)
        assert compiled.locate_url(f"https://www.{host}/item") == (partner_id, host)
        assert compiled.locate_host(f"x{host}") is None
    assert compiled.locate_host("co.uk") is None


@needs_compiled
@pytest.mark.parametrize(
    "items",
    [
        [("shop.com",)],
        [("shop.com", "p", "extra")],
        [["shop.com", "p"]],
        ["shop.com"],
        [(b"shop.com", "p")],
        [("ы.com", "p")],
        [("shop.com", 1)],
        [("shop.com", b"p")],
        [(None, "p")],
        [("shop.com", "магазин")],
        [("x" * 254, "p")],
        5,
        None,
    ],
)
def test_a_bad_table_is_refused_with_its_reason(items: Any) -> None:
    """Both twins refuse it with the same error, which names what is wrong."""
    refusals = []
    for build in (PyHostTable, CHostTable):
        with pytest.raises((TypeError, ValueError)) as raised:
            build(items)
        refusals.append((raised.type, str(raised.value)))
    assert refusals[0] == refusals[1]
    if isinstance(items, list):
        assert refusals[0][1].startswith("HostTable: ")


@needs_compiled
def test_the_items_are_given_by_position() -> None:
    for build in (PyHostTable, CHostTable):
        with pytest.raises(TypeError):
            build(items=TABLE)


@needs_compiled
def test_a_table_answers_the_same_after_the_module_is_loaded_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each table hashes with its own key: a module loaded again (a subinterpreter, or
    ``importlib``) must not change the key of the tables already built."""
    table = CHostTable(TABLE)
    monkeypatch.delitem(sys.modules, "companion.tracking._hostwalk")
    again = importlib.import_module("companion.tracking._hostwalk")
    assert again.HostTable is not CHostTable
    assert again.HostTable(TABLE).locate_host("www.shop.com") == ("p", "shop.com")
    assert table.locate_host("www.shop.com") == ("p", "shop.com")


@needs_compiled
@pytest.mark.parametrize("argument", [None, b"https://shop.com/", 5, ["shop.com"]])
def test_a_lookup_of_no_str_is_a_type_error(argument: Any) -> None:
    python, compiled = both(TABLE)
    for method in ("locate_host", "locate_url"):
        assert same(lambda table, m=method: getattr(table, m)(argument), python, compiled)[0] == (
            "TypeError"
        )


@needs_compiled
def test_lookups_keep_no_memory() -> None:
    """Each answer's strings and tuple are the caller's: 150,000 more lookups leave no memory
    behind (tracemalloc sees PyMem_Malloc too)."""
    compiled = CHostTable(TABLE)
    urls = ["https://www.shop.com/", "https://other.test/", "https://Shop.com/", "https://a.b.shop.com/"]  # fmt: skip
    long_host = ".".join(["a"] * 100) + ".shop.com"

    def work() -> None:
        for _ in range(25_000):
            for url in urls:
                compiled.locate_url(url)
            compiled.locate_host(long_host)
            compiled.items()

    tracemalloc.start()
    try:
        work()
        before = tracemalloc.get_traced_memory()[0]
        work()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 10_000
