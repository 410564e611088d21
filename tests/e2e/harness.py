"""Real parts for end-to-end tests: a companion process, the fake web, Chromium with our extension.

Nothing here stands in for our own code: the companion is started as a shopper starts it
(``python -m companion serve``) on a free port with its own data directory, and the browser
loads ``extension/`` unpacked, exactly as a developer does.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.e2e.sites import create_sites

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extension"
ARTIFACTS = ROOT / "artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"


def wait_until(
    check: Callable[[], Any],
    timeout: float,
    what: str,
    interval: float = 0.2,
    sleep: Callable[[float], Any] = time.sleep,
) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after ``timeout``.

    ``sleep`` waits between polls: a browser driver may need its own (Playwright's sync API
    delivers events only while it is called).
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last saw {last!r}")


class Companion:
    """``cashback-companion`` as a real process, with its own home and port."""

    def __init__(self, home: Path, port: int) -> None:
        self.home = home
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.env = {
            **os.environ,
            "CASHBACK_COMPANION_HOME": str(home),
            # Never the developer's keyring: the token goes to a 0600 file in the test home.
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        }

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "companion", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if done.returncode != 0:
            raise AssertionError(f"cashback-companion {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def cli_json(self, *args: str) -> Any:
        return json.loads(self.cli(*args, "--json"))

    def start(self) -> None:
        log = (self.home / "companion.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "companion", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_until(self.healthy, 15, "the companion to answer /api/v1/health")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=1) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None

    def log_records(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = self.cli_json("log")
        return records


class Sites:
    """The fake web (``tests/e2e/sites.py``) on its own event loop in a thread."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)

    async def _start(self) -> None:
        self._runner = web.AppRunner(create_sites(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def chromium_args(extensions: list[Path]) -> list[str]:
    paths = ",".join(str(path) for path in extensions)
    return [
        f"--disable-extensions-except={paths}",
        f"--load-extension={paths}",
        "--host-resolver-rules=MAP *.test 127.0.0.1",
        # This machine has no network: keep Chromium from trying Google's services.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--no-sandbox",
        "--disable-gpu",
    ]
