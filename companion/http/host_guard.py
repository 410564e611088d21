"""Refuse any Host that is not a loopback literal or ``localhost``: the DNS-rebinding defence.

A page on ``evil.example`` can make its own name resolve to 127.0.0.1 and then talk to the
companion "same-origin"; the one thing it cannot change is the Host header its browser sends
(Transmission's 2018 fix, Jupyter's and Syncthing's host checks). So the Host is checked before
anything else runs.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from companion.http.errors import error_response

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})


def is_allowed_host(host: str | None, port: int) -> bool:
    if not host:
        return False
    if host.startswith("["):
        name, _, port_text = host.partition("]")
        name += "]"
        port_text = port_text.removeprefix(":")
    else:
        name, _, port_text = host.partition(":")
    if name.lower() not in LOOPBACK_NAMES:
        return False
    return port_text in ("", str(port))


def setup_host_guard(app: web.Application, port: int) -> None:
    @web.middleware
    async def host_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_allowed_host(request.headers.get("Host"), port):
            return error_response(
                421, "bad_host", "the companion answers only to 127.0.0.1, localhost or [::1]"
            )
        return await handler(request)

    app.middlewares.append(host_guard)
