"""The log as CSV, for a spreadsheet: the same columns and the same guard whether the dashboard's
export or ``cashback-companion log --csv`` writes it."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

COLUMNS = [
    "id",
    "click_id",
    "created_at",
    "partner",
    "partner_name",
    "program",
    "status",
    "ledger_state",
    "tracking",
    "order_id",
    "order_amount",
    "order_currency",
    "ordered_at",
    "expected_cashback",
    "cashback_currency",
    "confirmation_due",
    "expected_payout",
    "confirmed_on",
    "confirmed_cashback",
    "credited_on",
    "credited_cashback",
    "declined_on",
    "target_url",
    "landing_url",
]
# Spreadsheets run a cell that starts with one of these as a formula: an order id or an address
# from a store's page must not become one (=HYPERLINK(...) sending the sheet's cells away). Some
# take the full-width forms too, and some skip leading blanks before they look.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Blanks with no width, which str.strip does not count as space.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def _unblanked(text: str) -> str:
    """``text`` without leading blanks of any kind (spaces of every width, zero-width marks)."""
    while True:
        shorter = text.lstrip().lstrip(_ZERO_WIDTH)
        if shorter == text:
            return text
        text = shorter


def cell(value: object) -> object:
    """A value as a spreadsheet must see it: text that would start a formula, quoted."""
    if isinstance(value, str) and (
        value.startswith(_FORMULA_STARTS) or _unblanked(value).startswith(_FORMULA_STARTS)
    ):
        return "'" + value
    return value


def write_csv(out: IO[str], records: Iterable[dict[str, Any]]) -> int:
    """The header and one row per record; how many records were written."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    written = 0
    for record in records:
        writer.writerow({key: cell(record.get(key)) for key in COLUMNS})
        written += 1
    return written
