"""An ad blocker that blocks the program's redirect, in Firefox.

tests/e2e/test_checks.py drives the blocker and the rest of the checks in Chromium, where the
test extensions load beside ours at launch. In Firefox the blocker is installed over WebDriver
BiDi, and Firefox words the block its own way (NS_ERROR_ABORT, not Chromium's
net::ERR_BLOCKED_BY_CLIENT) and names its add-ons by ids of another kind: the warning must say
the same all the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import Companion, Sites
from tests.e2e.journey import pair, record_for
from tests.e2e.shopper import FirefoxShopper, Shopper

ADBLOCK = Path(__file__).parent / "extensions" / "adblock"


# Firefox alone: Chromium's is in tests/e2e/test_checks.py.
@pytest.mark.parametrize("shopper", ["firefox"], indirect=True)
def test_a_blocked_redirect_is_named_in_firefox(
    shopper: Shopper, companion: Companion, sites: Sites
) -> None:
    assert isinstance(shopper, FirefoxShopper)
    pair(shopper, companion)
    shopper.firefox.command(
        "webExtension.install", {"extensionData": {"type": "path", "path": str(ADBLOCK)}}
    )
    tab = shopper.new_tab()
    tab.goto(sites.url("shop.test", "/item/1"))
    tab.click("activate")
    said = tab.wait_for(lambda: tab.text("untracked-warning"), "the warning after the block")
    assert "net.test" in said
    assert "Test Ad Blocker" in said  # known by its name: Firefox's id is not the Chrome one
    assert "aff_id" not in tab.url
    click = record_for(companion, lambda record: True, "the click")
    assert click["status"] == "clicked", "the click never landed"
