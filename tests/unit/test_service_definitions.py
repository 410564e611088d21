"""The service definitions each platform installs: pure renderings, checked as their tools read them.

systemd's unit is also handed to ``systemd-analyze verify`` where it exists; launchd's plist is
read back with plistlib; the scheduled task's XML with ElementTree, in the UTF-16 schtasks takes.
"""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from companion.service import launchd, schtasks, systemd
from companion.service.host import Host
from companion.service.manager import Platform
from companion.service.plan import ServiceError, ServiceSpec

PYTHON = "/opt/venv/bin/python"
SPEC = ServiceSpec((PYTHON, "-m", "companion", "serve", "--port", "47615"), 47615)
HOST = Host(
    home=Path("/home/ann"),
    config_home=Path("/home/ann/.config"),
    local_app_data=Path("C:/Users/ann/AppData/Local"),
    uid=1000,
    user="HOMEPC\\ann",
)


def spec(*, python: str = PYTHON, port: int = 47615, home: str | None = None) -> ServiceSpec:
    environment = (("CASHBACK_COMPANION_HOME", home),) if home else ()
    return ServiceSpec((python, "-m", "companion", "serve", "--port", str(port)), port, environment)


# systemd


@pytest.mark.parametrize(
    ("value", "in_exec", "written"),
    [
        ("/usr/bin/python3", True, "/usr/bin/python3"),
        ("--port", True, "--port"),
        ("/home/ann/My Apps/python", True, '"/home/ann/My Apps/python"'),
        ('say "hi"', True, '"say \\"hi\\""'),
        ("C:\\path", True, '"C:\\\\path"'),
        ("a;b", True, '"a;b"'),
        ("", True, '""'),
        # % starts a specifier everywhere; $ a variable only in ExecStart.
        ("/data/100%", True, "/data/100%%"),
        ("/data/$HOME", True, "/data/$$HOME"),
        ("CASHBACK_COMPANION_HOME=/data/$HOME", False, "CASHBACK_COMPANION_HOME=/data/$HOME"),
        ("CASHBACK_COMPANION_HOME=/my data/50%", False, '"CASHBACK_COMPANION_HOME=/my data/50%%"'),
    ],
)
def test_systemd_quoting(value: str, in_exec: bool, written: str) -> None:
    assert systemd.quote(value, in_exec=in_exec) == written


