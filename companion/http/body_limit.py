"""Refuse bodies over 1 MiB before reading them.

A declared Content-Length over the cap is refused at once; a chunked body is cut off by
aiohttp's ``client_max_size`` (set to the same cap in ``server.py``) while it is read.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from companion.http.errors import error_response

MAX_BODY_BYTES = 1024 * 1024


def setup_body_limit(app: web.Application) -> None:
    @web.middleware
    async def body_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return error_response(413, "too_large", f"the body is over {MAX_BODY_BYTES} bytes")
        return await handler(request)

    app.middlewares.append(body_limit)
