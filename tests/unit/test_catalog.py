"""Catalog validation: every refusal names the record and field; a refused import changes nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from companion.catalog.store import bundled_catalog, load_catalog, save_catalog
from companion.catalog.validate import CatalogError, parse_catalog
from companion.cli import main
from companion.config import data_dir, db_path
from companion.storage.db import connect

GOOD: dict[str, Any] = {
    "programs": [
        {
            "id": "mts",
            "name": "MTS Cashback",
            "currency": "RUB",
            "rounding": "half_up_integer",
            "monthly_cap": "10000",
            "confirmation_days": 90,
            "payout_day": 1,
        },
    ],
    "partners": [
        {
            "id": "ozon",
            "name": "Ozon",
            "category": "online_stores",
            "domains": ["ozon.ru"],
            "offers": [
                {
                    "program": "mts",
                    "rate_percent": "2",
                    "go_url": "https://cashback.mts.ru/go?c={click_id}&u={target_url}",
                }
            ],
        },
        {
            "id": "ali",
            "name": "AliExpress",
            "category": "online_stores",
            "domains": ["aliexpress.com"],
            "exclude": ["sell.aliexpress.com"],
            "offers": [
                {
                    "program": "mts",
                    "rate_percent": 5,
                    "confirmation_days": 50,
                    "go_url": "https://cashback.mts.ru/go/ali",
                }
            ],
        },
    ],
}


def broken(path: str, value: Any) -> dict[str, Any]:
    """GOOD with the value at a dotted path replaced (``partners.0.domains.0``)."""
    document = copy.deepcopy(GOOD)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node: Any = document
    for step in parents:
        node = node[step]
    node[last] = value
    return document


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            broken("partners.0.domains.0", "com"),
            "partners[0] \"ozon\" domains[0]: 'com' is a public suffix",
        ),
        (broken("partners.0.domains.0", "co.uk"), "'co.uk' is a public suffix"),
        (broken("partners.0.domains.0", "not a host"), "'not a host' is not a host name"),
        (broken("partners.0.domains.0", "10.0.0.1"), "is an IP address"),
        (
            broken("partners.0.domains.0", "myshopify.com"),
            "'myshopify.com' is a hosting service's suffix",
        ),
        (
            broken("partners.0.offers.0.rate_percent", "120"),
            'partners[0] "ozon" offers[0] (program "mts") rate_percent: Input should be less than or equal to 100',
        ),
        (
            broken("partners.0.offers.0.rate_percent", -1),
            "rate_percent: Input should be greater than or equal to 0",
        ),
        (
            broken("partners.0.offers.0.go_url", "javascript:alert(1)"),
            "go_url: must be an http or https URL",
        ),
        # Within what the ledger and a backup hold (ledger/limits.py, text.py): a click keeps a
        # snapshot of its offer, and a backup must import what was stored.
        (
            broken("partners.0.offers.0.rate_percent", "1.0000000000000000000001"),
            "rate_percent: Value error, must have at most 20 decimal places",
        ),
        (
            broken("partners.0.name", "Ozon\x1b[2J"),
            "name: Value error, must not hold control characters (\\x1b)",
        ),
        (
            broken("programs.0.name", "MTS\u202eCashback"),
            "name: Value error, must not hold control characters (\\u202e)",
        ),
        (
            broken("partners.0.offers.0.go_url", "ftp://x.example/{click_id}"),
            "go_url: must be an http or https URL",
        ),
        (
            broken("partners.0.offers.0.go_url", "https://x.example/{user}"),
            "go_url: has '{user}': the only placeholders are {click_id} and {target_url}",
        ),
        # /go/ fills in these two exactly: anything else in braces would reach the program.
        (
            broken("partners.0.offers.0.go_url", "https://x.example/?s={click_id!r}"),
            "go_url: has '{click_id!r}'",
        ),
        (broken("partners.0.offers.0.go_url", "https://x.example/?q={{x}}"), "go_url: has '{'"),
        (broken("partners.0.offers.0.go_url", "https://x.example/}"), "go_url: has '}'"),
        # A line break in the Location of /go/ drops the connection; urlsplit drops it unseen.
        (
            broken("partners.0.offers.0.go_url", "https://x.example/go?c={click_id}\n"),
            "go_url: must not hold spaces or control characters, found '\\n'",
        ),
        (
            broken("partners.0.offers.0.go_url", " https://x.example/go"),
            "go_url: must not hold spaces or control characters, found ' '",
        ),
        (
            broken("programs.0.url", "https://cashback.example/\r\n"),
            "url: must not hold spaces or control characters, found '\\r'",
        ),
        (
            broken("programs.0.url", "ftp://cashback.example/"),
            "url: must be an http or https URL, got 'ftp://cashback.example/'",
        ),
        (
            broken("partners.0.offers.0.program", "lety"),
            'offers[0] (program "lety") program: no program with this id',
        ),
        (broken("partners.1.id", "ozon"), 'partners: the id "ozon" is used 2 times'),
        (
            broken("programs", [GOOD["programs"][0], GOOD["programs"][0]]),
            'programs: the id "mts" is used 2 times',
        ),
        (broken("partners.1.domains", ["ozon.ru"]), '"ozon.ru" is already listed by "ozon"'),
        (
            broken("partners.0.exclude", ["ozon.ru"]),
            'exclude[0]: "ozon.ru" is one of this partner\'s own domains',
        ),
        (
            broken("partners.1.exclude", ["ozon.ru"]),
            'exclude[0]: "ozon.ru" is not under any of this partner\'s domains',
        ),
        (
            broken("partners.0.offers.0.fixed_amount", "100"),
            "exactly one of rate_percent and fixed_amount",
        ),
        (
            broken("partners.0.offers", []),
            'partners[0] "ozon" offers: List should have at least 1 item',
        ),
        (broken("partners.0.rate", "5"), 'partners[0] "ozon" rate: Extra inputs are not permitted'),
        (
            broken("programs.0.rounding", "bankers"),
            "programs[0] \"mts\" rounding: Input should be 'none' or 'half_up_integer'",
        ),
        (
            broken("programs.0.currency", "rub"),
            'programs[0] "mts" currency: String should match pattern',
        ),
        (
            broken("partners.0.offers", [GOOD["partners"][0]["offers"][0]] * 2),
            "already has an offer from this program",
        ),
    ],
)
def test_refused_catalogs_name_the_fault(document: dict[str, Any], expected: str) -> None:
    with pytest.raises(CatalogError) as refused:
        parse_catalog(json.dumps(document))
    assert any(expected in problem for problem in refused.value.problems), refused.value.problems


@pytest.mark.parametrize("text", ["", "[]", "{", '"catalog"', "\xff"])
def test_not_a_catalog_at_all(text: str) -> None:
    with pytest.raises(CatalogError):
        parse_catalog(text.encode("latin-1"))


def test_all_problems_are_reported_at_once() -> None:
    document = broken("partners.0.domains.0", "com")
    document["partners"][1]["offers"][0]["rate_percent"] = "101"
    with pytest.raises(CatalogError) as refused:
        parse_catalog(json.dumps(document))
    assert len(refused.value.problems) == 2


def test_money_is_decimal_not_float() -> None:
    catalog = parse_catalog(
        '{"programs": [{"id": "p", "name": "P", "currency": "RUB", "confirmation_days": 9}],'
        ' "partners": [{"id": "s", "name": "S", "category": "c", "domains": ["s.example"],'
        ' "offers": [{"program": "p", "rate_percent": 3.3, "go_url": "https://p.example/"}]}]}'
    )
    assert str(catalog.partners[0].offers[0].rate_percent) == "3.3"


def test_bundled_catalog_is_valid_and_real() -> None:
    catalog = bundled_catalog()
    programs = {p.id: p for p in catalog.programs}
    assert set(programs) == {"mts", "secret_discounter", "letyshops", "promokodi", "megabonus"}
    assert programs["mts"].monthly_cap == 10000
    assert programs["mts"].rounding == "half_up_integer"
    partners = {p.id: p for p in catalog.partners}
    ali = partners["aliexpress"].offers[0]
    assert (ali.rate_percent, ali.confirmation_days) == (5, 50)
    assert len(partners["letoile"].offers) == 4  # the rate table's row
    # A rate the articles do not give is the bottom of the program's range, never "up to" it.
    guessed = [
        o for p in catalog.partners for o in p.offers if (o.note or "").startswith("rate not")
    ]
    assert guessed
    assert not any(offer.up_to for offer in guessed)


def test_refused_import_keeps_the_stored_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD))
    assert main(["catalog", "import", str(good)]) == 0
    conn = connect(db_path(data_dir()))
    before = load_catalog(conn)

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken("partners.0.domains.0", "co.uk")))
    assert main(["catalog", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "co.uk" in err
    assert "is a public suffix" in err
    assert "unchanged" in err

    after = load_catalog(conn)
    assert before is not None
    assert after is not None
    assert (after.version, after.imported_at, after.catalog) == (
        before.version,
        before.imported_at,
        before.catalog,
    )


def test_import_replaces_in_one_transaction(tmp_path: Path) -> None:
    conn = connect(db_path(data_dir()))
    save_catalog(conn, parse_catalog(json.dumps(GOOD)), "first")
    second = copy.deepcopy(GOOD)
    second["partners"] = second["partners"][:1]
    save_catalog(conn, parse_catalog(json.dumps(second)), "second")
    stored = load_catalog(conn)
    assert stored is not None
    assert stored.source == "second"
    assert len(stored.catalog.partners) == 1


def test_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "import", str(tmp_path / "nope.json")]) == 1
    assert "cannot read" in capsys.readouterr().err
