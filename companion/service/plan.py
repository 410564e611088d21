"""The steps a service command takes, as data: platforms plan them, the runner carries them out.

Keeping the steps as values lets each platform's install and uninstall be a pure function of
what is already there, tested with tables, and lets a test point the runner at a temp dir.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ServiceError(Exception):
    """Why a service command cannot go on, in words for the shopper (never a traceback)."""


@dataclass(frozen=True)
class ServiceSpec:
    """What the service runs: the companion's command line and its environment."""

    argv: tuple[str, ...]
    port: int
    environment: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WriteFile:
    path: Path
    content: bytes


@dataclass(frozen=True)
class RemoveFile:
    path: Path


@dataclass(frozen=True)
class Run:
    """A system command; ``may_fail`` for commands whose failure means "already so"."""

    argv: tuple[str, ...]
    may_fail: bool = False


Step = WriteFile | RemoveFile | Run
