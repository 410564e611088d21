"""The aiohttp application: middlewares in their order, the API, the redirect, the dashboard.

Middlewares run outermost first:
1. errors      every refusal and failure becomes the one JSON error shape;
2. host guard  DNS rebinding is refused before anything else looks at the request;
3. origin guard web pages are refused (outside /api/, the companion's own origin may post to
               its dashboard);
4. body limit  no handler ever reads more than 1 MiB;
5. auth        marks the request authenticated; each route decides whether it must be.
Security headers are added to every response by a ``on_response_prepare`` signal.
The dashboard (``/``, ``companion/dashboard/``) passes the same middlewares; its pages need a
session cookie instead of the API token, and its forms the session's CSRF token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from companion.config import LOOPBACK, PORT_FILENAME
from companion.dashboard.views import setup_dashboard
from companion.diagnostics.doctor import is_ours, written_port
from companion.http.api import ROUTES
from companion.http.auth import setup_auth
from companion.http.body_limit import MAX_BODY_BYTES, setup_body_limit
from companion.http.errors import setup_errors
from companion.http.go import setup_go
from companion.http.headers import setup_headers
from companion.http.host_guard import setup_host_guard
from companion.http.origin_guard import setup_origin_guard
from companion.http.routes import STATE, install
from companion.http.state import CompanionState
from companion.http.unparsed import quiet_unparsed
from companion.security.token import load_or_create

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 80 * 1024


def create_app(state: CompanionState) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[STATE] = state
    setup_errors(app)
    setup_host_guard(app, state.port)
    setup_origin_guard(app)
    setup_body_limit(app)
    setup_auth(app, state.token.value)
    setup_headers(app)
    install(app, ROUTES)
    setup_go(app)
    setup_dashboard(app)
    app.cleanup_ctx.append(_background)
    return app


async def _background(app: web.Application) -> AsyncIterator[None]:
    watcher = asyncio.create_task(app[STATE].watch_catalog())
    yield
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher


async def serve(home: Path, port: int) -> None:
    """Run until SIGINT or SIGTERM. Listens on 127.0.0.1 only: never on a public interface."""
    running = await asyncio.to_thread(_serving_port, home)
    if running is not None:
        # Two companions on one data directory: each would keep its own catalog index and
        # caches, and the second's port file would send `open` to it and lose it at its exit.
        raise SystemExit(
            f"a companion for {home} is already running on {LOOPBACK}:{running}; "
            "stop it first, or give this one another data directory (CASHBACK_COMPANION_HOME)"
        )
    state = CompanionState.open(home, port)
    quiet_unparsed()
    # A request line must hold a documented 8192-character URL even percent-encoded
    # (up to 9 bytes a character), or aiohttp refuses it before the API can answer.
    runner = web.AppRunner(create_app(state), access_log=None, max_line_size=MAX_LINE_BYTES)
    await runner.setup()
    site = web.TCPSite(runner, LOOPBACK, port, reuse_address=True)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        state.close()
        raise SystemExit(
            f"cannot listen on {LOOPBACK}:{port}: {exc.strerror}. Is another companion running? "
            "(`cashback-companion serve --port N` picks another port.)"
        ) from exc
    port_file = home / PORT_FILENAME
    port_file.write_text(f"{port}\n", encoding="ascii")
    log.info(
        "Cashback Guard companion listening on http://%s:%d (data in %s)", LOOPBACK, port, home
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows has no add_signal_handler
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        # Only our own: a companion started since, on another port, wrote its own.
        if written_port(home) == port:
            port_file.unlink(missing_ok=True)
        await runner.cleanup()
        state.close()


def _serving_port(home: Path) -> int | None:
    """The port in the data directory's port file, if this data directory's companion answers
    there now; ``None`` for no file or a stale one (a companion killed before it could remove
    it, and perhaps another data directory's companion on that port since)."""
    port = written_port(home)
    if port is None or not 0 < port < 65536:
        return None
    # Only this data directory's companion proves it holds its token (another one's, or any
    # other program there, cannot). Read only here: after a clean stop there is no port file,
    # and the start does not ask the keyring twice.
    return port if is_ours(port, load_or_create(home).value) else None
