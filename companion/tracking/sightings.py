"""One purchase, however many times its confirmation page is read.

The extension reads a confirmation page soon after it loads and again a few seconds later,
because a page's order number and amount often come after the page itself (a tag manager's
``dataLayer``, a single-page store's script). So one order can reach the companion as several
sightings: first without its number, then with it; or with its number but no amount, then with
both; or, when two reads of one page race, in either order. Every sighting is kept as an event;
:func:`place` decides what it does to the orders, so that the log shows the purchase once, with
everything that was seen of it.

A click is one purchase: the extension ends a session with its order, and the next purchase
needs a click of its own. So, per store:

- A sighting with an order number that the store's log has is that order, through whichever
  click: it gets a missing amount filled in.
- Otherwise a sighting, numbered or not, belongs to its click's order, if the click has one: it
  fills in the number and the amount that order lacks. A page can show two numbers for one
  purchase (the one in its text, another in its tag manager's data); the first one recorded
  stays, and the other is kept in the sighting's event. With no order on the click yet, it is a
  new order, under its number or, without one, once per click.
- A log from before this rule may hold several orders on one click: a sighting that is none of
  them by number then cannot tell which it belongs to, and changes nothing.
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
    if numbered is not None:
        return _fill(numbered, order_id, priced)
    if not of_click:
        return NewOrder(order_id if order_id is not None else f"click:{click_id}")
    if len(of_click) == 1:
        return _fill(of_click[0], order_id, priced)
    return None


def _fill(known: KnownOrder, order_id: str | None, priced: bool) -> Completed | None:
    """What a sighting adds to an order it belongs to; ``None`` when it adds nothing."""
    number = order_id if known.order_id is None else None
    if number is None and not (priced and not known.priced):
        return None
    return Completed(known.row, number)
