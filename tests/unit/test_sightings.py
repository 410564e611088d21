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
        # Two numbers for one purchase (the page's text, then its tag manager's data): one
        # order, with the first number and the amount the second sighting brings.
        ("T-9", True, None, [NUMBERED], Completed(2)),
        ("T-9", False, None, [NUMBERED], None),
        ("T-9", True, None, [PRICED], None),
        # A log from before the rule, with several orders on one click: a sighting that is none
        # of them by number cannot tell which it belongs to.
        ("C-3", True, None, [NUMBERED, OTHER], None),
        (None, True, None, [NUMBERED, OTHER], None),
        ("B-2", True, OTHER, [NUMBERED, OTHER], None),
        ("A-1", True, NUMBERED, [NUMBERED, OTHER], Completed(2)),
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
