"""What the shopper reads when something is refused: the reason, in words that say what to do,
never a generic "something went wrong, try again" that trying again cannot fix.

(Pairing with a field left empty is in ``journey.pair``, which every journey goes through, in
both browsers. This one is the worker's own logic, the same in both: Chromium only.)
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import Browser
from tests.e2e.harness import Companion, Sites
from tests.e2e.journey import PROMPT_TIMEOUT_S, pair
from tests.e2e.shopper import ChromiumShopper
from tests.e2e.sites import demo_catalog

PROMPT = "cashback-guard-prompt"


def test_activate_on_a_store_the_catalog_dropped_says_so_and_asks_no_more(
    browser: Browser, companion: Companion, sites: Sites, tmp_path: Path
) -> None:
    """The extension's store list is up to ten minutes behind the companion's catalog: a store
    dropped in between still gets the prompt, and Activate is refused (422)."""
    shopper = ChromiumShopper(browser)
    pair(shopper, companion)
    tab = shopper.new_tab()
    tab.goto(sites.url("shop.test", "/item/1"))
    tab.wait_for(lambda: tab.count(PROMPT) == 1, "the prompt", PROMPT_TIMEOUT_S)

    moved = demo_catalog(sites.port)
    moved["partners"][0]["domains"] = ["elsewhere.test"]
    catalog = tmp_path / "moved.json"
    catalog.write_text(json.dumps(moved), encoding="utf-8")
    companion.cli("catalog", "import", str(catalog))
    # The running companion takes the new catalog in within a second (http/state.py).
    tab.pause(2)

    tab.click("activate", timeout=PROMPT_TIMEOUT_S)
    tab.wait_for(
        lambda: "no longer lists this store" in (tab.text("prompt-error") or ""),
        "the prompt to say the catalog dropped the store",
        10,
    )
    assert companion.log_records() == []
    # The store list was fetched again: the next page of that store asks nothing.
    tab.goto(sites.url("shop.test", "/item/1"))
    tab.pause(2)
    assert tab.count(PROMPT) == 0
