"""The evidence a support claim needs, from one purchase record: as JSON and as text to paste.

The programs' advice for a purchase that was never credited is to wait out the confirmation
window and then write to support; a shopper who can show the click time, the store, the order
number and the amount has a case. Times are given in the program's time zone, the one its
support reads its own records in.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from companion.clock import parse
from companion.ledger.rules import money_shown
from companion.text import shown

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Cashback claim: a purchase at {store}",
        "title_order": "Cashback claim: order {order_id} at {store}",
        "no_order": "not recorded (write its number, amount and time here)",
        "store": "Store",
        "program": "Cashback program",
        "click": "Cashback activated",
        "click_id": "Click id",
        "landing": "Landing page",
        "hops": "Redirect chain",
        "tracking": "Tracking",
        "tracked": "the store's tracking mark was seen after the redirect",
        "evidence": "cookies: {cookies}; URL parameters: {params}",
        "order": "Order",
        "order_line": "{order_id}, {amount}, placed {time}",
        "no_order_id": "(no order number shown)",
        "no_amount": "amount not shown",
        "order_page": "Order page",
        "expected": "Expected cashback",
        "due": "Confirmation due by",
        "none": "none",
    },
    "ru": {
        "title": "Претензия по кешбэку: покупка в {store}",
        "title_order": "Претензия по кешбэку: заказ {order_id} в {store}",
        "no_order": "не записан (укажите здесь номер, сумму и время заказа)",
        "store": "Магазин",
        "program": "Кешбэк-сервис",
        "click": "Кешбэк активирован",
        "click_id": "Идентификатор перехода",
        "landing": "Страница магазина после перехода",
        "hops": "Цепочка переадресаций",
        "tracking": "Отслеживание",
        "tracked": "после перехода метка отслеживания магазина была на месте",
        "evidence": "cookie: {cookies}; параметры адреса: {params}",
        "order": "Заказ",
        "order_line": "{order_id}, {amount}, оформлен {time}",
        "no_order_id": "(номер заказа не показан)",
        "no_amount": "сумма не показана",
        "order_page": "Страница заказа",
        "expected": "Ожидаемый кешбэк",
        "due": "Срок подтверждения",
        "none": "нет",
    },
}


def claim_evidence(record: dict[str, Any]) -> dict[str, Any]:
    """The claim's facts, from a record of ``orders.get_record``."""
    click = None
    if record["click_id"] is not None:
        click = {
            "id": record["click_id"],
            "time": record["created_at"],
            "followed_at": record["followed_at"],
            "landed_at": record["landed_at"],
            "landing_url": record["landing_url"],
            "hops": record["hops"],
            "tracking": record["tracking"],
            "tracking_evidence": record["tracking_evidence"],
        }
    order = None
    if record["ordered_at"] is not None:
        order = {
            "id": record["order_id"],
            "amount": record["order_amount"],
            "currency": record["order_currency"],
            "time": record["ordered_at"],
            "page_url": record["order_url"],
            "recognised_by": record["order_source"],
        }
    return {
        "purchase": record["id"],
        "store": {"id": record["partner"], "name": record["partner_name"]},
        "program": {"id": record["program"], "name": record["program_name"]},
        "timezone": record["timezone"],
        "click": click,
        "checks_verdict": record["checks_verdict"],
        "checks": record["checks"],
        "order": order,
        "cashback": {
            "expected": record["expected_cashback"],
            "currency": record["cashback_currency"],
            "confirmation_due": record["confirmation_due"],
            "state": record["ledger_state"],
        },
    }


def claim_text(evidence: dict[str, Any], lang: str = "en") -> str:
    """The claim as a shopper pastes it into a message to the program's support: the facts of
    the visit and the order, and nothing else.

    Left out on purpose: the tracking checks (they are written to the shopper, and a "you had an
    ad blocker on" hands support a reason to decline; the JSON evidence keeps them), the hop
    through the companion itself (a loopback address means nothing to support), a tracking line
    when no tracking mark was seen, and an expected cashback of nothing.
    """
    words = LABELS.get(lang, LABELS["en"])
    zone = evidence["timezone"]
    store = evidence["store"]["name"]
    order = evidence["order"]
    title = (
        words["title_order"].format(store=store, order_id=order["id"])
        if order is not None and order["id"]
        else words["title"].format(store=store)
    )
    lines = [title, ""]

    def line(label: str, value: object) -> None:
        lines.append(f"{words[label]}: {value}")

    line("store", store)
    line("program", evidence["program"]["name"])
    if order is None:
        line("order", words["no_order"])
    else:
        amount = (
            f"{order['amount']} {order['currency'] or ''}".strip()
            if order["amount"] is not None
            else words["no_amount"]
        )
        line(
            "order",
            words["order_line"].format(
                order_id=order["id"] or words["no_order_id"],
                amount=amount,
                time=_local(order["time"], zone),
            ),
        )
        if order["page_url"]:
            line("order_page", order["page_url"])
    click = evidence["click"]
    if click is not None:
        line("click", _local(click["time"], zone))
        line("click_id", click["id"])
        if click["landing_url"]:
            line("landing", click["landing_url"])
        hops = [hop for hop in click["hops"] if not _on_this_machine(hop)]
        if hops:
            lines.append(f"{words['hops']}:")
            lines.extend(f"  {number}. {hop}" for number, hop in enumerate(hops, 1))
        seen = click["tracking_evidence"]
        if click["tracking"] == "tracked":
            tracking = words["tracked"]
            if seen:
                cookies = ", ".join(seen["cookies"]) or words["none"]
                params = ", ".join(seen["params"]) or words["none"]
                tracking += f" ({words['evidence'].format(cookies=cookies, params=params)})"
            line("tracking", tracking)
    if order is not None:
        cashback = evidence["cashback"]
        expected = cashback["expected"]
        if expected is not None and Decimal(expected) > 0:
            line("expected", f"{money_shown(expected)} {cashback['currency']}")
        line("due", cashback["confirmation_due"])
    # One line each: a line break or a terminal's escape in what a page gave stays visible text.
    return "\n".join(shown(text) for text in lines) + "\n"


def _on_this_machine(url: str) -> bool:
    """A hop through the companion (``http://127.0.0.1:47615/go/...``)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    return host in ("127.0.0.1", "localhost", "::1")


def _local(moment: str, zone: str) -> str:
    """``2026-01-10T09:00:00.000Z`` → ``2026-01-10 12:00 (Europe/Moscow)``."""
    local: datetime = parse(moment).astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} ({zone})"
