"""An open-loop HTTP load generator: requests leave on a fixed schedule, whatever the answers do.

A closed loop (send, wait, send) slows down with the server and hides its slow moments; here a
scheduler releases request number ``i`` at ``start + i / rate`` and a pool of keep-alive
connections sends each as soon as one is free. Latency is timed from the moment a request is
written until its whole answer is read; how long requests waited for a free connection is kept
apart (``queued``), so a run where the generator could not keep the schedule shows it.

HTTP/1.1 is spoken directly over asyncio streams, not through a client library, so the
generator's own cost per request stays small beside the server's.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    rate: float
    duration: float
    latencies: list[float] = field(default_factory=list)  # seconds, measured requests only
    queued: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0

    def add(self, other: LoadResult) -> None:
        """Fold in another run of the same load (one more slice of an interleaved run)."""
        self.duration += other.duration
        self.latencies += other.latencies
        self.queued += other.queued
        self.statuses.update(other.statuses)
        self.errors += other.errors

    def percentile(self, p: float, values: list[float] | None = None) -> float:
        ordered = sorted(self.latencies if values is None else values)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def get_request(port: int, path: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def run_open_loop(
    port: int,
    requests: list[bytes],
    rate: float,
    duration: float,
    warmup: float = 2.0,
    connections: int = 32,
) -> LoadResult:
    """Send ``requests`` round-robin at ``rate`` a second for ``warmup + duration`` seconds; only
    requests scheduled after the warm-up are measured."""
    result = LoadResult(rate, duration)
    queue: asyncio.Queue[tuple[float, bytes, bool] | None] = asyncio.Queue()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while (job := await queue.get()) is not None:
                scheduled, request, measured = job
                sent = time.perf_counter()
                try:
                    status = await _exchange(reader, writer, request)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    result.errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                if measured:
                    result.latencies.append(time.perf_counter() - sent)
                    result.queued.append(sent - scheduled)
                    result.statuses[status] += 1
        finally:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    total = int((warmup + duration) * rate)
    first_measured = int(warmup * rate)
    gc.disable()  # a collection in the generator would show up as the server's latency
    try:
        start = time.perf_counter()
        for number in range(total):
            due = start + number / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((due, requests[number % len(requests)], number >= first_measured))
        for _ in workers:
            queue.put_nowait(None)
        await asyncio.gather(*workers)
    finally:
        gc.enable()
    return result
