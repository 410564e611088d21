"""Fixtures for the end-to-end tests: see ``harness.py`` for the real parts they start."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, Worker, sync_playwright

from tests.conftest import free_port
from tests.e2e.harness import (
    ARTIFACTS,
    CHROMIUM,
    EXTENSION,
    Companion,
    Sites,
    chromium_args,
)
from tests.e2e.shopper import ChromiumShopper, FirefoxShopper, Shopper
from tests.e2e.sites import demo_catalog


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def sites() -> Iterator[Sites]:
    running = Sites(free_port())
    running.start()
    yield running
    running.stop()


@pytest.fixture
def companion(tmp_path: Path, sites: Sites) -> Iterator[Companion]:
    home = tmp_path / "companion-home"
    home.mkdir()
    running = Companion(home, free_port())
    catalog = tmp_path / "demo-catalog.json"
    catalog.write_text(json.dumps(demo_catalog(sites.port)))
    running.cli("catalog", "import", str(catalog))
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@dataclass
class Browser:
    context: BrowserContext
    worker: Worker
    extension_id: str

    def page(self, path: str) -> Page:
        page = self.context.new_page()
        page.goto(f"chrome-extension://{self.extension_id}/{path}")
        return page

    def tab_id(self, page: Page) -> int:
        """The browser's id of the tab showing ``page``, from the extension's worker."""
        found = self.worker.evaluate(
            "async (url) => (await chrome.tabs.query({})).find((tab) => tab.url === url)?.id ?? null",
            page.url,
        )
        assert isinstance(found, int), f"no tab shows {page.url}"
        return found


def launch(playwright: Playwright, profile: Path, extensions: list[Path]) -> Browser:
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=chromium_args(extensions),
        # Playwright turns the back/forward cache off; a shopper's Chromium has it, and a page
        # it restores reports how it was first loaded (test_journey's Back to a thank-you page).
        ignore_default_args=["--disable-back-forward-cache"],
    )

    # The "extension ready" handshake: our service worker is running. Playwright's sync API
    # delivers the worker only while it is called, so wait with its own timer, not time.sleep.
    def ours() -> Worker | None:
        return next(
            (w for w in context.service_workers if w.url.endswith("/js/background.js")), None
        )

    pump = context.pages[0] if context.pages else context.new_page()
    for _ in range(150):
        worker = ours()
        if worker is not None:
            break
        pump.wait_for_timeout(100)
    else:
        raise AssertionError("the extension's service worker did not start within 15 s")
    return Browser(context, worker, worker.url.split("/")[2])


@pytest.fixture
def browser(
    playwright: Playwright, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Browser]:
    running = launch(playwright, tmp_path / "profile", [EXTENSION])
    yield running
    ChromiumShopper(running).keep_screenshots(ARTIFACTS, request.node.name)
    running.context.close()


@pytest.fixture(params=["chromium", "firefox"])
def shopper(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Shopper]:
    """Our extension on a fresh profile, once in Chromium and once in Firefox ESR."""
    running: Shopper
    if request.param == "chromium":
        playwright: Playwright = request.getfixturevalue("playwright")
        running = ChromiumShopper(launch(playwright, tmp_path / "profile", [EXTENSION]))
    else:
        running = FirefoxShopper.launch(tmp_path / "firefox-profile", EXTENSION)
    yield running
    running.keep_screenshots(ARTIFACTS, request.node.name)
    running.close()
