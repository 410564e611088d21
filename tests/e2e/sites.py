"""The fake web the end-to-end tests shop on: a partner store, an affiliate network, and a
site that is no partner, all served by one aiohttp app on one port and told apart by Host.

Chromium maps every ``*.test`` name to 127.0.0.1 (``--host-resolver-rules``), so
``http://shop.test:PORT/`` reaches this app with ``Host: shop.test:PORT``.

- ``net.test/click`` is the program's affiliate network: it 302s to the store with its
  ``aff_id`` parameter, as real networks do. For a store page whose address carries
  ``slow_network``, it answers only after ``SLOW_NETWORK_S``: the shopper moves on meanwhile.
- ``shop.test`` sets its tracking cookie ``aff_click`` whenever a URL carries ``aff_id``, and
  sells one item through cart, checkout and an order-confirmation page that reports the order
  the three ways real stores do (GA4 dataLayer, JSON-LD, wording). With ``?late=1`` the page
  says only "Thank you for your order!" at first, and its script adds the order's number and
  pushes the purchase to the dataLayer a moment later, as a tag manager does.
  ``/item/reviewed`` is a product page whose review answers thank the buyer for the order;
  ``/thank-you`` is a store's one fixed confirmation address that never shows an order number.
- ``other.test`` is a site that is no partner of anything.
- ``rival.test/click`` is another affiliate network, the one a rival coupon extension sends the
  shopper through (``extensions/rival``): it 302s to the store with its own ``aff_id``.
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

ORDER_ID = "A-1001"
ORDER_AMOUNT = "2450.50"
ORDER_CURRENCY = "RUB"

# The test extensions' ids, fixed by the "key" in their manifests (tests/e2e/extensions/).
AD_BLOCKER_ID = "npgbnddpfhjalollnlabbpkmdnaoeghn"
RIVAL_ID = "jpidfhomhbgfmdknhllpnmnmndmcpcnd"
RIVAL_AFFILIATE = "RIVAL-1"

# The order page's conversion pixel, with ?slow=1 (any store page's too), answers this late: the
# page has not finished loading until then, which is what the page-load check is about.
SLOW_PIXEL_S = 5
# With ?late=1, the order's number and the dataLayer's purchase come this long after the page.
LATE_DETAILS_MS = 1200
# A slow network answers this late: long enough for a shopper to go elsewhere first.
SLOW_NETWORK_S = 15
PIXEL_GIF = base64.b64decode("R0lGODlhAQABAAAAACH5BAEAAAAALAAAAAABAAEAAAIBAAA7")


def demo_catalog(port: int) -> dict[str, Any]:
    """The catalog the tests import: the MTS rules, one partner store on ``shop.test``."""
    return {
        "name": "End-to-end demo",
        "programs": [
            {
                "id": "demo",
                "name": "Demo Cashback",
                "currency": "RUB",
                "rounding": "half_up_integer",
                "monthly_cap": "10000",
                "confirmation_days": 90,
                "payout_day": 1,
            },
            {"id": "rival", "name": "Rival Rewards", "currency": "RUB", "confirmation_days": 45},
        ],
        "partners": [
            {
                "id": "shop",
                "name": "Demo Shop",
                "category": "online_stores",
                "domains": ["shop.test"],
                "offers": [
                    {
                        "program": "demo",
                        "rate_percent": "5",
                        "go_url": f"http://net.test:{port}/click?sub={{click_id}}&to={{target_url}}",
                    },
                    {
                        "program": "rival",
                        "rate_percent": "3",
                        "go_url": f"http://net.test:{port}/click?sub=rival&to={{target_url}}",
                    },
                ],
                "tracking": {"cookies": ["aff_click"], "params": ["aff_id"]},
                "order_pages": ["/order/complete"],
            }
        ],
        "extensions": {
            "ad_blockers": [{"name": "Test Ad Blocker", "id": AD_BLOCKER_ID}],
            "rivals": [{"name": "Rival Coupons", "id": RIVAL_ID}],
        },
    }


def _page(title: str, body: str, head: str = "") -> web.Response:
    document = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>{head}
<style>body {{ font-family: sans-serif; }} button {{ all: unset; }}</style></head>
<body>{body}</body></html>"""
    return web.Response(text=document, content_type="text/html")


def _host(request: web.Request) -> str:
    return (request.host or "").split(":")[0]


