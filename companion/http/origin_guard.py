"""Refuse requests made by web pages: only the extension (or a local script, with no Origin) may call.

Browsers attach ``Origin`` to every cross-origin fetch, XHR and form POST, so a page's origin
here means a page is trying. No CORS header is ever sent either, so a page cannot read an answer
even where a request slips through (a GET from an ``<img>`` carries no Origin).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from companion.http.errors import error_response

EXTENSION_SCHEMES = ("chrome-extension://", "moz-extension://")


def is_extension_origin(origin: str) -> bool:
    scheme, sep, extension_id = origin.partition("://")
    return bool(sep) and f"{scheme}://" in EXTENSION_SCHEMES and bool(extension_id)


def setup_origin_guard(app: web.Application) -> None:
    @web.middleware
    async def origin_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is not None and not is_extension_origin(origin):
            return error_response(403, "bad_origin", "requests from web pages are refused")
        return await handler(request)

    app.middlewares.append(origin_guard)
