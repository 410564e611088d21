"""The baseline of the matching benchmark: one aiohttp handler and nothing else.

Started as the companion's ``serve`` starts its app (an ``AppRunner`` without access log, a
``TCPSite`` on 127.0.0.1), and answering ``GET /match?url=…`` with a JSON body of the same shape,
so the difference in latency is what the companion adds: its middlewares, validation, matching.
"""

from __future__ import annotations

import asyncio
import sys

from aiohttp import web


async def match(request: web.Request) -> web.Response:
    return web.json_response({"url": request.query.get("url", ""), "partner": None, "offers": []})


async def serve(port: int) -> None:
    app = web.Application()
    app.router.add_get("/match", match)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, reuse_address=True).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
