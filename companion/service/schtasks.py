"""Windows: a scheduled task of the shopper's own, started at their logon.

``schtasks /Create /XML`` takes the task as Task Scheduler XML in UTF-16; the task runs
``pythonw.exe`` so no console window stays open.
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from companion.service.host import Host
from companion.service.plan import RemoveFile, Run, ServiceError, ServiceSpec, Step, WriteFile

KIND = "scheduled task"
WHERE_TO_LOOK = "the task's History tab in Task Scheduler says why"
TASK = "CashbackGuardCompanion"
PREFLIGHT: tuple[str, ...] | None = None
NO_MANAGER = ""
NAMESPACE = "http://schemas.microsoft.com/windows/2004/02/mit/task"


def definition_path(host: Host) -> Path:
    return host.local_app_data / "cashback-companion-service" / f"{TASK}.xml"


def _element(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = text
    return child


def definition(spec: ServiceSpec, host: Host) -> bytes:
    if spec.environment:
        # Task Scheduler has no per-task environment.
        names = ", ".join(name for name, _ in spec.environment)
        raise ServiceError(
            f"a scheduled task cannot carry environment variables ({names}); "
            "unset them to install the service with the default data directory"
        )
    task = ET.Element("Task", {"version": "1.2", "xmlns": NAMESPACE})
    info = _element(task, "RegistrationInfo")
    _element(info, "Description", "Cashback Guard companion: the browser extension's cashback log")
    logon = _element(_element(task, "Triggers"), "LogonTrigger")
    _element(logon, "Enabled", "true")
    _element(logon, "UserId", host.user)
    principal = ET.SubElement(_element(task, "Principals"), "Principal", {"id": "Author"})
    _element(principal, "UserId", host.user)
    _element(principal, "LogonType", "InteractiveToken")
    _element(principal, "RunLevel", "LeastPrivilege")
    settings = _element(task, "Settings")
    for tag, text in (
        ("MultipleInstancesPolicy", "IgnoreNew"),
        ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"),
        ("ExecutionTimeLimit", "PT0S"),  # runs for the whole session
        ("Enabled", "true"),
    ):
        _element(settings, tag, text)
    restart = _element(settings, "RestartOnFailure")
    _element(restart, "Interval", "PT1M")
    _element(restart, "Count", "3")
    run = _element(ET.SubElement(task, "Actions", {"Context": "Author"}), "Exec")
    _element(run, "Command", spec.argv[0])
    _element(run, "Arguments", subprocess.list2cmdline(spec.argv[1:]))
    document = '<?xml version="1.0" encoding="UTF-16"?>\n' + ET.tostring(task, encoding="unicode")
    return document.encode("utf-16")  # with the byte-order mark schtasks expects


def installed_port(content: bytes) -> int | None:
    try:
        task = ET.fromstring(content.decode("utf-16"))  # noqa: S314 (our own file)
    except (ET.ParseError, UnicodeDecodeError):
        return None
    arguments = task.findtext(f".//{{{NAMESPACE}}}Arguments") or ""
    found = re.search(r"--port\s+(\d+)", arguments)
    return int(found.group(1)) if found else None


def loaded_query(host: Host) -> tuple[str, ...]:
    return ("schtasks", "/Query", "/TN", TASK)


def install_plan(spec: ServiceSpec, host: Host, current: bytes | None, loaded: bool) -> list[Step]:
    content = definition(spec, host)
    path = definition_path(host)
    steps: list[Step] = []
    if current != content:
        steps.append(WriteFile(path, content))
    if current != content or not loaded:
        steps.append(Run(("schtasks", "/Create", "/TN", TASK, "/XML", str(path), "/F")))
    if current is not None and current != content and loaded:
        # The running companion keeps its old command line until it is stopped.
        steps.append(Run(("schtasks", "/End", "/TN", TASK), may_fail=True))
    # Starts it now; with IgnoreNew a running task is left as it is.
    steps.append(Run(("schtasks", "/Run", "/TN", TASK)))
    return steps


def uninstall_plan(host: Host, current: bytes | None, loaded: bool) -> list[Step]:
    steps: list[Step] = []
    if loaded:
        steps.append(Run(("schtasks", "/End", "/TN", TASK), may_fail=True))
        steps.append(Run(("schtasks", "/Delete", "/TN", TASK, "/F")))
    if current is not None:
        steps.append(RemoveFile(definition_path(host)))
    return steps
