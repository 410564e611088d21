"""``GET /go/{click_id}``: the logged affiliate redirect the shopper's tab is sent through.

It is a page navigation, not an API call, so it needs no token; the click id (128 random bits)
is the capability. The target is read from the click's own record, never from the request.
"""

from __future__ import annotations

from aiohttp import web

from companion.http.routes import STATE
from companion.tracking.clicks import follow_click

_NOT_FOUND_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Unknown click</title></head>
<body><h1>Unknown click</h1>
<p>Cashback Guard has no record of this activation. Open the store again and press Activate.</p>
</body></html>
"""


async def go(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    target = await state.db(follow_click, request.match_info["click_id"])
    if target is None:
        return web.Response(status=404, text=_NOT_FOUND_PAGE, content_type="text/html")
    # Referrer-Policy no-referrer (headers.py) keeps the click id out of the network's logs of
    # where the shopper came from; the id in the URL template is the program's business.
    # Location is set verbatim: aiohttp's HTTPFound would re-normalise the URL and decode the
    # percent-encoded target the program's template expects.
    return web.Response(status=302, headers={"Location": target})


def setup_go(app: web.Application) -> None:
    app.router.add_get("/go/{click_id}", go)