def test_systemd_unit() -> None:
    assert systemd.definition(SPEC, HOST).decode() == (
        "# Written by `cashback-companion service install`; `service uninstall` removes it.\n"
        "[Unit]\n"
        "Description=Cashback Guard companion: the browser extension's cashback log on this computer\n"
        "StartLimitIntervalSec=60\n"
        "StartLimitBurst=5\n"
        "\n"
        "[Service]\n"
        "Type=exec\n"
        "ExecStart=/opt/venv/bin/python -m companion serve --port 47615\n"
        "Restart=on-failure\n"
        "RestartSec=5\n"
        "NoNewPrivileges=yes\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


@pytest.mark.parametrize(
    ("service", "lines"),
    [
        (spec(port=50000), ["ExecStart=/opt/venv/bin/python -m companion serve --port 50000"]),
        (
            spec(python="/home/ann/my apps/python", home="/home/ann/cash back"),
            [
                'ExecStart="/home/ann/my apps/python" -m companion serve --port 47615',
                'Environment="CASHBACK_COMPANION_HOME=/home/ann/cash back"',
            ],
        ),
    ],
)
def test_systemd_unit_lines(service: ServiceSpec, lines: list[str]) -> None:
    unit = systemd.definition(service, HOST).decode().splitlines()
    for line in lines:
        assert line in unit


def test_systemd_unit_path_follows_xdg_config_home() -> None:
    assert systemd.definition_path(HOST) == Path(
        "/home/ann/.config/systemd/user/cashback-companion.service"
    )


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
@pytest.mark.parametrize("awkward", [False, True])
def test_systemd_analyze_accepts_the_unit(tmp_path: Path, awkward: bool) -> None:
    """systemd reads the unit as written: no warnings, and ExecStart names a real program.

    The awkward case puts the program in a folder with a space and the data in one with a
    space, a % and a $: quoted wrongly, systemd would look for a program that is not there.
    """
    python = sys.executable
    home = None
    if awkward:
        folder = tmp_path / "my apps"
        folder.mkdir()
        (folder / "python").symlink_to(sys.executable)
        python = str(folder / "python")
        home = str(tmp_path / "cash back 100% $HOME")
    unit = tmp_path / systemd.UNIT
    unit.write_bytes(systemd.definition(spec(python=python, home=home), HOST))
    # System mode: the user mode needs a running user manager, which CI containers lack; the
    # parsing is the same.
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert str(unit.name) not in done.stderr, done.stderr


# launchd


def test_launchd_plist() -> None:
    agent = plistlib.loads(launchd.definition(spec(home="/Users/ann/cb"), HOST))
    assert agent == {
        "Label": "local.cashback-guard.companion",
        "ProgramArguments": [PYTHON, "-m", "companion", "serve", "--port", "47615"],
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "StandardOutPath": "/home/ann/Library/Logs/cashback-companion.log",
        "StandardErrorPath": "/home/ann/Library/Logs/cashback-companion.log",
        "EnvironmentVariables": {"CASHBACK_COMPANION_HOME": "/Users/ann/cb"},
    }


def test_launchd_plist_without_environment() -> None:
    assert "EnvironmentVariables" not in plistlib.loads(launchd.definition(SPEC, HOST))


def test_launchd_agent_path() -> None:
    assert launchd.definition_path(HOST) == Path(
        "/home/ann/Library/LaunchAgents/local.cashback-guard.companion.plist"
    )


# Windows


def task(service: ServiceSpec = SPEC) -> ET.Element:
    content = schtasks.definition(service, HOST)
    assert content.startswith(b"\xff\xfe")  # UTF-16 with its byte-order mark
    return ET.fromstring(content.decode("utf-16"))


def test_task_xml() -> None:
    ns = {"t": schtasks.NAMESPACE}
    root = task(spec(python="C:\\Program Files\\Python\\pythonw.exe"))
    assert root.findtext("t:Triggers/t:LogonTrigger/t:UserId", namespaces=ns) == "HOMEPC\\ann"
    assert root.findtext("t:Principals/t:Principal/t:UserId", namespaces=ns) == "HOMEPC\\ann"
    assert root.findtext("t:Principals/t:Principal/t:LogonType", namespaces=ns) == (
        "InteractiveToken"
    )
    assert root.findtext("t:Principals/t:Principal/t:RunLevel", namespaces=ns) == "LeastPrivilege"
    assert root.findtext("t:Settings/t:ExecutionTimeLimit", namespaces=ns) == "PT0S"
    assert root.findtext("t:Settings/t:MultipleInstancesPolicy", namespaces=ns) == "IgnoreNew"
    assert root.findtext("t:Actions/t:Exec/t:Command", namespaces=ns) == (
        "C:\\Program Files\\Python\\pythonw.exe"
    )
    assert root.findtext("t:Actions/t:Exec/t:Arguments", namespaces=ns) == (
        "-m companion serve --port 47615"
    )


def test_task_xml_escapes_what_it_is_given() -> None:
    odd = Host(HOST.home, HOST.config_home, HOST.local_app_data, 0, "R&D\\<ann>")
    root = ET.fromstring(schtasks.definition(SPEC, odd).decode("utf-16"))
    assert root.findtext(f".//{{{schtasks.NAMESPACE}}}UserId") == "R&D\\<ann>"


def test_task_refuses_environment_it_cannot_carry() -> None:
    with pytest.raises(ServiceError, match="CASHBACK_COMPANION_HOME"):
        schtasks.definition(spec(home="C:\\cb"), HOST)


# Reading the port back, for `service status`.


@pytest.mark.parametrize("platform", [systemd, launchd, schtasks], ids=lambda p: p.KIND)
@pytest.mark.parametrize(
    "service",
    [spec(), spec(port=50123), spec(python="/home/ann/my apps/python", port=1024)],
)
def test_installed_port_reads_back_what_was_written(
    platform: Platform, service: ServiceSpec
) -> None:
    assert platform.installed_port(platform.definition(service, HOST)) == service.port


@pytest.mark.parametrize("platform", [systemd, launchd, schtasks], ids=lambda p: p.KIND)
@pytest.mark.parametrize(
    "content", [b"", b"garbage", b"\xff\xfe<", b"ExecStart=x", b'ExecStart="open --port 1']
)
def test_installed_port_of_something_else_is_none(platform: Platform, content: bytes) -> None:
    assert platform.installed_port(content) is None
