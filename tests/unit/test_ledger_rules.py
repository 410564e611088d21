"""The ledger's rules (companion/ledger/rules.py) as tables of cases.

Every amount is written as a string and read as Decimal: the halves below are exact, which a
float would not keep (2.675 is 2.67499999… as a float).
"""

from __future__ import annotations

import string
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from companion.ledger import refusals, rules
from companion.ledger.rules import Confirmed, OrderFacts, ProgramRules

MTS = ProgramRules(
    currency="RUB",
    rounding="half_up_integer",
    monthly_cap=Decimal(10000),
    payout_day=1,
    timezone="Europe/Moscow",
)
PLAIN = ProgramRules(currency="RUB")  # no rounding, no cap, UTC


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("value", "rounding", "expected"),
    [
        ("1.3", "half_up_integer", "1"),
        ("1.8", "half_up_integer", "2"),
        ("0.49", "half_up_integer", "0"),  # under 0.5 pays nothing
        ("0.4999999999", "half_up_integer", "0"),
        ("0.5", "half_up_integer", "1"),  # an exact half goes up
        ("1.5", "half_up_integer", "2"),
        ("2.5", "half_up_integer", "3"),  # not to even: 2.5 → 3, where banker's rounding gives 2
        ("122.525", "half_up_integer", "123"),
        ("2.675", "half_up_integer", "3"),
        ("0", "half_up_integer", "0"),
        ("10000.5", "half_up_integer", "10001"),
        # Not to whole units, but nothing pays a fraction of a kopeck: to the cent, halves up.
        ("122.525", "none", "122.53"),
        ("33.99966", "none", "34.00"),
        ("9.4425", "none", "9.44"),
        ("0.49", "none", "0.49"),
        ("0.004", "none", "0"),
    ],
)
def test_rounding(value: str, rounding: rules.Rounding, expected: str) -> None:
    assert rules.round_cashback(Decimal(value), rounding) == Decimal(expected)


@pytest.mark.parametrize(
    ("amount", "currency", "rate", "fixed", "program", "expected"),
    [
        ("2450.50", "RUB", "5", None, MTS, "123"),  # 122.525 → 123
        ("10", "RUB", "5", None, MTS, "1"),  # exactly 0.5 → 1
        ("9.99", "RUB", "5", None, MTS, "0"),  # 0.4995 → 0
        ("29.90", "RUB", "5", None, MTS, "1"),  # 1.495 → 1
        ("30", "RUB", "5", None, MTS, "2"),  # 1.5 → 2
        ("2450.50", "RUB", "3.4", None, PLAIN, "83.32"),  # not to whole units: to the cent
        ("2450.50", None, "5", None, MTS, "123"),  # no currency seen: the program's
        ("2450.50", "USD", "5", None, MTS, None),  # another currency: unknown, not guessed
        (None, None, "5", None, MTS, None),  # no amount seen
        (None, None, None, "300", MTS, "300"),  # a fixed sum needs no amount
        ("99", "USD", None, "150.5", MTS, "151"),  # a fixed sum is rounded too
        ("1000", "RUB", "0", None, MTS, "0"),
    ],
)
def test_rule_cashback(
    amount: str | None,
    currency: str | None,
    rate: str | None,
    fixed: str | None,
    program: ProgramRules,
    expected: str | None,
) -> None:
    found = rules.rule_cashback(
        amount=None if amount is None else Decimal(amount),
        currency=currency,
        rate_percent=None if rate is None else Decimal(rate),
        fixed_amount=None if fixed is None else Decimal(fixed),
        rules=program,
    )
    assert found == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("ordered_at", "window", "zone", "due"),
    [
        ("2026-01-10T12:00:00+03:00", 90, "Europe/Moscow", "2026-04-10"),
        ("2026-01-10T12:00:00+03:00", 50, "Europe/Moscow", "2026-03-01"),  # AliExpress
        # 22:30 UTC on 28 February is already 1 March in Moscow: a day later there.
        ("2026-02-28T22:30:00Z", 90, "Europe/Moscow", "2026-05-30"),
        ("2026-02-28T22:30:00Z", 90, "UTC", "2026-05-29"),
        # New Year in Moscow, still the old year in UTC.
        ("2025-12-31T21:30:00Z", 50, "Europe/Moscow", "2026-02-20"),
        ("2025-12-31T21:30:00Z", 50, "UTC", "2026-02-19"),
        ("2026-11-15T10:00:00Z", 90, "UTC", "2027-02-13"),  # across the year
        ("2028-01-30T10:00:00Z", 30, "UTC", "2028-02-29"),  # a leap day
        # A zone with summer time: New York is UTC-5 in January, UTC-4 in July.
        ("2026-01-11T04:30:00Z", 1, "America/New_York", "2026-01-11"),
        ("2026-07-11T03:30:00Z", 1, "America/New_York", "2026-07-11"),
        ("2026-07-11T04:30:00Z", 1, "America/New_York", "2026-07-12"),
    ],
)
def test_confirmation_due(ordered_at: str, window: int, zone: str, due: str) -> None:
    assert rules.confirmation_due(at(ordered_at), window, zone) == date.fromisoformat(due)