async def _slowly(request: web.Request) -> None:
    """Wait ``SLOW_NETWORK_S``, or until the browser gives up on the request: the shopper went
    elsewhere, and a handler left waiting would hold up the sites' shutdown."""
    for _ in range(SLOW_NETWORK_S * 10):
        if request.transport is None or request.transport.is_closing():
            return
        await asyncio.sleep(0.1)


async def network_click(request: web.Request) -> web.StreamResponse:
    """The affiliate network: note the click, send the shopper on to the store with our id."""
    target = request.query.get("to", "")
    parts = urlsplit(target)
    if parts.hostname != "shop.test":
        return web.Response(status=400, text="unknown merchant")
    if "slow_network" in dict(parse_qsl(parts.query, keep_blank_values=True)):
        await _slowly(request)
    separator = "&" if parts.query else "?"
    landing = f"{target}{separator}{urlencode({'aff_id': 'NET-' + request.query.get('sub', '')})}"
    if parts.path == "/item/gift":
        # The offer does not pay on gift cards: the shopper is sent on without our id.
        landing = target
    response = web.Response(status=302, headers={"Location": landing})
    response.set_cookie("net_seen", "1")
    return response


STORE_PAGES: dict[str, tuple[str, str]] = {
    "/": ("Demo Shop", '<h1>Demo Shop</h1><a href="/item/1">Kettle</a>'),
    "/item/1": (
        "Kettle - Demo Shop",
        "<h1>Kettle</h1><p>Order now and get it tomorrow. Price 2450.50 RUB.</p>"
        '<a href="/cart">Add to cart</a>',
    ),
    "/item/2": (
        "Teapot - Demo Shop",
        '<h1>Teapot</h1><p>Price 990 RUB.</p><a href="/cart">Add to cart</a>',
    ),
    # As many stores do: the affiliate's parameters are read, then cut from the address bar
    # while the page loads (history.replaceState, before the load event).
    "/item/tidy": (
        "Mug - Demo Shop",
        "<h1>Mug</h1><p>Price 450 RUB.</p>"
        "<script>history.replaceState(null, '', location.pathname);</script>",
    ),
    "/item/gift": (
        "Gift card - Demo Shop",
        '<h1>Gift card</h1><p>Price 3000 RUB.</p><a href="/cart">Add to cart</a>',
    ),
    # A store that would rather the shopper saw neither the prompt nor the warning.
    "/item/hidden": (
        "Vase - Demo Shop",
        "<h1>Vase</h1><p>Price 700 RUB.</p>"
        "<style>cashback-guard-prompt, cashback-guard-warning { display: none !important;"
        " visibility: hidden !important; opacity: 0 !important; top: -9999px !important;"
        " transform: scale(0) !important; }</style>",
    ),
    # A seller thanks a reviewer for the order, as real stores' review answers do: wording that
    # reads like a confirmation on a page that is none.
    "/item/reviewed": (
        "Kettle reviews - Demo Shop",
        "<h1>Kettle</h1><p>Price 2450.50 RUB.</p><h2>Reviews</h2>"
        "<p>Anna: boils fast.</p><p>Seller: Anna, thank you for your order!</p>"
        "<p>Ольга: удобный.</p><p>Продавец: Ольга, спасибо за заказ!</p>",
    ),
    # One fixed "thank you" address that gives no order number, in the page or its dataLayer.
    "/thank-you": (
        "Thank you - Demo Shop",
        "<h1>Thank you for your order!</h1><p>We will call you to confirm it.</p>",
    ),
    "/cart": (
        "Cart - Demo Shop",
        '<h1>Your cart</h1><p>Kettle, 1 pc</p><a href="/checkout">Checkout</a>',
    ),
    "/checkout": (
        "Checkout - Demo Shop",
        '<h1>Checkout</h1><form action="/order/complete"><button>Pay 2450.50 RUB</button></form>',
    ),
}


def _order_page(order_id: str, *, slow: bool, late: bool) -> web.Response:
    datalayer = json.dumps(
        {
            "event": "purchase",
            "ecommerce": {
                "transaction_id": order_id,
                "value": ORDER_AMOUNT,
                "currency": ORDER_CURRENCY,
            },
        }
    )
    jsonld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "Order",
            "orderNumber": order_id,
            "price": ORDER_AMOUNT,
            "priceCurrency": ORDER_CURRENCY,
        }
    )
    placed = f"<p>Order #{order_id} has been placed.</p>"
    body = "<h1>Thank you for your order!</h1>"
    if late:
        # order_id is letters, digits and hyphens (checked in store()): safe in a JS string.
        head = ""
        body += (
            "<script>setTimeout(() => {"
            f" document.body.insertAdjacentHTML('beforeend', '{placed}');"
            f" (window.dataLayer = window.dataLayer || []).push({datalayer});"
            f" }}, {LATE_DETAILS_MS});</script>"
        )
    else:
        head = (
            f"<script>window.dataLayer = window.dataLayer || [];"
            f" window.dataLayer.push({datalayer});</script>"
            f'<script type="application/ld+json">{jsonld}</script>'
        )
        body += placed
    if slow:
        body += '<img src="/pixel.gif" alt="" width="1" height="1">'
    return _page("Order placed - Demo Shop", body, head)


