"""One purchase, however many times its confirmation page is read.

The extension reads a confirmation page soon after it loads and again a few seconds later,
because a page's order number and amount often come after the page itself (a tag manager's
``dataLayer``, a single-page store's script). So one order can reach the companion as several
sightings: first without its number, then with it; or with its number but no amount, then with
both; or, when two reads of one page race, in either order. Every sighting is kept as an event;
:func:`place` decides what it does to the orders, so that the log shows the purchase once, with
everything that was seen of it.

The rule, per store:

- A sighting with an order number is that order: the order with that number gets a missing
  amount filled in. With no order of that number yet, the click's order seen without a number
  (there is at most one) becomes it. Failing both, it is a new order.
- A sighting without a number belongs to the click's order, if the click has exactly one, and
  fills in its missing amount; with no order yet it is a new order, once per click. With several
  orders on the click it cannot tell which, and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KnownOrder:
    """An order already in the log, as :func:`place` needs it."""

    row: int
    order_id: str | None
    priced: bool  # it has an amount


@dataclass(frozen=True)
class NewOrder:
    """Insert an order under ``key``: its number, or ``click:<click id>`` without one."""

    key: str


@dataclass(frozen=True)
class Completed:
    """Fill in the order in ``row``: its number where ``order_id`` is given (the order was
    seen without one), its amount and currency where it has none."""

    row: int
    order_id: str | None = None


def place(
    order_id: str | None,
    priced: bool,
    click_id: str,
    numbered: KnownOrder | None,
    of_click: list[KnownOrder],
) -> NewOrder | Completed | None:
    """What a sighting of an order does; ``None``: nothing, it adds nothing to what is known.

    ``numbered`` is the store's order with the sighting's number, if it has one; ``of_click``
    the orders of the click the sighting came with.
    """
    if order_id is not None:
        if numbered is not None:
            return _fill(numbered, priced)
        unnumbered = next((known for known in of_click if known.order_id is None), None)
        if unnumbered is not None:
            return Completed(unnumbered.row, order_id)
        return NewOrder(order_id)
    if not of_click:
        return NewOrder(f"click:{click_id}")
    if len(of_click) == 1:
        return _fill(of_click[0], priced)
    return None


def _fill(known: KnownOrder, priced: bool) -> Completed | None:
    return Completed(known.row) if priced and not known.priced else None
