"""Every error the API gives is JSON of one shape, with a stable code and the field at fault.

``{"error": {"code": "invalid", "message": "url: ...", "field": "url"}}``. Bad input is 400 or
422, never 500; an unexpected exception is logged and answered 500 without details.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


def error_response(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    return web.json_response({"error": body}, status=status)


def validation_error(exc: ValidationError, prefix: str = "") -> ApiError:
    """The first problem names the field; the message lists them all."""
    problems = []
    for err in exc.errors():
        where = ".".join(str(part) for part in (prefix, *err["loc"]) if part != "")
        problems.append(f"{where or 'body'}: {err['msg']}")
    first = exc.errors()[0]["loc"] if exc.errors() else ()
    field = ".".join(str(part) for part in (prefix, *first) if part != "") or None
    return ApiError(422, "invalid", "; ".join(problems), field)


# aiohttp's own refusals (404 route, 405 method, 413 body) become JSON of the same shape.
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.field)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        response = error_response(exc.status, code, exc.reason)
        if "Allow" in exc.headers:
            # RFC 9110: a 405 says which methods the resource does allow.
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except sqlite3.Error as exc:
        # The shopper's disk, not the request: say so, and that nothing was stored.
        log.error("storage failed in %s %s: %s", request.method, request.path, exc)
        text = str(exc).lower()
        if "full" in text:
            return error_response(
                507,
                "storage_full",
                "the disk holding the companion's data is full; nothing was stored",
            )
        if "readonly" in text:
            return error_response(
                503,
                "storage_read_only",
                "the companion's data directory is read-only; nothing was stored",
            )
        return error_response(
            503, "storage_failed", "the companion could not use its database; nothing was stored"
        )
    except Exception:
        log.exception("unexpected error in %s %s", request.method, request.path)
        return error_response(500, "internal", "internal error; see the companion's log")


def setup_errors(app: web.Application) -> None:
    app.middlewares.append(error_middleware)
