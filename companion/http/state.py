"""What the running server holds: the database, the token, and the partner index.

All database work runs on one thread (Datasette's pattern): SQLite allows one writer at a
time anyway, a single thread keeps the event loop free while a commit waits on the disk, and
the connection never crosses threads. The partner index lives in memory, so matching never
touches the database; a background task notices a new catalog (imported by the CLI, a separate
process) and swaps in a new index.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from companion.catalog.store import ensure_index, load_index, stored_version
from companion.config import db_path
from companion.security.token import Token, load_or_create
from companion.storage.db import Readers, connect
from companion.tracking.matcher import PartnerIndex

P = ParamSpec("P")
R = TypeVar("R")

CATALOG_POLL_SECONDS = 1.0


@dataclass
class CompanionState:
    home: Path
    port: int
    token: Token
    conn: sqlite3.Connection
    index: PartnerIndex
    # Partner records are read on whichever thread matches a URL (see matcher.py).
    readers: Readers
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
    )

    @classmethod
    def open(cls, home: Path, port: int) -> CompanionState:
        conn = connect(db_path(home))
        readers = Readers(db_path(home))
        return cls(
            home=home,
            port=port,
            token=load_or_create(home),
            conn=conn,
            index=ensure_index(conn, readers),
            readers=readers,
        )

    async def db(
        self,
        work: Callable[Concatenate[sqlite3.Connection, P], R],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """Run ``work(conn, ...)`` on the database thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: work(self.conn, *args, **kwargs))

    async def watch_catalog(self) -> None:
        """Swap in a new index whenever the stored catalog changes."""
        while True:
            await asyncio.sleep(CATALOG_POLL_SECONDS)
            version = await self.db(stored_version)
            if version is not None and version != self.index.version:
                index = await self.db(load_index, self.readers)
                if index is not None:
                    self.index = index

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.readers.close()
        self.conn.close()
