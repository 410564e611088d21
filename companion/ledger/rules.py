"""The ledger's rules: what a purchase should pay, by when, and where it stands.

Pure functions: every date and "now" comes in as an argument, nothing reads a clock or the
database, so each rule is a table of cases in ``tests/unit/test_ledger_rules.py``. Money is
``Decimal`` from end to end (a binary float would turn 2.5 into 2.4999… and round it down).

Days are the program's days: an order placed at 01:30 Moscow time on 1 March is a March order
for MTS, whatever UTC says, so dates are taken in the program's ``timezone``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from companion.catalog.model import Program, Rounding

LedgerState = Literal[
    "clicked",
    "landed",
    "awaiting_confirmation",
    "overdue",
    "confirmed",
    "credited",
    "declined",
]
LEDGER_STATES: tuple[LedgerState, ...] = (
    "clicked",
    "landed",
    "awaiting_confirmation",
    "overdue",
    "confirmed",
    "credited",
    "declined",
)
Action = Literal["confirm", "credit", "decline"]

_WHOLE = Decimal(1)
_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ProgramRules:
    """The part of a program the arithmetic needs."""

    currency: str
    rounding: Rounding = "none"
    monthly_cap: Decimal | None = None
    payout_day: int = 1
    timezone: str = "UTC"

    @classmethod
    def of(cls, program: Program) -> ProgramRules:
        return cls(
            currency=program.currency,
            rounding=program.rounding,
            monthly_cap=program.monthly_cap,
            payout_day=program.payout_day,
            timezone=program.timezone,
        )


def round_cashback(value: Decimal, rounding: Rounding) -> Decimal:
    """``half_up_integer``: to whole units, halves up (1.3 → 1, 1.5 → 2, 0.49 → 0).
    ``none``: not to whole units, but to the cent, halves up, since nothing pays a fraction
    of a kopeck (3.5 % of 971.39 is 34.00, not 33.99865)."""
    if rounding == "half_up_integer":
        return value.quantize(_WHOLE, rounding=ROUND_HALF_UP)
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def rule_cashback(
    *,
    amount: Decimal | None,
    currency: str | None,
    rate_percent: Decimal | None,
    fixed_amount: Decimal | None,
    rules: ProgramRules,
) -> Decimal | None:
    """What the offer pays for one order, rounded; ``None`` when it cannot be known.

    A percent of an unknown amount, or of an amount in another currency than the program
    pays in, is unknown: converting at some rate would be a guess dressed up as a number.
    """
    if fixed_amount is not None:
        return round_cashback(fixed_amount, rules.rounding)
    if rate_percent is None or amount is None:
        return None
    if currency is not None and currency != rules.currency:
        return None
    return round_cashback(amount * rate_percent / _HUNDRED, rules.rounding)


def local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def confirmation_due(ordered_at: datetime, window_days: int, zone: str) -> date:
    """The last day the program may take to confirm: the order's day plus the window."""
    return local_date(ordered_at, zone) + timedelta(days=window_days)


def payout_date(confirmed_on: date, payout_day: int) -> date:
    """Confirmed cashback is credited on ``payout_day`` of the month after confirmation."""
    if confirmed_on.month == 12:
        return date(confirmed_on.year + 1, 1, payout_day)
    return date(confirmed_on.year, confirmed_on.month + 1, payout_day)


@dataclass(frozen=True)
class Confirmed:
    """One confirmed order competing for its month's cap."""

    key: int
    confirmed_on: date
    # Within one day the program's own order is unknown; the order's time, then its row, is
    # a stable stand-in.
    tiebreak: tuple[str, int]
    cashback: Decimal


def allocate_cap(confirmed: Iterable[Confirmed], cap: Decimal | None) -> dict[int, Decimal]:
    """What each confirmed order of one program is paid: in order of confirmation, each month
    pays until the cap is reached, and what goes past it is not paid."""
    paid: dict[int, Decimal] = {}
    used: dict[tuple[int, int], Decimal] = {}
    for entry in sorted(confirmed, key=lambda e: (e.confirmed_on, e.tiebreak)):
        if cap is None:
            paid[entry.key] = entry.cashback
            continue
        month = (entry.confirmed_on.year, entry.confirmed_on.month)
        room = max(cap - used.get(month, Decimal(0)), Decimal(0))
        paid[entry.key] = min(entry.cashback, room)
        used[month] = used.get(month, Decimal(0)) + paid[entry.key]
    return paid


@dataclass(frozen=True)
class OrderFacts:
    """What the ledger knows about one order."""

    ordered_at: datetime
    amount: Decimal | None
    currency: str | None
    rate_percent: Decimal | None
    fixed_amount: Decimal | None
    window_days: int
    confirmed_on: date | None = None
    confirmed_cashback: Decimal | None = None
    credited_on: date | None = None
    declined_on: date | None = None


@dataclass(frozen=True)
class Assessment:
    state: LedgerState
    confirmation_due: date
    expected_cashback: Decimal | None
    over_cap: Decimal | None
    expected_payout: date | None


