"""``service install | uninstall | status`` end to end against a recording system and a temp dir.

The runner is the real one (it writes and removes the real files, under ``tmp_path``); only
the service manager's commands are answered by ``FakeSystem``, which records them. The last
tests run the real command line where no systemd user session exists.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from companion.service import manager, systemd
from companion.service.host import Host
from companion.service.plan import ServiceError, ServiceSpec
from companion.service.runner import Completed, Runner, execute

SPEC = ServiceSpec(("/venv/bin/python", "-m", "companion", "serve", "--port", "47615"), 47615)
RUNNING = "running on 127.0.0.1:47615 (version 0.1.0)"
NOT_RUNNING = "not running on 127.0.0.1:47615; start it with `cashback-companion serve`"


class FakeSystem:
    """Answers commands as told (exit 0 otherwise) and remembers each."""

    def __init__(self, answers: dict[str, Completed] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[str] = []

    def __call__(self, argv: Sequence[str]) -> Completed:
        command = " ".join(argv)
        self.calls.append(command)
        return self.answers.get(command, Completed(0, ""))


@pytest.fixture
def host(tmp_path: Path) -> Host:
    home = tmp_path / "ann"
    return Host(home, home / ".config", home / "AppData" / "Local", 1000, "ann")


def unit(host: Host) -> Path:
    return systemd.definition_path(host)


def install(host: Host, system: FakeSystem, probe: str = RUNNING) -> str:
    return manager.install(SPEC, host, systemd, Runner(system), lambda port: probe, lambda s: None)


def test_install_writes_the_unit_and_starts_it(host: Host) -> None:
    system = FakeSystem({f"systemctl --user is-enabled {systemd.UNIT}": Completed(1, "disabled")})
    said = install(host, system)
    assert unit(host).read_bytes() == systemd.definition(SPEC, host)
    assert system.calls == [
        "systemctl --user show-environment",
        f"systemctl --user is-enabled {systemd.UNIT}",
        "systemctl --user daemon-reload",
        f"systemctl --user enable --now {systemd.UNIT}",
    ]
    assert str(unit(host)) in said
    assert RUNNING in said


def test_install_twice_changes_nothing_the_second_time(host: Host) -> None:
    install(host, FakeSystem())
    written = unit(host).stat()
    again = FakeSystem()
    install(host, again)
    assert unit(host).stat().st_mtime_ns == written.st_mtime_ns
    assert again.calls == [
        "systemctl --user show-environment",
        f"systemctl --user is-enabled {systemd.UNIT}",
        f"systemctl --user enable --now {systemd.UNIT}",
    ]


def test_install_waits_for_the_companion_to_answer(host: Host) -> None:
    answers = iter([NOT_RUNNING, NOT_RUNNING, RUNNING])
    slept: list[float] = []
    said = manager.install(
        SPEC, host, systemd, Runner(FakeSystem()), lambda port: next(answers), slept.append
    )
    assert slept == [0.5, 0.5]
    assert RUNNING in said


def test_install_says_when_the_companion_does_not_answer(host: Host) -> None:
    said = install(host, FakeSystem(), probe=NOT_RUNNING)
    assert "not answering on 127.0.0.1:47615 yet; `journalctl --user -u cashback-companion`" in said


def test_uninstall_removes_the_unit_and_leaves_the_data(host: Host, tmp_path: Path) -> None:
    data = tmp_path / "companion-home"
    data.mkdir()
    (data / "companion.sqlite3").write_bytes(b"the shopper's clicks")
    install(host, FakeSystem())
    system = FakeSystem()
    said = manager.uninstall(host, systemd, Runner(system))
    assert not unit(host).exists()
    assert f"systemctl --user disable --now {systemd.UNIT}" in system.calls
    assert (data / "companion.sqlite3").read_bytes() == b"the shopper's clicks"
    assert "left where it was" in said


def test_uninstall_when_not_installed(host: Host) -> None:
    system = FakeSystem({f"systemctl --user is-enabled {systemd.UNIT}": Completed(1, "")})
    assert "nothing to do" in manager.uninstall(host, systemd, Runner(system))
    assert not any("disable" in call for call in system.calls)


@pytest.mark.parametrize("action", ["install", "uninstall"])
def test_no_systemd_user_session(host: Host, action: str) -> None:
    system = FakeSystem(
        {
            "systemctl --user show-environment": Completed(
                1, "Failed to connect to bus: No medium found"
            )
        }
    )
    act = {
        "install": lambda: install(host, system),
        "uninstall": lambda: manager.uninstall(host, systemd, Runner(system)),
    }[action]
    with pytest.raises(ServiceError) as refused:
        act()
    message = str(refused.value)
    assert "no systemd user session" in message
    assert "No medium found" in message
    assert "cashback-companion serve" in message
    assert system.calls == ["systemctl --user show-environment"]
    assert not unit(host).exists()


def test_a_failing_command_stops_with_its_words(host: Host) -> None:
    system = FakeSystem(
        {f"systemctl --user enable --now {systemd.UNIT}": Completed(1, "Unit is masked.")}
    )
    with pytest.raises(ServiceError, match=r"enable --now .* failed: Unit is masked"):
        install(host, system)


def test_status(host: Host) -> None:
    def probe(port: int) -> str:
        return f"probed {port}"

    system = FakeSystem({f"systemctl --user is-enabled {systemd.UNIT}": Completed(1, "")})
    before = manager.status(host, systemd, Runner(system), probe, 47615)
    assert before["service"].startswith("not installed")
    assert (before["starts"], before["port"], before["companion"]) == (
        "no",
        "47615",
        "probed 47615",
    )

    other_port = ServiceSpec(
        ("/venv/bin/python", "-m", "companion", "serve", "--port", "50001"), 50001
    )
    manager.install(other_port, host, systemd, Runner(FakeSystem()), probe, lambda s: None)
    after = manager.status(host, systemd, Runner(FakeSystem()), probe, 47615)
    assert after["service"] == f"systemd user unit at {unit(host)}"
    assert (after["starts"], after["port"], after["companion"]) == (
        "with your session",
        "50001",
        "probed 50001",
    )


def test_status_without_a_user_session(host: Host) -> None:
    system = FakeSystem({"systemctl --user show-environment": Completed(1, "no bus")})
    report = manager.status(host, systemd, Runner(system), lambda port: NOT_RUNNING, 47615)
    assert report["starts"].startswith("unknown: there is no systemd user session here (no bus)")
    assert report["companion"] == NOT_RUNNING


def test_unsupported_system() -> None:
    with pytest.raises(ServiceError, match=r"not supported on sunos5.*cashback-companion serve"):
        manager.platform_for("sunos5")


@pytest.mark.parametrize(
    ("name", "kind"),
    [("linux", "systemd user unit"), ("darwin", "launchd agent"), ("win32", "scheduled task")],
)
def test_each_system_has_its_manager(name: str, kind: str) -> None:
    assert kind == manager.platform_for(name).KIND


def test_companion_spec_carries_a_chosen_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    spec = manager.companion_spec(50000, "linux", {"CASHBACK_COMPANION_HOME": "relative/home"})
    assert spec.argv == (sys.executable, "-m", "companion", "serve", "--port", "50000")
    assert spec.environment == (("CASHBACK_COMPANION_HOME", str(tmp_path / "relative" / "home")),)
    assert manager.companion_spec(50000, "linux", {}).environment == ()


def test_a_missing_program_is_an_answer_not_a_crash() -> None:
    done = execute(["cashback-guard-no-such-program"])
    assert done.returncode == 127
    assert "not found" in done.output


@pytest.mark.skipif(sys.platform != "linux", reason="systemd is Linux's")
def test_the_command_line_without_a_user_session(tmp_path: Path) -> None:
    """The real CLI and systemctl, where no user manager can be reached (as in CI containers).

    Without XDG_RUNTIME_DIR and a session bus, `systemctl --user` fails even on a desktop,
    so this never installs anything on the machine that runs it.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS")
    }
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "companion", "service", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    installed = cli("install", "--port", "1")
    assert installed.returncode == 1
    assert installed.stderr.startswith("cashback-companion: cannot install the service: ")
    assert "cashback-companion serve" in installed.stderr
    assert "Traceback" not in installed.stderr
    assert not (tmp_path / "config" / "systemd").exists()

    status = cli("status", "--json")
    assert status.returncode == 0, status.stderr
    assert '"service": "not installed' in status.stdout