@pytest.mark.parametrize(
    ("confirmed_on", "payout_day", "payout"),
    [
        ("2026-08-01", 1, "2026-09-01"),  # confirmed in August: credited 1 September
        ("2026-08-31", 1, "2026-09-01"),
        ("2026-09-01", 1, "2026-10-01"),
        ("2026-12-15", 1, "2027-01-01"),  # across the year
        ("2026-12-31", 1, "2027-01-01"),
        ("2026-01-31", 28, "2026-02-28"),
        ("2026-11-30", 15, "2026-12-15"),
    ],
)
def test_payout_date(confirmed_on: str, payout_day: int, payout: str) -> None:
    assert rules.payout_date(date.fromisoformat(confirmed_on), payout_day) == date.fromisoformat(
        payout
    )


def confirmed(
    key: int, on: str, cashback: str, ordered_at: str = "2026-01-01T00:00:00.000Z"
) -> Confirmed:
    return Confirmed(key, date.fromisoformat(on), (ordered_at, key), Decimal(cashback))


@pytest.mark.parametrize(
    ("entries", "cap", "paid"),
    [
        # Under the cap: all paid.
        ([confirmed(1, "2026-08-03", "4000"), confirmed(2, "2026-08-20", "5000")], "10000",
         {1: "4000", 2: "5000"}),
        # Crossed inside the month: the order that crosses is cut, the rest of the month pays 0.
        ([confirmed(1, "2026-08-03", "6000"), confirmed(2, "2026-08-10", "3000"),
          confirmed(3, "2026-08-12", "2000"), confirmed(4, "2026-08-30", "700")], "10000",
         {1: "6000", 2: "3000", 3: "1000", 4: "0"}),
        # In order of confirmation, not of the list (nor of the order's own date).
        ([confirmed(1, "2026-08-20", "6000", "2026-05-01T00:00:00.000Z"),
          confirmed(2, "2026-08-02", "6000", "2026-07-01T00:00:00.000Z")], "10000",
         {2: "6000", 1: "4000"}),
        # The same day: the earlier order first.
        ([confirmed(1, "2026-08-02", "6000", "2026-06-02T10:00:00.000Z"),
          confirmed(2, "2026-08-02", "6000", "2026-06-01T10:00:00.000Z")], "10000",
         {2: "6000", 1: "4000"}),
        # A new month starts a new cap, across the year too.
        ([confirmed(1, "2026-12-31", "10000"), confirmed(2, "2026-12-31", "500"),
          confirmed(3, "2027-01-01", "500")], "10000",
         {1: "10000", 2: "0", 3: "500"}),
        # Exactly at the cap is paid whole.
        ([confirmed(1, "2026-08-01", "9999"), confirmed(2, "2026-08-02", "1")], "10000",
         {1: "9999", 2: "1"}),
        # No cap.
        ([confirmed(1, "2026-08-01", "60000"), confirmed(2, "2026-08-02", "60000")], None,
         {1: "60000", 2: "60000"}),
    ],
)  # fmt: skip
def test_allocate_cap(entries: list[Confirmed], cap: str | None, paid: dict[int, str]) -> None:
    found = rules.allocate_cap(entries, None if cap is None else Decimal(cap))
    assert found == {key: Decimal(value) for key, value in paid.items()}


def facts(**changes: object) -> OrderFacts:
    base: dict[str, object] = {
        "ordered_at": at("2026-01-10T12:00:00+03:00"),
        "amount": Decimal("2450.50"),
        "currency": "RUB",
        "rate_percent": Decimal(5),
        "fixed_amount": None,
        "window_days": 50,
    }
    return OrderFacts(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("order", "now", "paid", "state", "expected", "over_cap", "payout"),
    [
        # Before the due date (1 March, Moscow): awaiting; the latest payout follows the due date.
        (facts(), "2026-02-01T12:00:00Z", None, "awaiting_confirmation", "123", None, "2026-04-01"),
        # The due day itself, to its last Moscow minute, is still in time.
        (facts(), "2026-03-01T20:59:00Z", None, "awaiting_confirmation", "123", None, "2026-04-01"),
        # One minute later it is 2 March in Moscow (still 1 March in UTC): overdue.
        (facts(), "2026-03-01T21:00:00Z", None, "overdue", "123", None, None),
        # Confirmed: the payout day after the confirmation month, the cap share is what is paid.
        (facts(confirmed_on=date(2026, 2, 20)), "2026-03-05T00:00:00Z", Decimal(123),
         "confirmed", "123", None, "2026-03-01"),
        (facts(confirmed_on=date(2026, 2, 20)), "2026-03-05T00:00:00Z", Decimal(23),
         "confirmed", "23", "100", "2026-03-01"),
        # The program confirmed another sum: that is what competes for the cap.
        (facts(confirmed_on=date(2026, 2, 20), confirmed_cashback=Decimal(90)),
         "2026-03-05T00:00:00Z", Decimal(90), "confirmed", "90", None, "2026-03-01"),
        # Confirmed after the due date is confirmed, not overdue.
        (facts(confirmed_on=date(2026, 3, 20)), "2026-04-05T00:00:00Z", Decimal(123),
         "confirmed", "123", None, "2026-04-01"),
        # Credited: the day it arrived.
        (facts(confirmed_on=date(2026, 2, 20), credited_on=date(2026, 3, 2)),
         "2026-03-05T00:00:00Z", Decimal(123), "credited", "123", None, "2026-03-02"),
        # Declined: nothing to expect, no payout.
        (facts(declined_on=date(2026, 2, 20)), "2026-03-05T00:00:00Z", None,
         "declined", "0", None, None),
        # Amount unknown: the due date still counts.
        (facts(amount=None), "2026-03-05T00:00:00Z", None, "overdue", None, None, None),
    ],
)  # fmt: skip
def test_assess(
    order: OrderFacts,
    now: str,
    paid: Decimal | None,
    state: str,
    expected: str | None,
    over_cap: str | None,
    payout: str | None,
) -> None:
    found = rules.assess(order, MTS, at(now), paid)
    assert found.state == state
    assert found.confirmation_due == date(2026, 3, 1)
    assert rules.money_text(found.expected_cashback) == expected
    assert rules.money_text(found.over_cap) == over_cap
    assert found.expected_payout == (None if payout is None else date.fromisoformat(payout))


