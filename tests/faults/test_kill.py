"""``kill -9`` of the companion while clicks, redirects and events stream in.

Every write the companion acknowledged must be in the database after the restart, and the
database must pass ``PRAGMA integrity_check``. Three rounds here; ``make soak`` runs rounds for
two minutes.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
from collections.abc import Callable

import pytest

from tests.e2e.harness import Companion
from tests.faults.conftest import Acknowledged, Client, database, events_for, integrity, make_click

CLIENT_ERRORS = (OSError, ConnectionError, ValueError)


def _clicker(companion: Companion, token: str, acked: Acknowledged, stop: threading.Event) -> None:
    client = Client(companion, token)
    number = 0
    with contextlib.suppress(*CLIENT_ERRORS):
        while not stop.is_set():
            number += 1
            status, body = make_click(client, number)
            if status == 200:
                with acked.lock:
                    acked.clicks.add(body["click_id"])
    client.close()


def _follower(companion: Companion, token: str, acked: Acknowledged, stop: threading.Event) -> None:
    client = Client(companion, token)
    with contextlib.suppress(*CLIENT_ERRORS):
        while not stop.is_set():
            with acked.lock:
                candidates = sorted(acked.clicks - acked.followed)
            if not candidates:
                time.sleep(0.005)
                continue
            click_id = random.choice(candidates)
            status, _ = client.request("GET", f"/go/{click_id}")
            if status == 302:
                with acked.lock:
                    acked.followed.add(click_id)
    client.close()


def _reporter(companion: Companion, token: str, acked: Acknowledged, stop: threading.Event) -> None:
    client = Client(companion, token)
    with contextlib.suppress(*CLIENT_ERRORS):
        while not stop.is_set():
            with acked.lock:
                known = sorted(acked.clicks)
            if not known:
                time.sleep(0.005)
                continue
            batch = events_for(random.sample(known, min(5, len(known))), 25)
            status, body = client.request("POST", "/api/v1/events", {"events": batch})
            if status == 200:
                rejected = {r["id"] for r in body["rejected"]}
                with acked.lock:
                    acked.events.update(e["id"] for e in batch if e["id"] not in rejected)
    client.close()


STREAMS: list[Callable[[Companion, str, Acknowledged, threading.Event], None]] = [
    _clicker,
    _clicker,
    _follower,
    _reporter,
]


def kill_rounds(companion: Companion, rounds: int, seconds: float) -> Acknowledged:
    """Start, stream, kill -9, restart, check; until ``rounds`` rounds or ``seconds`` have passed."""
    acked = Acknowledged()
    companion.start()
    token = companion.cli("token").strip()
    deadline = time.monotonic() + seconds
    done = 0
    while done < rounds and time.monotonic() < deadline:
        stop = threading.Event()
        threads = [
            threading.Thread(target=stream, args=(companion, token, acked, stop))
            for stream in STREAMS
        ]
        for thread in threads:
            thread.start()
        time.sleep(random.uniform(0.3, 1.2))
        assert companion.process is not None
        os.kill(companion.process.pid, signal.SIGKILL)
        companion.process.wait(timeout=10)
        companion.process = None
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        companion.start()
        assert_all_there(companion, acked)
        done += 1
    print(  # shown with `pytest -s`: the figures docs/reliability.md quotes
        f"{done} kill -9 rounds; acknowledged and found after restart: {len(acked.clicks)} "
        f"clicks, {len(acked.events)} events, {len(acked.followed)} redirects"
    )
    assert acked.clicks, "no click was ever acknowledged"
    assert acked.events, "no event was ever acknowledged"
    assert acked.followed, "no redirect was ever acknowledged"
    return acked


def assert_all_there(companion: Companion, acked: Acknowledged) -> None:
    assert integrity(companion.home) == "ok"
    with database(companion.home) as db:
        clicks = {row[0] for row in db.execute("SELECT click_id FROM clicks")}
        events = {row[0] for row in db.execute("SELECT id FROM events")}
        followed = {
            row[0]
            for row in db.execute("SELECT click_id FROM clicks WHERE followed_at IS NOT NULL")
        }
    assert acked.clicks <= clicks, f"lost clicks: {sorted(acked.clicks - clicks)[:5]}"
    assert acked.events <= events, f"lost events: {sorted(acked.events - events)[:5]}"
    assert acked.followed <= followed, f"lost redirects: {sorted(acked.followed - followed)[:5]}"


def test_kill_while_streaming(companion: Companion) -> None:
    acked = kill_rounds(companion, rounds=3, seconds=60)
    assert len(acked.clicks) > 20


@pytest.mark.soak
def test_kill_while_streaming_soak(companion: Companion) -> None:
    kill_rounds(companion, rounds=10_000, seconds=120)
