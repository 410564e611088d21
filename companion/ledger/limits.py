"""What the ledger can hold, the same on every way into it: the extension's events, the CLI, the
dashboard's forms and a backup. A value taken one way must not be refused by another (a backup
the companion wrote must import) or break the log's arithmetic later.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

# Times and days from 1970 to 8999: the ledger adds confirmation windows and payout months to
# them, which past datetime's range (years 1 to 9999) is an OverflowError in every page of the
# log that shows the purchase.
FIRST_YEAR, LAST_YEAR = 1970, 8999
OUT_OF_RANGE = f"must be in the years {FIRST_YEAR} to {LAST_YEAR}"
# Amounts and rates are stored written out ("0.0001"), so their decimal places are bounded:
# "1e-99999999" is 11 characters in a request and 100 MB in the database.
MAX_PLACES = 20
TOO_PRECISE = f"must have at most {MAX_PLACES} decimal places"


def plausible(day: date) -> date:
    """``day`` itself, or ValueError(OUT_OF_RANGE)."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(OUT_OF_RANGE)
    return day


def places(value: Decimal) -> Decimal:
    """``value`` itself, or ValueError(TOO_PRECISE)."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PLACES:
        raise ValueError(TOO_PRECISE)
    return value
