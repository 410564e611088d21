"""Firefox ESR with our extension, driven over WebDriver BiDi (see /work/shared/FIREFOX.md).

Firefox serves BiDi itself, so no driver binary is involved: ``Firefox`` starts the browser
on a fresh profile, opens a session on its websocket, and installs ``extension/`` as a
temporary add-on, as a developer does from about:debugging. ``BiDi`` is the whole transport:
it sends a command, matches the answer by id, and raises ``BiDiError`` for an error answer.

Test code is synchronous (like Playwright's sync API, which drives Chromium); the websocket
lives on an event loop in a thread of its own, as ``harness.Sites`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp

FIREFOX = "/usr/bin/firefox-esr"
EXTENSION_ID = "cashback-guard@cashback-guard.local"  # manifest's browser_specific_settings
# Firefox gives each install a random moz-extension:// host; a fixed one lets tests open the
# extension's pages by address.
EXTENSION_UUID = "5f2d6c1e-8a43-4b7e-9c0d-2e6f1a3b4c5d"
EXTENSION_ORIGIN = f"moz-extension://{EXTENSION_UUID}"

LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")
COMMAND_TIMEOUT_S = 30.0


def user_prefs() -> dict[str, str | bool | int]:
    """The profile's preferences: a quiet, offline browser whose ``*.test`` names reach loopback."""
    return {
        # Every name resolves to loopback, as Chromium's --host-resolver-rules does for *.test:
        # the fake web (tests/e2e/sites.py) tells the sites apart by Host.
        "network.dns.forceResolve": "127.0.0.1",
        # The fake sites speak plain HTTP, as the Chromium tests' do; no HTTPS-first detour.
        "dom.security.https_first": False,
        "dom.security.https_first_schemeless": False,
        "extensions.webextensions.uuids": json.dumps({EXTENSION_ID: EXTENSION_UUID}),
        # The extension's console (its errors above all) goes to the browser's log file.
        "devtools.console.stdout.chrome": True,
        # A quiet first run on a machine with no network.
        "browser.shell.checkDefaultBrowser": False,
        "datareporting.policy.dataSubmissionEnabled": False,
        "toolkit.telemetry.reportingpolicy.firstRun": False,
        "app.update.disabledForTesting": True,
        "browser.startup.homepage_override.mstone": "ignore",
        "browser.aboutwelcome.enabled": False,
        "extensions.getAddons.cache.enabled": False,
        "extensions.update.enabled": False,
    }


def user_js(prefs: dict[str, str | bool | int]) -> str:
    return "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())


class BiDiError(AssertionError):
    """Firefox answered a command with an error."""


class BiDi:
    """One BiDi session's websocket: commands in, answers matched to them by id."""

    def __init__(self, url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._next_id = 0
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._http, self._ws = self._run(self._connect(url), COMMAND_TIMEOUT_S)
        self._reader = asyncio.run_coroutine_threadsafe(self._read(), self._loop)

    def _run(self, coroutine: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    @staticmethod
    async def _connect(
        url: str,
    ) -> tuple[aiohttp.ClientSession, aiohttp.ClientWebSocketResponse]:
        http = aiohttp.ClientSession()
        # Screenshots come back as one large message.
        return http, await http.ws_connect(f"{url}/session", max_msg_size=0)

    async def _read(self) -> None:
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            payload = json.loads(message.data)
            # Answers carry the command's id; events (none subscribed) do not.
            waiting = self._waiting.pop(payload.get("id", -1), None)
            if waiting is not None and not waiting.done():
                waiting.set_result(payload)
        for waiting in self._waiting.values():
            if not waiting.done():
                waiting.set_exception(BiDiError("Firefox closed the BiDi connection"))

    async def _send(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        answer = self._loop.create_future()
        self._waiting[self._next_id] = answer
        await self._ws.send_json({"id": self._next_id, "method": method, "params": params})
        return await answer

    def command(
        self, method: str, params: dict[str, Any], timeout: float = COMMAND_TIMEOUT_S
    ) -> dict[str, Any]:
        """Send one command and return its ``result``; an error answer raises ``BiDiError``."""
        payload = self._run(self._send(method, params), timeout)
        if payload.get("type") != "success":
            raise BiDiError(f"{method} failed: {payload.get('error')}: {payload.get('message')}")
        result: dict[str, Any] = payload["result"]
        return result

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._run(self._ws.close(), 5)
        with contextlib.suppress(Exception):
            self._run(self._http.close(), 5)
        with contextlib.suppress(Exception):
            self._reader.result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


class Firefox:
    """A headless Firefox ESR process with our extension installed, and its BiDi session."""

    def __init__(self, profile: Path, extension: Path) -> None:
        self.profile = profile
        self.extension = extension
        self.process: subprocess.Popen[bytes] | None = None
        self.bidi: BiDi | None = None

    def start(self, timeout: float = 30) -> None:
        self.profile.mkdir(parents=True, exist_ok=True)
        (self.profile / "user.js").write_text(user_js(user_prefs()), encoding="utf-8")
        log_path = self.profile.parent / f"{self.profile.name}.log"
        with log_path.open("wb") as log:
            # Port 0: Firefox picks a free one and names it in the "listening" line.
            self.process = subprocess.Popen(
                [
                    FIREFOX,
                    "--headless",
                    "--no-remote",
                    "--profile",
                    str(self.profile),
                    "--remote-debugging-port=0",
                    # BiDi opens moz-extension:// pages (options, popup) only with this.
                    "--remote-allow-system-access",
                    "about:blank",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = self._wait_for_listening(log_path, timeout)
        self.bidi = BiDi(url)
        self.bidi.command("session.new", {"capabilities": {"alwaysMatch": {}}})
        installed = self.bidi.command(
            "webExtension.install",
            {"extensionData": {"type": "path", "path": str(self.extension)}},
        )
        assert installed["extension"] == EXTENSION_ID, installed

    def _wait_for_listening(self, log_path: Path, timeout: float) -> str:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = LISTENING.search(log_path.read_text(errors="replace"))
            if found:
                return found.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise AssertionError(
            f"Firefox did not start serving BiDi within {timeout}s; see {log_path}"
        )

    def command(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        assert self.bidi is not None, "Firefox is not started"
        return self.bidi.command(method, params)

    def stop(self) -> None:
        if self.bidi is not None:
            with contextlib.suppress(Exception):
                # Ends the session and closes the browser the way a person quits it.
                self.bidi.command("browser.close", {}, timeout=10)
            self.bidi.close()
            self.bidi = None
        if self.process is not None:
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
            self.process = None
