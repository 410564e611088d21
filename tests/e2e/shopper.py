"""A shopper's hands in either browser: one facade over Chromium (Playwright) and Firefox (BiDi).

Journey tests are written once against ``Shopper`` and ``Tab`` and run in both browsers (the
``shopper`` fixture in conftest.py). Everything that differs between the browsers lives here:
how a page is opened, how an element is found (also inside the prompt's open shadow root), how
a person's click is made (a trusted one: the prompt ignores synthetic clicks), how cookies and
the extension's own state are read.

Elements are named by their ``data-testid``, the hooks the extension's pages and prompt carry.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.e2e.firefox import EXTENSION_ORIGIN, BiDiError, Firefox
from tests.e2e.harness import wait_until

if TYPE_CHECKING:
    from tests.e2e.conftest import Browser

DEFAULT_TIMEOUT_S = 15.0
POLL_S = 0.2

# Runs in a page: the element with this data-testid, searched in the document and in every open
# shadow root (where the prompt lives), or null.
FIND_BY_TEST_ID = """
function findByTestId(testId) {
  const selector = `[data-testid="${CSS.escape(testId)}"]`;
  const search = (root) => {
    const hit = root.querySelector(selector);
    if (hit) {
      return hit;
    }
    for (const node of root.querySelectorAll("*")) {
      const inner = node.shadowRoot ? search(node.shadowRoot) : null;
      if (inner) {
        return inner;
      }
    }
    return null;
  };
  return search(document);
}
"""


class Tab(ABC):
    """One browser tab, as the shopper sees it."""

    @abstractmethod
    def goto(self, url: str) -> None:
        """Open ``url`` and wait for it to load."""

    @abstractmethod
    def reload(self) -> None: ...

    @abstractmethod
    def back(self) -> None:
        """The Back button; returns once the page it shows has committed (a page the
        back/forward cache restores fires no load event)."""

    @abstractmethod
    def evaluate(self, function: str) -> Any:
        """Run a JS ``function`` in the page's own world; its (awaited) result."""

    @property
    @abstractmethod
    def url(self) -> str: ...

    @abstractmethod
    def wait_for_url(
        self, matches: Callable[[str], bool], what: str, timeout: float = DEFAULT_TIMEOUT_S
    ) -> None:
        """Wait until the tab has loaded an address ``matches`` accepts."""

    @abstractmethod
    def click(self, test_id: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        """A person's click on the element, once it is visible and enabled."""

    @abstractmethod
    def fill(self, test_id: str, text: str) -> None: ...

    @abstractmethod
    def attribute(self, test_id: str, name: str) -> str | None:
        """The element's attribute; None when there is no such element or attribute."""

    @abstractmethod
    def text(self, test_id: str) -> str | None:
        """The element's visible text; None when there is no such element or it is hidden."""

    @abstractmethod
    def count(self, css: str) -> int:
        """How many elements of the document (not of shadow roots) match ``css``."""

    @abstractmethod
    def pause(self, seconds: float) -> None:
        """Let the browser work for a while (to show that something does NOT happen)."""

    @abstractmethod
    def close(self) -> None: ...

    def wait_for(
        self, check: Callable[[], Any], what: str, timeout: float = DEFAULT_TIMEOUT_S
    ) -> Any:
        """Poll ``check`` (which reads this tab) until it is truthy; fail naming ``what``."""
        return wait_until(check, timeout, what, POLL_S, sleep=self.pause)

    def wait_for_attribute(
        self, test_id: str, name: str, value: str, timeout: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self.wait_for(
            lambda: self.attribute(test_id, name) == value,
            f"[data-testid={test_id}] to have {name}={value!r} (has {self.attribute(test_id, name)!r})",
            timeout,
        )


class Shopper(ABC):
    """A browser with our extension installed, on a fresh profile."""

    @abstractmethod
    def new_tab(self) -> Tab: ...

    @abstractmethod
    def extension_page(self, path: str) -> Tab:
        """A tab showing one of the extension's own pages, e.g. ``skin/options.html``."""

    @abstractmethod
    def cookies(self, url: str) -> dict[str, str]:
        """The cookies the browser holds for ``url``'s host, by name."""

    @abstractmethod
    def extension_eval(self, function: str) -> Any:
        """Run an async JS ``function`` with the extension's privileges; its JSON-able result."""

    @abstractmethod
    def keep_screenshots(self, directory: Path, name: str) -> None:
        """Screenshots of the web pages still open, for a person to look at after a run."""

    @abstractmethod
    def close(self) -> None: ...

    def extension_storage(self) -> str:
        """Everything the extension keeps (storage.local and storage.session), as JSON text."""
        stored: str = self.extension_eval(
            "async () => JSON.stringify([await chrome.storage.local.get(null),"
            " await chrome.storage.session.get(null)])"
        )
        return stored

    def tabs(self) -> list[tuple[int, str]]:
        """Every open tab, as the extension sees it: its id and address."""
        found = self.extension_eval(
            "async () => (await chrome.tabs.query({})).map((tab) => [tab.id, tab.url])"
        )
        return [(int(tab_id), str(url)) for tab_id, url in found]

    def tab_urls(self) -> list[str]:
        return [url for _, url in self.tabs()]

    def tab_id(self, url: str) -> int:
        """The extension's id for the tab showing ``url`` (for ``skin/popup.html?tabId=N``)."""
        ids = [tab_id for tab_id, tab_url in self.tabs() if tab_url == url]
        assert len(ids) == 1, f"expected one tab on {url}, found {self.tabs()}"
        return ids[0]


# Chromium, through Playwright.


class ChromiumTab(Tab):
    def __init__(self, page: Page) -> None:
        self.page = page

    def goto(self, url: str) -> None:
        self.page.goto(url)

    def reload(self) -> None:
        self.page.reload()

    def back(self) -> None:
        self.page.go_back(wait_until="commit")

    def evaluate(self, function: str) -> Any:
        return self.page.evaluate(function)

    @property
    def url(self) -> str:
        return self.page.url

    def wait_for_url(
        self, matches: Callable[[str], bool], what: str, timeout: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self.page.wait_for_url(matches, timeout=timeout * 1000)

    def click(self, test_id: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        # Playwright's CSS engine pierces open shadow roots, where the prompt lives.
        target = self.page.get_by_test_id(test_id)
        expect(target).to_be_visible(timeout=timeout * 1000)
        target.click(timeout=timeout * 1000)

    def fill(self, test_id: str, text: str) -> None:
        self.page.get_by_test_id(test_id).fill(text)

    def attribute(self, test_id: str, name: str) -> str | None:
        target = self.page.get_by_test_id(test_id)
        return target.get_attribute(name) if target.count() else None

    def text(self, test_id: str) -> str | None:
        target = self.page.get_by_test_id(test_id)
        return target.inner_text() if target.count() and target.is_visible() else None

    def count(self, css: str) -> int:
        found: int = self.page.evaluate("(css) => document.querySelectorAll(css).length", css)
        return found

    def pause(self, seconds: float) -> None:
        # Playwright's sync API handles the browser's events only while it is called.
        self.page.wait_for_timeout(seconds * 1000)

    def close(self) -> None:
        self.page.close()


class ChromiumShopper(Shopper):
    def __init__(self, browser: Browser) -> None:
        self.browser = browser

    def new_tab(self) -> Tab:
        return ChromiumTab(self.browser.context.new_page())

    def extension_page(self, path: str) -> Tab:
        return ChromiumTab(self.browser.page(path))

    def cookies(self, url: str) -> dict[str, str]:
        return {c["name"]: c["value"] for c in self.browser.context.cookies(url)}

    def extension_eval(self, function: str) -> Any:
        return self.browser.worker.evaluate(function)

    def keep_screenshots(self, directory: Path, name: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for number, page in enumerate(self.browser.context.pages):
            if page.url.startswith("http"):
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(directory / f"{name}-{number}.png"))

    def close(self) -> None:
        self.browser.context.close()


# Firefox, through WebDriver BiDi (tests/e2e/firefox.py).


def _value(remote: dict[str, Any]) -> Any:
    """A BiDi RemoteValue as Python: primitives as themselves, a node as its shared id."""
    if remote["type"] in ("undefined", "null"):
        return None
    if remote["type"] == "node":
        return remote["sharedId"]
    return remote.get("value")


class FirefoxTab(Tab):
    def __init__(self, firefox: Firefox, context: str) -> None:
        self.firefox = firefox
        self.context = context

    def call(self, function: str, *args: str) -> Any:
        """Run a JS ``function`` in the page with string ``args``; its (awaited) result."""
        answer = self.firefox.command(
            "script.callFunction",
            {
                "functionDeclaration": function,
                "arguments": [{"type": "string", "value": arg} for arg in args],
                "target": {"context": self.context},
                "awaitPromise": True,
            },
        )
        if answer["type"] == "exception":
            raise AssertionError(f"script failed in {self.url}: {answer['exceptionDetails']}")
        return _value(answer["result"])

    def goto(self, url: str) -> None:
        self.firefox.command(
            "browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"}
        )

    def reload(self) -> None:
        self.firefox.command(
            "browsingContext.reload", {"context": self.context, "wait": "complete"}
        )

    def back(self) -> None:
        self.firefox.command(
            "browsingContext.traverseHistory", {"context": self.context, "delta": -1}
        )

    def evaluate(self, function: str) -> Any:
        return self.call(function)

    @property
    def url(self) -> str:
        tree = self.firefox.command(
            "browsingContext.getTree", {"root": self.context, "maxDepth": 0}
        )
        url: str = tree["contexts"][0]["url"]
        return url

    def wait_for_url(
        self, matches: Callable[[str], bool], what: str, timeout: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self.wait_for(
            self._asked(
                lambda: matches(self.url) and self.call("() => document.readyState") == "complete"
            ),
            what,
            timeout,
        )

    @staticmethod
    def _asked(check: Callable[[], Any]) -> Callable[[], Any]:
        """``check``, with "the document went away while asked" (a navigation) as a falsy answer."""

        def asked() -> Any:
            try:
                return check()
            except BiDiError:
                return None

        return asked

    def _find(self, test_id: str, visible: bool) -> str | None:
        condition = "element.checkVisibility() && !element.disabled" if visible else "true"
        function = f"""(testId) => {{
            const element = ({FIND_BY_TEST_ID})(testId);
            if (element === null || !({condition})) {{
                return null;
            }}
            element.scrollIntoView({{ block: "center" }});
            return element;
        }}"""
        shared_id: str | None = self.call(function, test_id)
        return shared_id

    def click(self, test_id: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        element = self.wait_for(
            self._asked(lambda: self._find(test_id, visible=True)),
            f"[data-testid={test_id}]",
            timeout,
        )
        # Input actions make trusted events, as a person's mouse does.
        self.firefox.command(
            "input.performActions",
            {
                "context": self.context,
                "actions": [
                    {
                        "type": "pointer",
                        "id": "mouse",
                        "parameters": {"pointerType": "mouse"},
                        "actions": [
                            {
                                "type": "pointerMove",
                                "x": 0,
                                "y": 0,
                                "origin": {"type": "element", "element": {"sharedId": element}},
                            },
                            {"type": "pointerDown", "button": 0},
                            {"type": "pointerUp", "button": 0},
                        ],
                    }
                ],
            },
        )

    def fill(self, test_id: str, text: str) -> None:
        self.wait_for(
            self._asked(lambda: self._find(test_id, visible=True)), f"[data-testid={test_id}]"
        )
        # What Playwright's fill does: set the value, then tell the page it changed.
        self.call(
            f"""(testId, text) => {{
                const element = ({FIND_BY_TEST_ID})(testId);
                element.focus();
                element.value = text;
                element.dispatchEvent(new Event("input", {{ bubbles: true }}));
                element.dispatchEvent(new Event("change", {{ bubbles: true }}));
            }}""",
            test_id,
            text,
        )

    def attribute(self, test_id: str, name: str) -> str | None:
        value: str | None = self.call(
            f"(testId, name) => ({FIND_BY_TEST_ID})(testId)?.getAttribute(name) ?? null",
            test_id,
            name,
        )
        return value

    def text(self, test_id: str) -> str | None:
        value: str | None = self.call(
            f"""(testId) => {{
                const element = ({FIND_BY_TEST_ID})(testId);
                return element?.checkVisibility() ? element.innerText : null;
            }}""",
            test_id,
        )
        return value

    def count(self, css: str) -> int:
        return int(self.call("(css) => document.querySelectorAll(css).length", css))

    def pause(self, seconds: float) -> None:
        time.sleep(seconds)

    def close(self) -> None:
        self.firefox.command("browsingContext.close", {"context": self.context})


class FirefoxShopper(Shopper):
    def __init__(self, firefox: Firefox) -> None:
        self.firefox = firefox
        self._extension_tab: FirefoxTab | None = None

    @classmethod
    def launch(cls, profile: Path, extension: Path) -> FirefoxShopper:
        firefox = Firefox(profile, extension)
        firefox.start()
        shopper = cls(firefox)
        try:
            shopper._wait_until_ready()
        except BaseException:
            shopper.close()
            raise
        return shopper

    def _wait_until_ready(self) -> None:
        # The "extension ready" handshake: the background answers a page's message (until it
        # has started, sending fails: no one is listening).
        self._tab_for_extension().wait_for(
            lambda: self.extension_eval(
                """async () => {
                    try {
                        return (await chrome.runtime.sendMessage({ type: "getStatus" }))?.state;
                    } catch {
                        return null;
                    }
                }"""
            ),
            "the extension's background to answer",
        )

    def new_tab(self) -> Tab:
        created = self.firefox.command("browsingContext.create", {"type": "tab"})
        return FirefoxTab(self.firefox, created["context"])

    def extension_page(self, path: str) -> Tab:
        tab = self.new_tab()
        tab.goto(f"{EXTENSION_ORIGIN}/{path}")
        return tab

    def _tab_for_extension(self) -> FirefoxTab:
        # Firefox's background is not a target BiDi can script, so the extension's APIs are used
        # from one of its pages, kept open for that: the popup, which changes nothing by being
        # open. (Not the options page: runtime.openOptionsPage() would focus it, not open it.)
        if self._extension_tab is None:
            tab = self.extension_page("skin/popup.html")
            assert isinstance(tab, FirefoxTab)
            self._extension_tab = tab
        return self._extension_tab

    def cookies(self, url: str) -> dict[str, str]:
        host = urlsplit(url).hostname
        found = self.firefox.command("storage.getCookies", {})["cookies"]
        return {
            cookie["name"]: cookie["value"]["value"]
            for cookie in found
            if cookie["domain"].lstrip(".") == host
        }

    def extension_eval(self, function: str) -> Any:
        text = self._tab_for_extension().call(f"async () => JSON.stringify(await ({function})())")
        return json.loads(text)

    def keep_screenshots(self, directory: Path, name: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        tree = self.firefox.command("browsingContext.getTree", {"maxDepth": 0})
        for number, context in enumerate(tree["contexts"]):
            if context["url"].startswith("http"):
                with contextlib.suppress(Exception):
                    shot = self.firefox.command(
                        "browsingContext.captureScreenshot", {"context": context["context"]}
                    )
                    (directory / f"{name}-{number}.png").write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        self.firefox.stop()
