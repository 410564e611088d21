"""Real processes for the benchmarks: the companion as a shopper starts it, and a bare server.

The companion is ``tests/e2e/harness.py``'s :class:`Companion` (``python -m companion serve`` on
a free port with its own data directory), timed to the millisecond here: its first answer from
``/api/v1/health`` is what "cold start" means.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.e2e.harness import Companion, wait_until

ROOT = Path(__file__).resolve().parents[1]


class TimedCompanion(Companion):
    """A companion process whose start is timed; ``cold_start`` is seconds until health answered."""

    cold_start: float = 0.0

    def start(self, timeout: float = 120) -> None:
        log = (self.home / "companion.log").open("ab")
        began = time.perf_counter()
        self.process = subprocess.Popen(  # noqa: S603 (this interpreter, our own module)
            [sys.executable, "-m", "companion", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(self.healthy, timeout, "/api/v1/health to answer", interval=0.002)
        except AssertionError as failure:
            self.stop()
            log_tail = (self.home / "companion.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the companion did not start: {failure}\n{log_tail}") from None
        self.cold_start = time.perf_counter() - began

    def token(self) -> str:
        return self.cli("token").strip()

    def memory(self) -> dict[str, int]:
        """Resident set now (VmRSS) and its peak so far (VmHWM), in bytes, from /proc."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text(encoding="ascii")
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return {key: int(fields[key].split()[0]) * 1024 for key in ("VmRSS", "VmHWM")}


class BareServer:
    """``benchmarks/bare_server.py``: one aiohttp handler, started the way the companion is."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (this interpreter, our own module)
            [sys.executable, "-m", "benchmarks.bare_server", str(self.port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/match?url=x", timeout=1):
                    return True
            except OSError:
                return False

        wait_until(answers, 30, "the bare server to answer", interval=0.01)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None
