"""Bearer-token authentication. The middleware only marks the request; routes enforce it.

Marking instead of refusing (Home Assistant's split) keeps the rule "every API route needs the
token unless it says otherwise" in the route table, where a reader sees it next to the route.
"""

from __future__ import annotations

import hmac

from aiohttp import web
from aiohttp.typedefs import Handler

AUTHENTICATED = web.RequestKey("authenticated", bool)


def setup_auth(app: web.Application, token: str) -> None:
    expected = f"Bearer {token}".encode()

    @web.middleware
    async def auth(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.headers.get("Authorization", "").encode("utf-8", "replace")
        # compare_digest: the time taken does not tell how much of a guess was right.
        request[AUTHENTICATED] = hmac.compare_digest(given, expected)
        return await handler(request)

    app.middlewares.append(auth)
