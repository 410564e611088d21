"""macOS: a launchd agent in the shopper's GUI domain, started at login (``RunAtLoad``)."""

from __future__ import annotations

import plistlib
from pathlib import Path

from companion.service.host import Host
from companion.service.plan import RemoveFile, Run, ServiceSpec, Step, WriteFile

KIND = "launchd agent"
WHERE_TO_LOOK = "~/Library/Logs/cashback-companion.log says why"
LABEL = "local.cashback-guard.companion"
PREFLIGHT: tuple[str, ...] | None = None
NO_MANAGER = ""


def definition_path(host: Host) -> Path:
    return host.home / "Library" / "LaunchAgents" / f"{LABEL}.plist"


def _domain(host: Host) -> str:
    return f"gui/{host.uid}"


def _target(host: Host) -> str:
    return f"{_domain(host)}/{LABEL}"


def definition(spec: ServiceSpec, host: Host) -> bytes:
    log = str(host.home / "Library" / "Logs" / "cashback-companion.log")
    agent: dict[str, object] = {
        "Label": LABEL,
        "ProgramArguments": list(spec.argv),
        "RunAtLoad": True,
        # Started again after a crash, not after a clean stop (`launchctl kill`, logout).
        "KeepAlive": {"SuccessfulExit": False},
        "StandardOutPath": log,
        "StandardErrorPath": log,
    }
    if spec.environment:
        agent["EnvironmentVariables"] = dict(spec.environment)
    return plistlib.dumps(agent, sort_keys=True)


def installed_port(content: bytes) -> int | None:
    try:
        argv = plistlib.loads(content).get("ProgramArguments", [])
    except (plistlib.InvalidFileException, ValueError, AttributeError):
        return None
    if "--port" in argv[:-1]:
        port = str(argv[argv.index("--port") + 1])
        return int(port) if port.isdigit() else None
    return None


def loaded_query(host: Host) -> tuple[str, ...]:
    return ("launchctl", "print", _target(host))


def install_plan(spec: ServiceSpec, host: Host, current: bytes | None, loaded: bool) -> list[Step]:
    content = definition(spec, host)
    steps: list[Step] = []
    if current != content:
        if loaded:
            # launchd keeps the agent it loaded; a changed one must be unloaded first.
            steps.append(Run(("launchctl", "bootout", _target(host)), may_fail=True))
            loaded = False
        steps.append(WriteFile(definition_path(host), content))
    # Undoes an earlier `launchctl disable`, which would keep bootstrap from loading it.
    steps.append(Run(("launchctl", "enable", _target(host))))
    if not loaded:
        steps.append(Run(("launchctl", "bootstrap", _domain(host), str(definition_path(host)))))
    return steps


def uninstall_plan(host: Host, current: bytes | None, loaded: bool) -> list[Step]:
    steps: list[Step] = []
    if loaded:
        steps.append(Run(("launchctl", "bootout", _target(host)), may_fail=True))
    if current is not None:
        steps.append(RemoveFile(definition_path(host)))
    return steps
