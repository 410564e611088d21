"""Linux: a systemd user unit, started with the shopper's session (``default.target``)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from companion.service.host import Host
from companion.service.plan import RemoveFile, Run, ServiceSpec, Step, WriteFile

KIND = "systemd user unit"
WHERE_TO_LOOK = "`journalctl --user -u cashback-companion` says why"
UNIT = "cashback-companion.service"
SYSTEMCTL = ("systemctl", "--user")

# `systemctl --user` needs the user's service manager; containers and some remote logins have
# none, and then nothing can be installed: say so, and what works instead.
PREFLIGHT: tuple[str, ...] | None = (*SYSTEMCTL, "show-environment")
NO_MANAGER = (
    "there is no systemd user session here ({output}). That is usual in containers and over "
    "some remote logins. Start the companion yourself with `cashback-companion serve`, or run "
    "`cashback-companion service install` from a desktop session."
)

# Characters that make systemd split or unquote an argument.
_NEEDS_QUOTES = re.compile(r'[\s"\'\\;]')


def definition_path(host: Host) -> Path:
    return host.config_home / "systemd" / "user" / UNIT


def quote(value: str, *, in_exec: bool) -> str:
    """One word of a unit file line: specifiers (and, in ExecStart, variables) kept literal."""
    value = value.replace("%", "%%")
    if in_exec:
        value = value.replace("$", "$$")
    if value and not _NEEDS_QUOTES.search(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def definition(spec: ServiceSpec, host: Host) -> bytes:
    lines = [
        "# Written by `cashback-companion service install`; `service uninstall` removes it.",
        "[Unit]",
        "Description=Cashback Guard companion: the browser extension's cashback log on this computer",
        # A companion that cannot start (its port taken, say) is not restarted forever.
        "StartLimitIntervalSec=60",
        "StartLimitBurst=5",
        "",
        "[Service]",
        "Type=exec",
        "ExecStart=" + " ".join(quote(arg, in_exec=True) for arg in spec.argv),
        *(f"Environment={quote(f'{k}={v}', in_exec=False)}" for k, v in spec.environment),
        "Restart=on-failure",
        "RestartSec=5",
        "NoNewPrivileges=yes",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def installed_port(content: bytes) -> int | None:
    for line in content.decode("utf-8", "replace").splitlines():
        if line.startswith("ExecStart="):
            try:
                words = shlex.split(line.removeprefix("ExecStart="))
            except ValueError:  # not a line we wrote
                return None
            if "--port" in words[:-1]:
                port = words[words.index("--port") + 1]
                return int(port) if port.isdigit() else None
    return None


def loaded_query(host: Host) -> tuple[str, ...]:
    return (*SYSTEMCTL, "is-enabled", UNIT)


def install_plan(spec: ServiceSpec, host: Host, current: bytes | None, loaded: bool) -> list[Step]:
    content = definition(spec, host)
    if current == content:
        # Enabling and starting what is enabled and running changes nothing.
        return [Run((*SYSTEMCTL, "enable", "--now", UNIT))]
    steps: list[Step] = [
        WriteFile(definition_path(host), content),
        Run((*SYSTEMCTL, "daemon-reload")),
        Run((*SYSTEMCTL, "enable", "--now", UNIT)),
    ]
    if current is not None:
        # A running companion keeps its old command line until it is restarted.
        steps.append(Run((*SYSTEMCTL, "restart", UNIT)))
    return steps


def uninstall_plan(host: Host, current: bytes | None, loaded: bool) -> list[Step]:
    if current is None and not loaded:
        return []
    steps: list[Step] = [Run((*SYSTEMCTL, "disable", "--now", UNIT), may_fail=True)]
    if current is not None:
        steps.append(RemoveFile(definition_path(host)))
    steps.append(Run((*SYSTEMCTL, "daemon-reload")))
    return steps
