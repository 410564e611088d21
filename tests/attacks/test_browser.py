"""A hostile page in real Chromium tries every way a page has to reach the companion.

The page lives on ``evil.test`` (Chromium maps ``*.test`` to 127.0.0.1, as in the end-to-end
tests) and is handed what an attacker could hope to have leaked: the API token and a live
pairing code. It tries fetch (CORS and no-cors), XHR, sendBeacon, form POSTs (including the
text/plain JSON trick), images and script tags, against ``127.0.0.1``, ``localhost`` and a
rebinding name. Nothing may be readable by the page and nothing may be written. Our extension
is not loaded: these are a web page's powers alone.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from playwright.sync_api import Browser, sync_playwright

from tests.attacks.conftest import counts, token_of
from tests.conftest import free_port
from tests.e2e.harness import CHROMIUM, Companion, Sites, chromium_args, wait_until

pytestmark = pytest.mark.e2e

ATTACK_SCRIPT = """
const C = `http://127.0.0.1:${CONFIG.port}`;
const L = `http://localhost:${CONFIG.port}`;
const R = `http://rebind.test:${CONFIG.port}`;
const click = JSON.stringify({url: CONFIG.store});
const events = JSON.stringify({events: [{id: "attack-0001", type: "page",
  at: "2026-11-23T08:00:00Z", click_id: "c_guess", data: {url: CONFIG.store}}]});
const results = {};

