"""JSON numbers read as ``Decimal`` (money is never a binary float), within bounds.

``json.loads(text, parse_float=decimal_number)`` refuses, with ``ValueError``, a number of more
than ``MAX_DIGITS`` digits before or after its point: pydantic turns ``1e99999999`` given for an
integer field into an integer of 100 million digits, which takes minutes, and ``1e-99999999``
written out is 100 MB. ``json.loads`` itself raises ``ValueError`` for an integer of more than
4,300 digits (Python's limit), so one ``except ValueError`` after ``JSONDecodeError`` covers both.
"""

from __future__ import annotations

from decimal import Decimal

MAX_DIGITS = 1000
OUT_OF_RANGE = f"a number out of range: more than {MAX_DIGITS} digits before or after its point"


def decimal_number(text: str) -> Decimal:
    """A JSON number with a point or an exponent, as a Decimal of at most MAX_DIGITS digits
    either side of the point."""
    value = Decimal(text)
    if abs(value.adjusted()) > MAX_DIGITS:
        raise ValueError(OUT_OF_RANGE)
    return value
