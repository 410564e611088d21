"""``service install | uninstall | status``: read what is there, plan, let the runner act.

The only module here that knows which system it runs on and what the companion's own command
line is; everything it decides with comes in as arguments, so tests run every platform's
commands against a recording runner and a temp dir.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from companion.config import HOME_ENV
from companion.service import launchd, schtasks, systemd
from companion.service.host import Host
from companion.service.plan import ServiceError, ServiceSpec, Step
from companion.service.runner import Runner


class Platform(Protocol):
    """What each of systemd.py, launchd.py and schtasks.py provides."""

    KIND: str
    WHERE_TO_LOOK: str  # where to read why the service's companion does not answer
    PREFLIGHT: tuple[str, ...] | None
    NO_MANAGER: str

    def definition_path(self, host: Host) -> Path: ...
    def definition(self, spec: ServiceSpec, host: Host) -> bytes: ...
    def installed_port(self, content: bytes) -> int | None: ...
    def loaded_query(self, host: Host) -> tuple[str, ...]: ...
    def install_plan(
        self, spec: ServiceSpec, host: Host, current: bytes | None, loaded: bool
    ) -> list[Step]: ...
    def uninstall_plan(self, host: Host, current: bytes | None, loaded: bool) -> list[Step]: ...


PLATFORMS: dict[str, Platform] = {"linux": systemd, "darwin": launchd, "win32": schtasks}

# How long install waits for the started companion to answer before saying it does not.
START_WAIT_S = 10.0

Probe = Callable[[int], str]


def platform_for(name: str) -> Platform:
    try:
        return PLATFORMS[name]
    except KeyError:
        raise ServiceError(
            f"starting with the session is not supported on {name}; "
            "run `cashback-companion serve` yourself"
        ) from None


def companion_spec(
    port: int, platform: str = sys.platform, environ: Mapping[str, str] = os.environ
) -> ServiceSpec:
    """The companion as the service runs it: this Python, this data directory, this port."""
    python = Path(sys.executable)
    windowless = python.with_name("pythonw.exe")
    if platform == "win32" and windowless.exists():
        python = windowless
    home = environ.get(HOME_ENV)
    environment = ((HOME_ENV, str(Path(home).resolve())),) if home else ()
    return ServiceSpec(
        (str(python), "-m", "companion", "serve", "--port", str(port)), port, environment
    )


def _preflight(platform: Platform, runner: Runner) -> str | None:
    """Why the service manager cannot be used here, or None."""
    if platform.PREFLIGHT is None:
        return None
    done = runner.query(platform.PREFLIGHT)
    if done.returncode == 0:
        return None
    return platform.NO_MANAGER.format(output=done.output or f"exit {done.returncode}")


def _state(platform: Platform, host: Host, runner: Runner) -> tuple[bytes | None, bool]:
    current = runner.read(platform.definition_path(host))
    loaded = runner.query(platform.loaded_query(host)).returncode == 0
    return current, loaded


def install(
    spec: ServiceSpec,
    host: Host,
    platform: Platform,
    runner: Runner,
    probe: Probe,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    problem = _preflight(platform, runner)
    if problem is not None:
        raise ServiceError(f"cannot install the service: {problem}")
    current, loaded = _state(platform, host, runner)
    runner.apply(platform.install_plan(spec, host, current, loaded))
    path = platform.definition_path(host)
    # The probe's answer (diagnostics/doctor.probe) starts with "running" once it answers.
    answer = probe(spec.port)
    waited = 0.0
    while not answer.startswith("running") and waited < START_WAIT_S:
        sleep(0.5)
        waited += 0.5
        answer = probe(spec.port)
    if not answer.startswith("running"):
        answer = f"not answering on 127.0.0.1:{spec.port} yet; {platform.WHERE_TO_LOOK}"
    return (
        f"Installed the companion as a {platform.KIND} ({path}); it starts whenever you log in.\n"
        f"Companion: {answer}"
    )


def uninstall(host: Host, platform: Platform, runner: Runner) -> str:
    problem = _preflight(platform, runner)
    if problem is not None:
        raise ServiceError(f"cannot uninstall the service: {problem}")
    current, loaded = _state(platform, host, runner)
    steps = platform.uninstall_plan(host, current, loaded)
    if not steps:
        return "The companion is not installed as a service; nothing to do."
    runner.apply(steps)
    return (
        f"Removed the {platform.KIND}; the companion no longer starts with your session. "
        "Your data (clicks, orders, catalog, token) is left where it was."
    )


def status(
    host: Host, platform: Platform, runner: Runner, probe: Probe, fallback_port: int
) -> dict[str, str]:
    """Whether the service is installed and loaded, and whether the companion answers on its port."""
    problem = _preflight(platform, runner)
    if problem is None:
        current, loaded = _state(platform, host, runner)
    else:
        current, loaded = runner.read(platform.definition_path(host)), False
    port = platform.installed_port(current) if current is not None else None
    report = {
        "service": f"{platform.KIND} at {platform.definition_path(host)}"
        if current is not None
        else f"not installed (no {platform.KIND}); `cashback-companion service install` adds it",
        "starts": "with your session" if loaded else "no",
        "port": str(port or fallback_port),
        "companion": probe(port or fallback_port),
    }
    if problem is not None:
        report["starts"] = f"unknown: {problem}"
    return report
