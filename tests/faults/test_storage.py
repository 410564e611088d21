"""A data directory the companion cannot write to: read-only, or full.

Read-only is a read-only bind mount of the data directory when this process may mount (root),
and ``chmod a-w`` otherwise (which root would ignore). Full is a small tmpfs filled to the brim
when mounting is permitted, and otherwise, or as well, ``RLIMIT_FSIZE`` set on the running
companion (``prlimit``), which makes a write past the limit fail with EFBIG as a full disk does
with ENOSPC. Whatever the cause: a refusal that says so, nothing acknowledged lost, no
corruption, and the companion works again once space is back.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.e2e.harness import Companion
from tests.faults.conftest import Client, database, events_for, integrity, make_click

DISK_BYTES = 4 * 1024 * 1024
LEFT_FREE = 128 * 1024


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"mounting is not permitted here: {done.stderr.strip()}")


def _umount(path: Path) -> None:
    done = subprocess.run(["umount", str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # Leave no mount behind, then say what held it (a companion still running, say).
        subprocess.run(["umount", "--lazy", str(path)], check=False)
        raise AssertionError(f"could not unmount {path}: {done.stderr.strip()}")


@contextlib.contextmanager
def read_only(directory: Path) -> Iterator[None]:
    if os.geteuid() != 0:
        directory.chmod(0o500)
        try:
            yield
        finally:
            directory.chmod(0o700)
        return
    _mount("--bind", str(directory), str(directory))
    try:
        _mount("-o", "remount,bind,ro", str(directory))
        yield
    finally:
        _umount(directory)


def run(companion: Companion, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "companion", *args],
        env=companion.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def snapshot(home: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(home.glob("companion.sqlite3*"))
    }


def assert_one_clear_line(done: subprocess.CompletedProcess[str], names: Path) -> str:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("cashback-companion: ")
    assert str(names) in lines[0]
    return lines[0]


@pytest.fixture
def used_home(companion: Companion) -> tuple[Companion, str]:
    """A companion that has stored a click and was stopped cleanly: something to lose."""
    companion.start()
    client = Client(companion, companion.cli("token").strip())
    status, body = make_click(client, 1)
    assert status == 200
    client.close()
    companion.stop()
    return companion, body["click_id"]


READ_ONLY_COMMANDS = [
    ("serve", "--port", "{port}"),
    ("log",),
    ("pair",),
    ("catalog", "list"),
    ("catalog", "import", "{catalog}"),
]


def test_read_only_data_directory(used_home: tuple[Companion, str], tmp_path: Path) -> None:
    companion, click_id = used_home
    catalog = tmp_path / "catalog.json"
    catalog.write_text(
        Path(__file__).parents[2].joinpath("companion/catalog/bundled.json").read_text()
    )
    before = snapshot(companion.home)
    with read_only(companion.home):
        answers = {
            " ".join(command[:2]): run(
                companion, *(part.format(port=free_port(), catalog=catalog) for part in command)
            )
            for command in READ_ONLY_COMMANDS
        }
    for command, done in answers.items():
        try:
            assert_one_clear_line(done, companion.home)
        except AssertionError as failure:
            raise AssertionError(f"`cashback-companion {command}`: {failure}") from failure
    assert snapshot(companion.home) == before, "a refused command changed the database"
    companion.start()
    assert integrity(companion.home) == "ok"
    with database(companion.home) as db:
        assert db.execute("SELECT 1 FROM clicks WHERE click_id = ?", (click_id,)).fetchone()


def test_read_only_refusal_says_read_only(used_home: tuple[Companion, str]) -> None:
    companion, _ = used_home
    with read_only(companion.home):
        line = assert_one_clear_line(run(companion, "log"), companion.home)
    assert "read-only" in line.lower() or "not writable" in line.lower(), line


def test_a_data_directory_that_cannot_be_made(tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    companion = Companion(parent / "home", free_port())
    with read_only(parent):
        assert_one_clear_line(run(companion, "log"), companion.home)


class Disk:
    """Where the companion's data lives, and a way to fill it up and to free it again."""

    def __init__(self, how: str, root: Path) -> None:
        self.how = how
        self.root = root
        self.home = root / "home"

    def fill(self, companion: Companion) -> None:
        if self.how == "tmpfs":
            free = os.statvfs(self.root).f_bavail * os.statvfs(self.root).f_frsize
            (self.root / "filler").write_bytes(b"\0" * max(0, free - LEFT_FREE))
        else:
            assert companion.process is not None
            largest = max(path.stat().st_size for path in self.home.iterdir())
            limit = largest + LEFT_FREE
            # The soft limit only: raising it back needs no privilege.
            limits = (limit, resource.RLIM_INFINITY)
            resource.prlimit(companion.process.pid, resource.RLIMIT_FSIZE, limits)

    def free(self, companion: Companion) -> None:
        if self.how == "tmpfs":
            (self.root / "filler").unlink()
        else:
            assert companion.process is not None
            unlimited = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
            resource.prlimit(companion.process.pid, resource.RLIMIT_FSIZE, unlimited)


