"""The edge: the only code that touches the file system or runs the service manager's commands.

Tests give the runner their own ``execute`` (which records commands and answers as told) and
plans whose paths lie in a temp dir; the shopper's runner runs the real commands.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from companion.service.plan import RemoveFile, Run, ServiceError, Step, WriteFile

COMMAND_TIMEOUT_S = 60


@dataclass(frozen=True)
class Completed:
    returncode: int
    output: str


def execute(argv: Sequence[str]) -> Completed:
    """Run a system command, never raising: a missing program is exit status 127, as in a shell."""
    try:
        done = subprocess.run(  # noqa: S603 (argv built by our own plans, no shell)
            list(argv),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        return Completed(127, f"{argv[0]}: command not found")
    except subprocess.TimeoutExpired:
        return Completed(124, f"{argv[0]}: no answer within {COMMAND_TIMEOUT_S} s")
    return Completed(done.returncode, (done.stdout + done.stderr).strip())


class Runner:
    def __init__(self, execute: Callable[[Sequence[str]], Completed] = execute) -> None:
        self._execute = execute

    def read(self, path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def query(self, argv: Sequence[str]) -> Completed:
        return self._execute(argv)

    def apply(self, steps: Iterable[Step]) -> None:
        for step in steps:
            if isinstance(step, WriteFile):
                step.path.parent.mkdir(parents=True, exist_ok=True)
                # Written beside and renamed: the service manager never reads half a file.
                partial = step.path.with_name(f".{step.path.name}.partial")
                partial.write_bytes(step.content)
                os.replace(partial, step.path)
            elif isinstance(step, RemoveFile):
                step.path.unlink(missing_ok=True)
            else:
                self._run(step)

    def _run(self, step: Run) -> None:
        done = self._execute(step.argv)
        if done.returncode != 0 and not step.may_fail:
            raise ServiceError(f"`{' '.join(step.argv)}` failed: {done.output or done.returncode}")
