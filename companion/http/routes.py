"""The route table: every endpoint with its models and whether it needs the token.

Handlers take the parsed body or query and return a pydantic model; :func:`install` wraps each
one to validate input, enforce auth and serialise output, and ``openapi.py`` reads the same
table, so the document cannot drift from what the server does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from companion.http.auth import AUTHENTICATED
from companion.http.errors import ApiError, validation_error
from companion.http.state import CompanionState
from companion.jsoninput import JsonInputError, read_json

STATE = web.AppKey("state", CompanionState)

Handler = Callable[[web.Request, CompanionState, Any], Awaitable[BaseModel | web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    auth: bool = True
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    # Other documented answers: status → description.
    errors: dict[int, str] = field(default_factory=dict)


async def _parse(request: web.Request, route: Route) -> Any:
    if route.body is not None:
        raw = await request.read()
        try:
            document = read_json(raw, decimals=False)
        except JsonInputError as exc:
            raise ApiError(400, "bad_json", f"the body cannot be read: {exc}") from exc
        try:
            return route.body.model_validate(document)
        except ValidationError as exc:
            raise validation_error(exc) from exc
    if route.query is not None:
        repeated = sorted({key for key in request.query if len(request.query.getall(key)) > 1})
        if repeated:
            # Which of two values was meant is not ours to guess.
            raise ApiError(422, "invalid", f"{repeated[0]}: given more than once", repeated[0])
        try:
            return route.query.model_validate(dict(request.query))
        except ValidationError as exc:
            raise validation_error(exc) from exc
    return None


def _wrap(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        if route.auth and not request.get(AUTHENTICATED):
            raise ApiError(
                401, "unauthorized", "a valid 'Authorization: Bearer <token>' is required"
            )
        parsed = await _parse(request, route)
        result = await route.handler(request, request.app[STATE], parsed)
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response(text=result.model_dump_json())

    return handle


def install(app: web.Application, routes: list[Route]) -> None:
    for route in routes:
        app.router.add_route(route.method, route.path, _wrap(route))
