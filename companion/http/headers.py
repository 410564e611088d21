"""Security headers on every response, set in one place."""

from __future__ import annotations

from aiohttp import web

# API answers and error pages are data, never documents to render or frame.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


async def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers.setdefault("Content-Security-Policy", API_CSP)
    headers.setdefault("Cache-Control", "no-store")
    headers["Server"] = "cashback-companion"
    # Belt and braces: nothing may ever grant a web origin access.
    headers.popall("Access-Control-Allow-Origin", None)


def setup_headers(app: web.Application) -> None:
    app.on_response_prepare.append(_add_headers)
