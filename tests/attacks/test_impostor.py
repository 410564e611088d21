"""The CLI never hands the API token to whoever listens where it looks for the companion.

Any local program can take the companion's default port before it starts, or a port a stale
port file still names; and urllib sends even loopback requests through ``http_proxy``. ``pair``,
``doctor`` and ``serve`` ask that port whether it is this data directory's companion: they must
get their answer by a challenge the real one answers with a MAC of the token, never by sending
the token. Each listener here is an impostor that answers like a companion and writes down
every request it gets.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from companion.config import PORT_FILENAME
from tests.conftest import free_port
from tests.e2e.harness import Companion


class Impostor:
    """An HTTP listener on 127.0.0.1 that answers ``/api/v1/health`` as a companion would, and
    anything else with a made-up proof; ``heard`` holds each request's line and headers."""

    def __init__(self, proves: bool = True) -> None:
        heard: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                heard.append(f"{self.requestline}\n{self.headers}")
                status = 200
                if self.path.startswith("/api/v1/health"):
                    body: dict[str, object] = {"status": "ok", "version": "0.1.0", "api": 1}
                elif proves:
                    body = {"proof": "0" * 64, "partner": None}
                else:  # knows no such address, as a companion from before /identify would not
                    status, body = 404, {"error": {"code": "not_found"}}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.heard = heard
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Impostor:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(params=[True, False], ids=["wrong proof", "no identify"])
def impostor(request: pytest.FixtureRequest) -> Iterator[Impostor]:
    with Impostor(proves=request.param) as listening:
        yield listening


def run(companion: Companion, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "companion", *args],
        env={**companion.env, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_listener_on_the_written_port_never_gets_the_token(
    tmp_path: Path, impostor: Impostor
) -> None:
    """A stale port file names a port an impostor holds: pair, doctor and serve ask it who it
    is, and take it for no companion of theirs, without giving it the token."""
    stopped = Companion(tmp_path, free_port())
    token = stopped.cli("token").strip()
    (tmp_path / PORT_FILENAME).write_text(f"{impostor.port}\n")

    paired = run(stopped, "pair")
    assert paired.returncode == 0, paired.stderr
    assert "no companion is running for" in paired.stderr
    said = json.loads(run(stopped, "doctor", "--json").stdout)["companion"]
    assert said.startswith(f"not running: 127.0.0.1:{impostor.port} answers, but not as")
    # No login link for it: the link works wherever it is opened.
    opened = run(stopped, "open", "--print")
    assert opened.returncode != 0
    assert "/login?token=" not in opened.stdout + opened.stderr
    assert "no login link made" in opened.stderr
    stopped.start()  # not refused as "already running"
    stopped.stop()

    assert len(impostor.heard) >= 4  # it was asked each time
    assert not [request for request in impostor.heard if token in request]
    assert not [request for request in impostor.heard if "Authorization" in request]


def test_an_http_proxy_in_the_environment_gets_nothing(tmp_path: Path, impostor: Impostor) -> None:
    """The companion runs; http_proxy names the impostor: the CLI still asks the companion."""
    running = Companion(tmp_path, free_port())
    running.start()
    try:
        proxy = f"http://127.0.0.1:{impostor.port}"
        paired = run(running, "pair", http_proxy=proxy, HTTP_PROXY=proxy, no_proxy="")
        assert paired.returncode == 0, paired.stderr
        assert paired.stderr == ""  # its own companion answered
        said = json.loads(run(running, "doctor", "--json", http_proxy=proxy).stdout)
        assert said["companion"].startswith(f"running on 127.0.0.1:{running.port}")
    finally:
        running.stop()
    assert impostor.heard == []
