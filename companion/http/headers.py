"""Security headers on every response, set in one place."""

from __future__ import annotations

from aiohttp import web

# API answers and error pages are data, never documents to render or frame.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# The dashboard's pages (companion/dashboard/) load only the companion's own files, and no
# inline script or style runs in them, so a store's title or URL shown there cannot become code.
DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Under no-referrer a browser sends "Origin: null" with a form, so the dashboard could not tell
# its own forms from anyone's. same-origin sends our origin to ourselves and nothing elsewhere.
DASHBOARD_REFERRER_POLICY = "same-origin"


async def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers["X-Frame-Options"] = "DENY"
    headers.setdefault("Content-Security-Policy", API_CSP)
    headers.setdefault("Cache-Control", "no-store")
    headers["Server"] = "cashback-companion"
    # Belt and braces: nothing may ever grant a web origin access.
    headers.popall("Access-Control-Allow-Origin", None)


def setup_headers(app: web.Application) -> None:
    app.on_response_prepare.append(_add_headers)
