"""Refuse requests made by web pages: only the extension (or a local script, with no Origin) may call.

Browsers attach ``Origin`` to every cross-origin fetch, XHR and form POST, so a page's origin
here means a page is trying. No CORS header is ever sent either, so a page cannot read an answer
even where a request slips through (a GET from an ``<img>`` carries no Origin).

One web origin is let through, and only outside ``/api/``: the companion's own
(``http://127.0.0.1:PORT``, as the Host says), whose dashboard pages post their forms to
themselves. The API never accepts it, and the dashboard checks its session and CSRF token too.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from companion.http.errors import error_response

EXTENSION_SCHEMES = ("chrome-extension://", "moz-extension://")


def is_extension_origin(origin: str) -> bool:
    scheme, sep, extension_id = origin.partition("://")
    return bool(sep) and f"{scheme}://" in EXTENSION_SCHEMES and bool(extension_id)


def _dashboard_to_itself(request: web.Request, origin: str) -> bool:
    # The host guard runs first and has pinned Host to a loopback name with our port.
    return not request.path.startswith("/api/") and origin == f"http://{request.host}"


def setup_origin_guard(app: web.Application) -> None:
    @web.middleware
    async def origin_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if (
            origin is not None
            and not is_extension_origin(origin)
            and not _dashboard_to_itself(request, origin)
        ):
            return error_response(403, "bad_origin", "requests from web pages are refused")
        return await handler(request)

    app.middlewares.append(origin_guard)