@pytest.mark.parametrize(
    ("status", "state"),
    [("clicked", "clicked"), ("landed", "landed"), ("order_placed", "landed")],
)
def test_click_state(status: str, state: str) -> None:
    assert rules.click_state(status) == state


TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("action", "state", "order", "on", "refused"),
    [
        ("confirm", "awaiting_confirmation", facts(), TODAY, None),
        ("confirm", "overdue", facts(), TODAY, None),
        ("confirm", "declined", facts(declined_on=date(2026, 2, 1)), TODAY, None),  # reversed
        ("confirm", "confirmed", facts(confirmed_on=date(2026, 2, 1)), TODAY, None),  # a fix
        ("confirm", "credited", facts(confirmed_on=date(2026, 2, 1)), TODAY, "id"),
        ("confirm", "landed", None, TODAY, "id"),  # no order
        ("confirm", "awaiting_confirmation", facts(), date(2026, 3, 11), "at"),  # the future
        ("confirm", "awaiting_confirmation", facts(), date(2026, 1, 9), "at"),  # before the order
        ("confirm", "awaiting_confirmation", facts(), date(2026, 1, 10), None),  # its own day
        ("credit", "awaiting_confirmation", facts(), TODAY, "id"),  # confirm first
        ("credit", "confirmed", facts(confirmed_on=date(2026, 2, 1)), TODAY, None),
        ("credit", "confirmed", facts(confirmed_on=date(2026, 2, 1)), date(2026, 1, 31), "at"),
        ("credit", "credited", facts(confirmed_on=date(2026, 2, 1)), TODAY, None),
        ("decline", "awaiting_confirmation", facts(), TODAY, None),
        ("decline", "confirmed", facts(confirmed_on=date(2026, 2, 1)), TODAY, None),
        ("decline", "credited", facts(confirmed_on=date(2026, 2, 1)), TODAY, "id"),
    ],
)
def test_refusal(
    action: rules.Action,
    state: rules.LedgerState,
    order: OrderFacts | None,
    on: date,
    refused: str | None,
) -> None:
    found = rules.refusal(action, state, order, on, TODAY, "Europe/Moscow")
    assert (None if found is None else found[0]) == refused
    if found is not None:
        _, code, values = found
        assert refusals.worded(code, values, "ru") != refusals.worded(code, values, "en")


def test_every_refusal_has_the_same_blanks_in_both_languages() -> None:
    for code, words in refusals.WORDS.items():
        blanks = {
            lang: {f[1] for f in string.Formatter().parse(text) if f[1]}
            for lang, text in words.items()
        }
        assert set(words) == {"en", "ru"}, code
        assert blanks["en"] == blanks["ru"], code


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("123"), "123"),
        (Decimal("1E+2"), "100"),
        (Decimal("2.50"), "2.5"),
        (Decimal("122.5250"), "122.525"),
        (Decimal("0"), "0"),
        (Decimal("0.00"), "0"),
        (None, None),
    ],
)
def test_money_text(value: Decimal | None, text: str | None) -> None:
    assert rules.money_text(value) == text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("5084"), "5084"),
        (Decimal("5084.00"), "5084"),
        (Decimal("38.6700"), "38.67"),
        (Decimal("5084.5"), "5084.50"),
        (Decimal("19.567"), "19.57"),
        ("9.4425", "9.44"),
        (Decimal("1E+2"), "100"),
        (None, ""),
    ],
)
def test_money_shown(value: Decimal | str | None, shown: str) -> None:
    assert rules.money_shown(value) == shown


def test_local_date_is_the_programs_day() -> None:
    moment = datetime(2026, 2, 28, 22, 30, tzinfo=UTC)
    assert rules.local_date(moment, "Europe/Moscow") == date(2026, 3, 1)
    assert rules.local_date(moment, "UTC") == date(2026, 2, 28)