@pytest.fixture(params=["tmpfs", "rlimit"])
def disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Disk]:
    root = tmp_path / "disk"
    root.mkdir()
    if request.param == "tmpfs":
        _mount("-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(root))
    made = Disk(request.param, root)
    made.home.mkdir()
    try:
        yield made
    finally:
        if request.param == "tmpfs":
            _umount(root)


def write_until_refused(client: Client, acked: list[str]) -> list[tuple[int, Any]]:
    refusals: list[tuple[int, Any]] = []
    deadline = time.monotonic() + 30
    number = 0
    while len(refusals) < 5 and time.monotonic() < deadline:
        number += 1
        status, body = make_click(client, number)
        if status == 200:
            acked.append(body["click_id"])
        else:
            refusals.append((status, body))
    return refusals


def test_full_disk_while_running(disk: Disk) -> None:
    companion = Companion(disk.home, free_port())
    companion.start()
    try:
        client = Client(companion, companion.cli("token").strip())
        acked: list[str] = []
        for number in range(20):
            status, body = make_click(client, number)
            assert status == 200
            acked.append(body["click_id"])
        disk.fill(companion)
        refusals = write_until_refused(client, acked)
        assert refusals, "the disk never filled up"
        for status, body in refusals:
            assert 500 <= status < 600, (status, body)
            assert set(body) == {"error"}, body
            assert body["error"]["message"], body
        # A batch refused on a full disk is refused whole: none of it appears later.
        batch = events_for(acked[:5], 200)
        status, _ = client.request("POST", "/api/v1/events", {"events": batch})
        refused_events = {e["id"] for e in batch} if status != 200 else set()
        # Reading goes on while the disk is full.
        assert client.request("GET", "/api/v1/clicks?limit=5")[0] == 200
        disk.free(companion)
        status, body = make_click(client, 0)
        assert status == 200, "the companion did not recover once space was back"
        acked.append(body["click_id"])
        client.close()
        companion.stop()
        companion.start()
        assert integrity(disk.home) == "ok"
        with database(disk.home) as db:
            clicks = {row[0] for row in db.execute("SELECT click_id FROM clicks")}
            events = {row[0] for row in db.execute("SELECT id FROM events")}
        assert set(acked) <= clicks, "an acknowledged click was lost"
        assert not refused_events & events, "part of a refused batch was stored"
    finally:
        companion.stop()


def test_full_disk_refusal_says_so(disk: Disk) -> None:
    if disk.how != "tmpfs":
        pytest.skip("EFBIG is SQLite's 'disk I/O error', not 'full'")
    companion = Companion(disk.home, free_port())
    companion.start()
    try:
        client = Client(companion, companion.cli("token").strip())
        disk.fill(companion)
        refusals = write_until_refused(client, [])
        client.close()
    finally:
        companion.stop()
    _, body = refusals[0]
    assert body["error"]["code"] != "internal", body
    assert any(word in body["error"]["message"] for word in ("full", "space")), body


def test_catalog_import_on_a_full_disk(disk: Disk, tmp_path: Path) -> None:
    if disk.how != "tmpfs":
        pytest.skip("the CLI is a new process: RLIMIT_FSIZE would need setting at its start")
    from benchmarks.catalog import build_catalog, write_catalog

    companion = Companion(disk.home, free_port())
    before = run(companion, "catalog", "list").stdout
    disk.fill(companion)
    catalog = write_catalog(tmp_path / f"{uuid.uuid4().hex}.json", build_catalog(3000))
    done = run(companion, "catalog", "import", str(catalog))
    disk.free(companion)
    assert run(companion, "catalog", "list").stdout == before
    assert_one_clear_line(done, companion.home)