async def rival_click(request: web.Request) -> web.StreamResponse:
    """Another network: back to the store, with the rival's affiliate id in place of any other."""
    parts = urlsplit(request.query.get("to", ""))
    if parts.hostname != "shop.test":
        return web.Response(status=400, text="unknown merchant")
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "aff_id"]
    landing = parts._replace(query=urlencode([*query, ("aff_id", RIVAL_AFFILIATE)]))
    return web.Response(status=302, headers={"Location": urlunsplit(landing)})


async def store(request: web.Request) -> web.StreamResponse:
    if request.path == "/pixel.gif":
        await asyncio.sleep(SLOW_PIXEL_S)
        return web.Response(body=PIXEL_GIF, content_type="image/gif")
    if request.path == "/order/complete":
        # ?order=A-1002 for a second purchase, or the order the checkout kept in a cookie (one
        # fixed "thank you" address, as many stores have); only letters, digits and hyphens
        # are echoed.
        kept = request.cookies
        order_id = request.query.get("order", kept.get("next_order", ORDER_ID))
        if not re.fullmatch(r"[A-Za-z0-9-]{1,20}", order_id):
            raise web.HTTPBadRequest(text="order: letters, digits and hyphens")
        late = "late" in request.query or kept.get("next_late") == "1"
        response = _order_page(order_id, slow="slow" in request.query, late=late)
        response.del_cookie("next_order")
        response.del_cookie("next_late")
    elif request.path in STORE_PAGES:
        title, body = STORE_PAGES[request.path]
        if "slow" in request.query:  # a page that takes SLOW_PIXEL_S to finish loading
            body += '<img src="/pixel.gif" alt="" width="1" height="1">'
        response = _page(title, body)
    else:
        return web.Response(status=404, text="no such page")
    if "PHPSESSID" not in request.cookies:
        # A session and a CSRF cookie for every visitor from the first page, as real stores
        # set: there before the prompt asks, and no earlier cart or sign-in.
        response.set_cookie("PHPSESSID", secrets.token_hex(16))
        response.set_cookie("XSRF-TOKEN", secrets.token_hex(16))
    if "aff_id" in request.query:
        # The store's tracking cookie: what the program's "last click" is.
        response.set_cookie("aff_click", request.query["aff_id"], max_age=30 * 86400)
    if request.path == "/checkout" and "order" in request.query:
        # The order the next /order/complete shows, from this checkout's ?order= and ?late=1.
        response.set_cookie("next_order", request.query["order"])
        response.set_cookie("next_late", "1" if "late" in request.query else "0")
    if request.path == "/cart":
        # The cart lives in a cookie, as on many stores: visible to the earlier-visit check.
        response.set_cookie("cart", "kettle", max_age=7 * 86400)
    return response


def sign_in(request: web.Request) -> web.StreamResponse:
    """An ID provider the shopper is already signed in with: straight back to the store."""
    back = urlsplit(request.query.get("to", ""))
    if back.hostname != "shop.test":
        # Back to the store only: a test site is no open redirect either.
        raise web.HTTPBadRequest(text="to: a shop.test URL")
    raise web.HTTPFound(urlunsplit(back._replace(query="code=signed-in")))


async def dispatch(request: web.Request) -> web.StreamResponse:
    host = _host(request)
    if host == "net.test" and request.path == "/click":
        return await network_click(request)
    if host == "rival.test" and request.path == "/click":
        return await rival_click(request)
    if host == "sso.test" and request.path == "/authorize":
        return sign_in(request)
    # store123.test: the partners of a large catalog, each the same demo store.
    if host == "shop.test" or re.fullmatch(r"store\d+\.test", host):
        return await store(request)
    if host == "other.test":
        return _page("Other site", "<h1>Just a blog</h1><p>Nothing to buy; order of the day.</p>")
    return web.Response(status=404, text=f"no such test site: {html.escape(host)}")


def create_sites() -> web.Application:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app
