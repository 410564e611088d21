"""One companion per data directory: a second ``serve`` on the same one refuses to start, and
the first keeps its port file (which ``open``, ``doctor`` and ``service status`` read)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from companion.config import PORT_FILENAME
from tests.conftest import free_port
from tests.e2e.harness import Companion


def test_a_second_companion_on_the_same_data_is_refused(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    first = Companion(tmp_path / "home", free_port())
    first.start()
    try:
        second_port = free_port()
        second = subprocess.run(
            [sys.executable, "-m", "companion", "serve", "--port", str(second_port)],
            env=first.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert second.returncode != 0
        assert f"already running on 127.0.0.1:{first.port}" in second.stderr, second.stderr
        assert (first.home / PORT_FILENAME).read_text().strip() == str(first.port)
        assert first.healthy()
    finally:
        first.stop()
    assert not (first.home / PORT_FILENAME).exists()


def test_a_port_file_left_by_a_killed_companion_does_not_block_the_next(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    first = Companion(tmp_path / "home", free_port())
    first.start()
    assert first.process is not None
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=15)
    first.process = None
    assert (first.home / PORT_FILENAME).exists()  # nobody removed it
    after = Companion(first.home, free_port())
    after.start()
    try:
        assert (after.home / PORT_FILENAME).read_text().strip() == str(after.port)
    finally:
        after.stop()


def test_another_data_directorys_companion_on_the_old_port_does_not_block(tmp_path: Path) -> None:
    """B's port file names a port A's companion took since: B's serve starts on its own port."""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    first = Companion(tmp_path / "a", free_port())
    first.start()
    try:
        (tmp_path / "b" / PORT_FILENAME).write_text(f"{first.port}\n")
        # doctor and pair for B tell A's companion from B's own.
        other = Companion(tmp_path / "b", free_port())
        said = other.cli_json("doctor")["companion"]
        assert said.startswith(f"not running: 127.0.0.1:{first.port} answers, but not as this")
        assert "note: no companion is running for" in pair_stderr(other)
        assert pair_stderr(first) == ""  # its own companion runs
        other.start()
        other.stop()
    finally:
        first.stop()


def pair_stderr(companion: Companion) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "companion", "pair"],
        env=companion.env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stderr