async function attempt(name, run) {
  const late = new Promise((resolve) => setTimeout(() => resolve("no answer in 5 s"), 5000));
  try {
    results[name] = await Promise.race([run(), late]);
  } catch (error) {
    results[name] = `blocked: ${error.name}`;
  }
}
async function read(response) {
  if (response.type === "opaque") return "opaque";
  return `read ${response.status}: ${(await response.text()).slice(0, 200)}`;
}
function xhr(method, url, headers, body) {
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open(method, url);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.onload = () => resolve(`read ${request.status}: ${request.responseText.slice(0, 200)}`);
    request.onerror = () => resolve("blocked: error");
    request.send(body);
  });
}
function form(action, enctype, fields) {
  return new Promise((resolve) => {
    const frame = document.createElement("iframe");
    frame.name = `frame${Math.random()}`;
    document.body.append(frame);
    const sheet = document.createElement("form");
    Object.assign(sheet, {method: "POST", action, enctype, target: frame.name});
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement("input");
      Object.assign(input, {type: "hidden", name, value});
      sheet.append(input);
    }
    document.body.append(sheet);
    frame.onload = () => resolve("submitted");
    sheet.submit();
  });
}
function tag(kind, src) {
  return new Promise((resolve) => {
    const element = document.createElement(kind);
    element.onload = () => resolve("loaded");
    element.onerror = () => resolve("error");
    element.src = src;
    document.body.append(element);
  });
}
const auth = {"Authorization": `Bearer ${CONFIG.token}`, "Content-Type": "application/json"};
const reads = [
  ["fetch POST clicks, leaked token", () =>
    fetch(`${C}/api/v1/clicks`, {method: "POST", headers: auth, body: click}).then(read)],
  ["fetch GET clicks, leaked token", () =>
    fetch(`${C}/api/v1/clicks`, {headers: auth}).then(read)],
  ["fetch GET clicks, credentials", () =>
    fetch(`${C}/api/v1/clicks`, {credentials: "include"}).then(read)],
  ["fetch GET health", () => fetch(`${C}/api/v1/health`).then(read)],
  ["fetch GET health on localhost", () => fetch(`${L}/api/v1/health`).then(read)],
  ["fetch GET health on the rebinding name", () => fetch(`${R}/api/v1/health`).then(read)],
  ["fetch GET openapi.json", () => fetch(`${C}/api/v1/openapi.json`).then(read)],
  ["fetch POST pair, live code", () => fetch(`${C}/api/v1/pair`, {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify({code: CONFIG.code})}).then(read)],
  ["fetch no-cors POST clicks", () => fetch(`${C}/api/v1/clicks`,
    {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: click}).then(read)],
  ["fetch no-cors POST events", () => fetch(`${C}/api/v1/events`,
    {method: "POST", mode: "no-cors", body: events}).then(read)],
  ["fetch no-cors POST pair, live code", () => fetch(`${L}/api/v1/pair`,
    {method: "POST", mode: "no-cors", body: JSON.stringify({code: CONFIG.code})}).then(read)],
  ["XHR POST clicks, leaked token", () => xhr("POST", `${C}/api/v1/clicks`, auth, click)],
  ["XHR POST clicks as text/plain", () =>
    xhr("POST", `${C}/api/v1/clicks`, {"Content-Type": "text/plain"}, click)],
  ["XHR GET partners index", () => xhr("GET", `${C}/api/v1/partners/index`, {}, null)],
];
const blind = [
  ["sendBeacon events", async () => String(navigator.sendBeacon(`${C}/api/v1/events`, events))],
  ["sendBeacon clicks", async () => String(navigator.sendBeacon(`${L}/api/v1/clicks`, click))],
  ["form text/plain JSON trick to clicks", () => form(`${C}/api/v1/clicks`, "text/plain",
    {[click.slice(0, -1) + ', "x": "']: '"}'})],
  ["form urlencoded to clicks", () =>
    form(`${C}/api/v1/clicks`, "application/x-www-form-urlencoded", {url: CONFIG.store})],
  ["form text/plain to pair, live code", () => form(`${C}/api/v1/pair`, "text/plain",
    {['{"code": "' + CONFIG.code + '", "x": "']: '"}'})],
  ["form text/plain to events", () => form(`${L}/api/v1/events`, "text/plain",
    {[events.slice(0, -1) + ', "x": "']: '"}'})],
  ["img /go/ with a guessed id", () => tag("img", `${C}/go/${CONFIG.guess}`)],
  ["img clicks", () => tag("img", `${C}/api/v1/clicks`)],
  ["script partners index", () => tag("script", `${C}/api/v1/partners/index`)],
  ["script openapi.json", () => tag("script", `${L}/api/v1/openapi.json`)],
];
for (const [name, run] of reads) await attempt(name, run);
for (const [name, run] of blind) await attempt(name, run);
window.attack = {reads: reads.map(([name]) => name), results};
"""


def attack_page(config: dict[str, Any]) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Free coupons</title></head>"
        f"<body><h1>Free coupons</h1><script type='module'>const CONFIG = {json.dumps(config)};"
        f"{ATTACK_SCRIPT}</script></body></html>"
    )


class AttackSite(Sites):
    """``evil.test``: one page, served on its own port like the end-to-end fake web."""

    def __init__(self, port: int, page: str) -> None:
        super().__init__(port)
        self.page = page

    async def _start(self) -> None:
        async def serve(request: web.Request) -> web.Response:
            return web.Response(text=self.page, content_type="text/html")

        app = web.Application()
        app.router.add_get("/", serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    args = [arg for arg in chromium_args([]) if "extension" not in arg]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield browser
        browser.close()


def test_a_hostile_page_gets_nothing(companion: Companion, chromium: Browser) -> None:
    code = json.loads(companion.cli("pair", "--json"))["code"]
    site = AttackSite(free_port(), "")
    site.page = attack_page(
        {
            "port": companion.port,
            "token": token_of(companion),
            "code": code,
            "store": f"http://shop.test:{site.port}/item/1",
            "guess": "c_" + secrets.token_urlsafe(16),
        }
    )
    site.start()
    before = counts(companion.home)
    page = chromium.new_page()
    try:
        # The browser does reach the companion: a top-level navigation, which sends no Origin.
        assert page.goto(f"{companion.url}/api/v1/health").status == 200
        # A page whose own name was rebound to 127.0.0.1 is refused by its Host.
        assert page.goto(f"http://rebind.test:{companion.port}/api/v1/health").status == 421
        page.goto(site.url("evil.test"))
        attack = wait_until(
            lambda: page.evaluate("window.attack"), 60, "the attack page to finish", 0.2
        )
    finally:
        page.close()
        time.sleep(0.5)  # let any request the page fired off land before counting
        site.stop()
    results = attack["results"]
    assert set(attack["reads"]) <= set(results)
    for name in attack["reads"]:
        assert results[name] == "opaque" or results[name].startswith("blocked"), (
            f"{name}: the page read {results[name]!r}"
        )
    assert counts(companion.home) == before, f"the page wrote something; it saw {results}"
    # The live code is still unused: the extension could still pair with it.
    assert json.loads(companion.cli("log", "--json")) == []
