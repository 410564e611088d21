"""Facts about the shopper's account that say where a service definition goes and who runs it.

Gathered once at the edge (``current_host``); the platform modules only read them, so a test
builds a ``Host`` whose directories lie in a temp dir.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Host:
    home: Path
    config_home: Path  # $XDG_CONFIG_HOME, where systemd looks for user units
    local_app_data: Path  # %LOCALAPPDATA% on Windows
    uid: int  # launchd's gui/<uid> domain; 0 where the system has no uids
    user: str  # DOMAIN\name on Windows, whose logon starts the task


def current_host(environ: Mapping[str, str] = os.environ) -> Host:
    home = Path.home()
    domain = environ.get("USERDOMAIN")
    user = getpass.getuser()
    return Host(
        home=home,
        config_home=Path(environ.get("XDG_CONFIG_HOME") or home / ".config"),
        local_app_data=Path(environ.get("LOCALAPPDATA") or home / "AppData" / "Local"),
        uid=os.getuid() if hasattr(os, "getuid") else 0,
        user=f"{domain}\\{user}" if domain else user,
    )
