"""Steps of a shopper's journey, shared by the end-to-end tests; the same in every browser."""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import Companion, Sites, wait_until
from tests.e2e.shopper import Shopper, Tab

PROMPT_TIMEOUT_S = 15.0


def pair(shopper: Shopper, companion: Companion) -> None:
    code = companion.cli_json("pair")["code"]
    options = shopper.extension_page("skin/options.html")
    # Pair pressed too early says what is missing, not "something went wrong". (Once the page
    # has shown where things stand, which fills in the usual address.)
    options.wait_for(lambda: options.text("pair-status"), "the status", 10)
    for address, said in (("", "address on this computer"), (companion.url, "pairing code")):
        options.fill("companion-url", address)
        options.click("pair")
        options.wait_for(
            lambda said=said: said in (options.text("pair-status") or ""), f"{said!r} said", 10
        )
    options.fill("pairing-code", code)
    options.click("pair")
    options.wait_for_attribute("pair-status", "data-state", "paired", timeout=10)
    options.close()


def activate_from_prompt(tab: Tab) -> None:
    tab.click("activate", timeout=PROMPT_TIMEOUT_S)


def record_for(
    companion: Companion, predicate: Any, what: str, timeout: float = 20
) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        return next((r for r in companion.log_records() if predicate(r)), None)

    found: dict[str, Any] = wait_until(find, timeout, what, interval=0.5)
    return found


def activate_and_land(
    tab: Tab, companion: Companion, sites: Sites, item: str, *, clicks_before: Any = ()
) -> dict[str, Any]:
    """Open a store page, Activate from its prompt, and wait until the tab lands on it with the
    network's id: the landed record of the new click (one not in ``clicks_before``)."""
    tab.goto(sites.url("shop.test", item))
    activate_from_prompt(tab)
    tab.wait_for_url(lambda url: f"{item}?aff_id=NET-c_" in url, "the landing on the store")
    return record_for(
        companion,
        lambda r: r["status"] == "landed" and r["click_id"] not in clicks_before,
        "the click to be landed",
    )
