"""The rule that keeps one purchase one order however it is sighted (companion/tracking/sightings)."""

from __future__ import annotations

import pytest

from companion.tracking.sightings import Completed, KnownOrder, NewOrder, place

UNNUMBERED = KnownOrder(row=1, order_id=None, priced=False)
NUMBERED = KnownOrder(row=2, order_id="A-1", priced=False)
PRICED = KnownOrder(row=3, order_id="A-1", priced=True)
OTHER = KnownOrder(row=4, order_id="B-2", priced=True)


@pytest.mark.parametrize(
    ("order_id", "priced", "numbered", "of_click", "expected"),
    [
        # The first sighting of a click's purchase.
        ("A-1", True, None, [], NewOrder("A-1")),
        (None, False, None, [], NewOrder("click:c_1")),
        # The page read before its script: no number, then the number and amount.
        ("A-1", True, None, [UNNUMBERED], Completed(1, "A-1")),
        # The same race the other way round: the number first, then the page alone.
        (None, False, None, [NUMBERED], None),
        (None, True, None, [NUMBERED], Completed(2)),
        (None, True, None, [PRICED], None),
        # The number read before the amount (the wording, then the dataLayer).
        ("A-1", True, NUMBERED, [NUMBERED], Completed(2)),
        ("A-1", False, NUMBERED, [NUMBERED], None),
        ("A-1", True, PRICED, [PRICED], None),
        # The same order number through another click (a reload after a new activation).
        ("A-1", True, NUMBERED, [], Completed(2)),
        ("A-1", True, PRICED, [], None),
        # Two numbered orders on one click: both are kept, and a sighting without a number
        # cannot tell which it is.
        ("B-2", True, None, [PRICED], NewOrder("B-2")),
        (None, True, None, [NUMBERED, OTHER], None),
        # A click's unnumbered order takes the first number seen; a second number is a second
        # order.
        ("B-2", True, None, [NUMBERED, UNNUMBERED], Completed(1, "B-2")),
    ],
)
def test_place(
    order_id: str | None,
    priced: bool,
    numbered: KnownOrder | None,
    of_click: list[KnownOrder],
    expected: NewOrder | Completed | None,
) -> None:
    assert place(order_id, priced, "c_1", numbered, of_click) == expected
