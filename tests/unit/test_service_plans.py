"""What install and uninstall do on each system, given what is already there.

Each row: the definition file now (none, the same as install would write, or an older one),
whether the service manager has it loaded, and the steps planned. Installing twice does
nothing the second time but make sure it is enabled and running; uninstalling never touches
the data directory (no step names it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.service import launchd, schtasks, systemd
from companion.service.host import Host
from companion.service.manager import Platform
from companion.service.plan import RemoveFile, ServiceSpec, Step, WriteFile

SPEC = ServiceSpec(("/venv/bin/python", "-m", "companion", "serve", "--port", "47615"), 47615)
HOST = Host(
    home=Path("/home/ann"),
    config_home=Path("/home/ann/.config"),
    local_app_data=Path("/home/ann/AppData/Local"),
    uid=501,
    user="ann",
)
OLD = b"an older definition"


def current(platform: Platform, state: str) -> bytes | None:
    return {"none": None, "same": platform.definition(SPEC, HOST), "old": OLD}[state]


def text(steps: list[Step]) -> list[str]:
    def one(step: Step) -> str:
        if isinstance(step, WriteFile):
            return f"write {step.path.name}"
        if isinstance(step, RemoveFile):
            return f"remove {step.path.name}"
        return " ".join(step.argv) + (" (may fail)" if step.may_fail else "")

    return [one(step) for step in steps]


def case_id(platform: Platform, state: str, loaded: bool, _: object) -> str:
    return f"{platform.KIND}-{state}-{'loaded' if loaded else 'unloaded'}"


UNIT = "cashback-companion.service"
PLIST = "local.cashback-guard.companion.plist"
AGENT = "gui/501/local.cashback-guard.companion"
XML = "CashbackGuardCompanion.xml"
CREATE = f"schtasks /Create /TN CashbackGuardCompanion /XML {HOST.local_app_data}/cashback-companion-service/{XML} /F"

INSTALL = [
    # systemd: `enable --now` is idempotent; a changed unit is reloaded and restarted.
    (
        systemd,
        "none",
        False,
        [
            f"write {UNIT}",
            "systemctl --user daemon-reload",
            f"systemctl --user enable --now {UNIT}",
        ],
    ),
    (systemd, "same", True, [f"systemctl --user enable --now {UNIT}"]),
    (systemd, "same", False, [f"systemctl --user enable --now {UNIT}"]),
    (
        systemd,
        "old",
        True,
        [
            f"write {UNIT}",
            "systemctl --user daemon-reload",
            f"systemctl --user enable --now {UNIT}",
            f"systemctl --user restart {UNIT}",
        ],
    ),
    # launchd: a loaded agent is unloaded before it is replaced.
    (
        launchd,
        "none",
        False,
        [
            f"write {PLIST}",
            f"launchctl enable {AGENT}",
            f"launchctl bootstrap gui/501 {HOST.home}/Library/LaunchAgents/{PLIST}",
        ],
    ),
    (launchd, "same", True, [f"launchctl enable {AGENT}"]),
    (
        launchd,
        "same",
        False,
        [
            f"launchctl enable {AGENT}",
            f"launchctl bootstrap gui/501 {HOST.home}/Library/LaunchAgents/{PLIST}",
        ],
    ),
    (
        launchd,
        "old",
        True,
        [
            f"launchctl bootout {AGENT} (may fail)",
            f"write {PLIST}",
            f"launchctl enable {AGENT}",
            f"launchctl bootstrap gui/501 {HOST.home}/Library/LaunchAgents/{PLIST}",
        ],
    ),
    # Windows: /Create /F replaces a task; a changed one is ended so /Run starts the new one.
    (schtasks, "none", False, [f"write {XML}", CREATE, "schtasks /Run /TN CashbackGuardCompanion"]),
    (schtasks, "same", True, ["schtasks /Run /TN CashbackGuardCompanion"]),
    (schtasks, "same", False, [CREATE, "schtasks /Run /TN CashbackGuardCompanion"]),
    (
        schtasks,
        "old",
        True,
        [
            f"write {XML}",
            CREATE,
            "schtasks /End /TN CashbackGuardCompanion (may fail)",
            "schtasks /Run /TN CashbackGuardCompanion",
        ],
    ),
]


@pytest.mark.parametrize(
    ("platform", "state", "loaded", "expected"),
    INSTALL,
    ids=[case_id(*case) for case in INSTALL],
)
def test_install_plan(platform: Platform, state: str, loaded: bool, expected: list[str]) -> None:
    assert text(platform.install_plan(SPEC, HOST, current(platform, state), loaded)) == expected


UNINSTALL = [
    (systemd, "none", False, []),
    (
        systemd,
        "same",
        True,
        [
            f"systemctl --user disable --now {UNIT} (may fail)",
            f"remove {UNIT}",
            "systemctl --user daemon-reload",
        ],
    ),
    # A unit enabled from elsewhere (its file gone) is still disabled.
    (
        systemd,
        "none",
        True,
        [f"systemctl --user disable --now {UNIT} (may fail)", "systemctl --user daemon-reload"],
    ),
    (launchd, "none", False, []),
    (launchd, "same", True, [f"launchctl bootout {AGENT} (may fail)", f"remove {PLIST}"]),
    (launchd, "same", False, [f"remove {PLIST}"]),
    (schtasks, "none", False, []),
    (
        schtasks,
        "same",
        True,
        [
            "schtasks /End /TN CashbackGuardCompanion (may fail)",
            "schtasks /Delete /TN CashbackGuardCompanion /F",
            f"remove {XML}",
        ],
    ),
    (schtasks, "same", False, [f"remove {XML}"]),
]


@pytest.mark.parametrize(
    ("platform", "state", "loaded", "expected"),
    UNINSTALL,
    ids=[case_id(*case) for case in UNINSTALL],
)
def test_uninstall_plan(platform: Platform, state: str, loaded: bool, expected: list[str]) -> None:
    assert text(platform.uninstall_plan(HOST, current(platform, state), loaded)) == expected


@pytest.mark.parametrize("platform", [systemd, launchd, schtasks], ids=lambda p: p.KIND)
def test_plans_touch_only_the_definition_file(platform: Platform) -> None:
    steps = [
        *platform.install_plan(SPEC, HOST, None, False),
        *platform.uninstall_plan(HOST, b"x", True),
    ]
    touched = {step.path for step in steps if isinstance(step, WriteFile | RemoveFile)}
    assert touched == {platform.definition_path(HOST)}
