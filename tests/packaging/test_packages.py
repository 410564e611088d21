"""``make package`` builds what a shopper installs, and the companion's wheel runs on its own.

The wheel is installed into a fresh venv in a temp dir (its dependencies from the package
index, as pipx would) and run from a directory that is not this checkout: the catalog, and
everything else the companion reads, must come from inside the package. About 30 s, so it is
part of ``make test``.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.packaging.test_versions import VERSION

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extension"
CHROMIUM_ZIP = f"cashback-guard-{VERSION}-chromium.zip"
FIREFOX_XPI = f"cashback-guard-{VERSION}-firefox.xpi"
# The wheel holds the compiled host table (setup.py), so it is for this Python and platform.
_PYTHON = f"cp{sys.version_info.major}{sys.version_info.minor}"
_PLATFORM = sysconfig.get_platform().replace("-", "_").replace(".", "_")
WHEEL = f"cashback_companion-{VERSION}-{_PYTHON}-{_PYTHON}-{_PLATFORM}.whl"
SDIST = f"cashback_companion-{VERSION}.tar.gz"


def run(
    *argv: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> str:
    done = subprocess.run(
        [str(arg) for arg in argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    assert done.returncode == 0, f"{' '.join(map(str, argv))}: {done.stdout}{done.stderr}"
    return done.stdout


def _package(out: Path) -> Path:
    run("make", "--no-print-directory", "package", f"DIST={out}", cwd=ROOT, timeout=300)
    return out


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``make package`` built, once a session."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return _package(tmp_path_factory.mktemp("dist"))
    # Under pytest-xdist (make unit) each worker may ask, and two builds at once break each
    # other (the Makefile removes *.egg-info in the checkout, which the other build is
    # writing): one builds in the workers' common temp dir while the other waits, then uses it.
    common = tmp_path_factory.getbasetemp().parent
    out, built = common / "dist", common / "dist.built"
    with (common / "dist.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            _package(out)
            built.touch()
    return out


def test_one_file_for_each_way_to_install(dist: Path) -> None:
    assert sorted(path.name for path in dist.iterdir()) == sorted(
        [CHROMIUM_ZIP, FIREFOX_XPI, WHEEL, SDIST]
    )


@pytest.mark.parametrize("name", [CHROMIUM_ZIP, FIREFOX_XPI])
def test_the_extension_packages_hold_the_extension_as_loaded_unpacked(
    dist: Path, name: str
) -> None:
    with zipfile.ZipFile(dist / name) as package:
        packed = {name for name in package.namelist() if not name.endswith("/")}
        manifest = json.loads(package.read("manifest.json"))
    unpacked = {
        path.relative_to(EXTENSION).as_posix() for path in EXTENSION.rglob("*") if path.is_file()
    }
    assert packed == unpacked
    assert manifest["version"] == VERSION


def test_the_wheel_carries_the_companion_and_its_data_only(dist: Path) -> None:
    with zipfile.ZipFile(dist / WHEEL) as wheel:
        names = wheel.namelist()
    in_checkout = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "companion").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".c"
    }
    # Templates, static files and the bundled catalog too, not only the code.
    assert in_checkout - set(names) == set()
    assert {name.split("/")[0] for name in names} == {
        "companion",
        f"cashback_companion-{VERSION}.dist-info",
    }


def test_the_sdist_builds_the_compiled_table_from_its_source(dist: Path) -> None:
    with tarfile.open(dist / SDIST) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {
        "setup.py",
        "companion/tracking/_hostwalk.c",
        "companion/tracking/_hostwalk.pyi",
    } <= names


def test_the_installed_companion_needs_nothing_from_this_checkout(
    dist: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, timeout=120)
    run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", dist / WHEEL, timeout=300)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
        "CASHBACK_COMPANION_HOME": str(tmp_path / "home"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    companion = venv / "bin" / "cashback-companion"

    imported = run(
        venv / "bin" / "python",
        "-c",
        "import companion; print(companion.__file__)",
        cwd=elsewhere,
        env=env,
    )
    assert Path(imported.strip()).is_relative_to(venv), imported
    compiled = run(
        venv / "bin" / "python",
        "-c",
        "from companion.tracking import hostwalk; print(hostwalk.COMPILED)",
        cwd=elsewhere,
        env=env,
    )
    assert compiled.strip() == "True"

    listing = json.loads(run(companion, "catalog", "list", "--json", cwd=elsewhere, env=env))
    assert listing["source"] == "bundled"
    assert listing["catalog"]["partners"]

    status = json.loads(run(companion, "service", "status", "--json", cwd=elsewhere, env=env))
    assert set(status) >= {"service", "port", "companion"}

    port = free_port()
    server = subprocess.Popen(
        [companion, "serve", "--port", str(port)],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        health = _wait_for_health(port)
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert health == {"status": "ok", "version": VERSION, "api": 1}


def _wait_for_health(port: int, timeout: float = 20) -> object:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/api/v1/health", timeout=1
            ) as answer:
                return json.load(answer)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