def cap_basis(facts: OrderFacts, rules: ProgramRules) -> Decimal | None:
    """The sum that competes for the cap: what the program confirmed, when the shopper entered
    it, else what the offer's rule pays."""
    if facts.confirmed_cashback is not None:
        return facts.confirmed_cashback
    return rule_cashback(
        amount=facts.amount,
        currency=facts.currency,
        rate_percent=facts.rate_percent,
        fixed_amount=facts.fixed_amount,
        rules=rules,
    )


def marked_state(facts: OrderFacts) -> LedgerState | None:
    """The state the shopper's marks decide, whatever the day; ``None`` for an unmarked order."""
    if facts.declined_on is not None:
        return "declined"
    if facts.credited_on is not None:
        return "credited"
    if facts.confirmed_on is not None:
        return "confirmed"
    return None


def order_state(facts: OrderFacts, due: date, today: date) -> LedgerState:
    marked = marked_state(facts)
    if marked is not None:
        return marked
    return "overdue" if today > due else "awaiting_confirmation"


def click_state(status: str) -> LedgerState:
    """A click without an order: still on the way, or landed on the store."""
    return "clicked" if status == "clicked" else "landed"


def assess(
    facts: OrderFacts, rules: ProgramRules, now: datetime, paid: Decimal | None
) -> Assessment:
    """Where an order stands at ``now``. ``paid`` is its share of the month's cap from
    :func:`allocate_cap` (``None`` while unconfirmed: the month it will count in is unknown)."""
    due = confirmation_due(facts.ordered_at, facts.window_days, rules.timezone)
    state = order_state(facts, due, local_date(now, rules.timezone))
    expected, over_cap = expected_cashback(state, facts, rules, paid)
    return Assessment(
        state=state,
        confirmation_due=due,
        expected_cashback=expected,
        over_cap=over_cap,
        expected_payout=expected_payout(state, facts, due, rules.payout_day),
    )


def expected_cashback(
    state: LedgerState | None, facts: OrderFacts, rules: ProgramRules, paid: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """What an order in ``state`` is expected to pay, and what of it goes over the cap. Only
    the marked states count here, so ``None`` (unmarked, not yet due or overdue) will do."""
    basis = cap_basis(facts, rules)
    if state == "declined":
        return Decimal(0), None
    if state in ("confirmed", "credited") and basis is not None and paid is not None:
        return paid_of(basis, paid)
    return basis, None


def paid_of(basis: Decimal, paid: Decimal) -> tuple[Decimal, Decimal | None]:
    """A confirmed order's expected cashback and what of it goes over the cap, from its
    ``basis`` (:func:`cap_basis`) and its share of the cap (:func:`allocate_cap`)."""
    return paid, basis - paid if paid < basis else None


def expected_payout(
    state: LedgerState, facts: OrderFacts, due: date, payout_day: int
) -> date | None:
    """Credited: the day it arrived. Confirmed: the payout day after the confirmation month.
    Not yet confirmed: the latest it can be, the payout after the due date. Overdue: none, since
    the program missed its own date; the shopper's next step is a claim, not a wait."""
    if state == "credited":
        return facts.credited_on
    if state == "confirmed" and facts.confirmed_on is not None:
        return payout_date(facts.confirmed_on, payout_day)
    if state == "awaiting_confirmation":
        return payout_date(due, payout_day)
    return None


def refusal(
    action: Action, state: LedgerState, facts: OrderFacts | None, on: date, today: date, zone: str
) -> tuple[str, str, dict[str, str]] | None:
    """Why the shopper cannot mark this purchase so, as (the input at fault, the reason's code in
    ledger/refusals.py, its values), or ``None`` when they can.

    A declined order may still be confirmed (support reversed the decision), and a date may be
    corrected by marking again; what was credited is final.
    """
    if facts is None:
        return ("id", "no_order", {})
    if state == "credited" and action != "credit":
        return ("id", "already_credited", {})
    if action == "credit" and state not in ("confirmed", "credited"):
        return ("id", "confirm_first", {})
    day = {"day": on.isoformat()}
    if on > today:
        return ("at", "in_future", day)
    ordered_on = local_date(facts.ordered_at, zone)
    if on < ordered_on:
        return ("at", "before_order", {**day, "ordered": ordered_on.isoformat()})
    if action == "credit" and facts.confirmed_on is not None and on < facts.confirmed_on:
        return ("at", "before_confirmation", {**day, "confirmed": facts.confirmed_on.isoformat()})
    return None


def money_shown(value: Decimal | str | None) -> str:
    """An amount as a page shows it: whole units bare, anything else to the cent
    (5084 → "5084", 38.6700 → "38.67", 5084.5 → "5084.50"); empty for none."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    if amount == amount.to_integral_value():
        return format(amount.quantize(_WHOLE), "f")
    return format(amount.quantize(_CENT, rounding=ROUND_HALF_UP), "f")


def money_text(value: Decimal | None) -> str | None:
    """A decimal as plain text without exponent or trailing zeros: 100 → "100", 2.50 → "2.5"."""
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
