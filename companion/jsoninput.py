"""Reading JSON that someone else wrote (a catalog, a log file, a request body): every way it can
fail becomes one :class:`JsonInputError` line, and money is never a binary float.

With ``decimals``, numbers with a point or an exponent are read as ``Decimal``, and one with more
than ``MAX_DIGITS`` digits before or after its point is refused: pydantic turns ``1e99999999``
given for an integer field into an integer of 100 million digits, which takes minutes, and
``1e-99999999`` written out is 100 MB. ``json.loads`` itself refuses an integer of more than
4,300 digits (Python's limit) with a ``ValueError``, and a deeply nested document with a
``RecursionError``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

MAX_DIGITS = 1000
OUT_OF_RANGE = f"a number out of range: more than {MAX_DIGITS} digits before or after its point"


class JsonInputError(ValueError):
    """JSON that cannot be read; the message is one line saying why."""


def read_json(text: str | bytes, *, decimals: bool) -> Any:
    """The JSON value ``text`` holds; raise :class:`JsonInputError` saying why it cannot be read."""
    try:
        return json.loads(text, parse_float=decimal_number if decimals else None)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise JsonInputError(f"not JSON: {exc}") from exc
    except RecursionError as exc:
        raise JsonInputError("not JSON: nested too deeply") from exc
    except ValueError as exc:  # a number too long to read, here or in json.loads
        raise JsonInputError(OUT_OF_RANGE) from exc


def decimal_number(text: str) -> Decimal:
    """A JSON number with a point or an exponent, as a Decimal of at most MAX_DIGITS digits
    either side of the point."""
    value = Decimal(text)
    if abs(value.adjusted()) > MAX_DIGITS:
        raise ValueError(OUT_OF_RANGE)
    return value
