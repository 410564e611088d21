"""Claim evidence: what support needs, from a purchase the extension saw and one added by hand."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from companion.config import data_dir, db_path
from companion.diagnostics.diagnose import diagnose
from companion.diagnostics.facts import Facts
from companion.ledger.claim import LABELS, claim_evidence, claim_text
from companion.ledger.orders import Ledger, add_order, get_record
from companion.storage.db import connect
from tests.unit.ledger_seed import click, landing, order, use_catalog

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def conn(companion_home: Path) -> Iterator[sqlite3.Connection]:
    opened = connect(db_path(data_dir()))
    yield opened
    opened.close()


def test_evidence_of_a_tracked_purchase(conn: sqlite3.Connection) -> None:
    index = use_catalog(conn)
    cid = click(conn, index, "2026-02-01T09:00:00.000Z")
    landing(conn, cid, "2026-02-01T09:00:03Z")
    order(conn, cid, "2026-02-01T09:20:00Z")
    record = get_record(conn, Ledger(index, NOW), cid)
    assert record is not None
    evidence = claim_evidence(record)
    assert evidence["store"] == {"id": "shop", "name": "Demo Shop"}
    assert evidence["program"] == {"id": "mts", "name": "MTS Cashback"}
    assert evidence["click"]["id"] == cid
    assert evidence["click"]["time"] == "2026-02-01T09:00:00.000Z"
    assert evidence["click"]["landing_url"] == "https://shop.example/item/1?aff_id=NET-1"
    assert evidence["click"]["tracking"] == "tracked"
    assert evidence["click"]["tracking_evidence"] == {
        "cookies": ["aff_click"],
        "params": ["aff_id"],
    }
    assert evidence["checks"] == []
    assert evidence["order"] == {
        "id": "A-1001",
        "amount": "2450.50",
        "currency": "RUB",
        "time": "2026-02-01T09:20:00.000Z",
        "page_url": "https://shop.example/order/complete",
        "recognised_by": "ga4",
    }
    assert evidence["cashback"]["state"] == "overdue"

    text = claim_text(evidence, "en")
    for expected in (
        "Cashback claim: order A-1001 at Demo Shop\n",
        "Store: Demo Shop\n",
        "Cashback program: MTS Cashback\n",
        # Times as the program's support reads them: Moscow time, 3 hours ahead of UTC.
        "Cashback activated: 2026-02-01 12:00 (Europe/Moscow)",
        f"Click id: {cid}",
        "Landing page: https://shop.example/item/1?aff_id=NET-1",
        # The hop through the companion on this machine means nothing to support.
        "Redirect chain:\n  1. https://net.example/click\n",
        "Tracking: the store's tracking mark was seen after the redirect"
        " (cookies: aff_click; URL parameters: aff_id)",
        "Order: A-1001, 2450.50 RUB, placed 2026-02-01 12:20 (Europe/Moscow)",
        "Expected cashback: 123 RUB",
        "Confirmation due by: 2026-05-02",
    ):
        assert expected in text, expected
    assert "127.0.0.1" not in text
    russian = claim_text(evidence, "ru")
    assert "Магазин: Demo Shop\n" in russian
    assert "Заказ: A-1001, 2450.50 RUB, оформлен 2026-02-01 12:20 (Europe/Moscow)" in russian


def test_a_claim_holds_facts_and_nothing_that_argues_against_the_shopper(
    conn: sqlite3.Connection,
) -> None:
    """The checks are the shopper's (a failed one is a reason to decline), and so is a click
    that showed no tracking mark; support gets the visit and the order."""
    index = use_catalog(conn)
    cid = click(conn, index, "2026-02-01T09:00:00.000Z")
    landing(conn, cid, "2026-02-01T09:00:03Z", tracked=False)
    facts = {"partner": "shop", "page": "checkout", "landed": True, "cookie_setting": "block"}
    diagnose(conn, index, Facts.model_validate(facts), cid, datetime(2026, 2, 1, 9, 5, tzinfo=UTC))
    record = get_record(conn, Ledger(index, NOW), cid)
    assert record is not None
    evidence = claim_evidence(record)
    assert evidence["checks"]  # kept in the JSON, for the shopper
    for lang in ("en", "ru"):
        text = claim_text(evidence, lang)
        assert "cookie" not in text.casefold()  # neither the check nor "no mark was seen"
        assert "block" not in text.casefold()
        assert LABELS[lang]["tracking"] not in text
    # No order was seen: the claim asks for it rather than leaving it out.
    assert "Order: not recorded (write its number, amount and time here)" in claim_text(evidence)
    assert "Cashback claim: a purchase at Demo Shop" in claim_text(evidence)


def test_evidence_of_an_order_added_by_hand(conn: sqlite3.Connection) -> None:
    index = use_catalog(conn)
    ledger = Ledger(index, NOW)
    added = add_order(
        conn,
        ledger,
        partner="trips",
        program="mts",
        amount=Decimal(12000),
        currency="RUB",
        ordered_at=datetime(2026, 5, 1, 8, tzinfo=UTC),
        order_id="TRIP-9",
    )
    evidence = claim_evidence(added)
    assert evidence["click"] is None
    text = claim_text(evidence)
    assert text.startswith("Cashback claim: order TRIP-9 at ")
    assert "Expected cashback: 300 RUB" in text  # the trip's fixed sum
    assert "Click id" not in text
    assert "Tracking" not in text


def test_every_label_exists_in_both_languages() -> None:
    assert set(LABELS["en"]) == set(LABELS["ru"])
