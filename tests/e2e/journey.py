"""Steps of a shopper's journey, shared by the end-to-end tests."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browser
from tests.e2e.harness import Companion, wait_until

PROMPT_TIMEOUT_MS = 15_000


def pair(browser: Browser, companion: Companion) -> None:
    code = companion.cli_json("pair")["code"]
    options = browser.page("skin/options.html")
    options.get_by_test_id("companion-url").fill(companion.url)
    options.get_by_test_id("pairing-code").fill(code)
    options.get_by_test_id("pair").click()
    expect(options.get_by_test_id("pair-status")).to_have_attribute(
        "data-state", "paired", timeout=10_000
    )
    options.close()


def activate_from_prompt(page: Page) -> None:
    # Playwright's CSS engine pierces open shadow roots, where the prompt lives.
    button = page.get_by_test_id("activate")
    expect(button).to_be_visible(timeout=PROMPT_TIMEOUT_MS)
    button.click()


def record_for(
    companion: Companion, predicate: Any, what: str, timeout: float = 20
) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        return next((r for r in companion.log_records() if predicate(r)), None)

    found: dict[str, Any] = wait_until(find, timeout, what, interval=0.5)
    return found
