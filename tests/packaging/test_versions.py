"""One version for everything a shopper installs.

pyproject.toml's ``[project] version`` is the one place it is written: the wheel and sdist take
it from there and ``make package`` names every file after it. The extension's manifest (which
the browser reads, and the stores check against earlier uploads), package.json and the
companion's ``__version__`` (which /api/v1/health reports) cannot read it, so they repeat it,
and this test fails as soon as one of them drifts.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

import companion

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_the_version_is_one_browsers_accept() -> None:
    # Chromium and Firefox take one to four dot-separated integers, nothing else.
    parts = VERSION.split(".")
    assert 1 <= len(parts) <= 4
    assert all(part.isdigit() and str(int(part)) == part for part in parts), VERSION


def _json_version(path: str) -> str:
    version: str = json.loads((ROOT / path).read_text(encoding="utf-8"))["version"]
    return version


COPIES: dict[str, Callable[[], str]] = {
    "extension/manifest.json": lambda: _json_version("extension/manifest.json"),
    "package.json": lambda: _json_version("package.json"),
    "companion/__init__.py": lambda: companion.__version__,
}


@pytest.mark.parametrize("where", COPIES)
def test_every_copy_says_the_same(where: str) -> None:
    found = COPIES[where]()
    assert found == VERSION, f"{where} says {found}, pyproject.toml says {VERSION}"
