"""The catalog in the database: one current catalog, replaced whole on import.

It is stored twice over, in one transaction: as the document that was imported (``catalog
list``, ``doctor`` and backups read it back whole) and split the way the running companion reads
it: the head (programs, known extensions), the host table, one row per partner, and the index
the extension downloads, already as the JSON it is served as. The server starts from the split
form in a fraction of a second and keeps only the host table and the head in memory; a partner's
record is read when a match needs it (:class:`StoredPartners`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from companion.catalog.model import TRUSTED, Catalog, CatalogHead, Partner
from companion.catalog.validate import parse_catalog
from companion.clock import now_iso
from companion.storage.db import transaction
from companion.tracking.matcher import (
    Entry,
    NotInThisVersion,
    PartnerIndex,
    host_table,
    index_document,
    partner_entry,
)

_TRUSTED_CONTEXT = {TRUSTED: True}


@dataclass(frozen=True)
class StoredCatalog:
    catalog: Catalog
    version: str
    imported_at: str
    source: str


def version_of(catalog: Catalog) -> str:
    """A short content hash: the same catalog always has the same version (it is the index's ETag)."""
    return _version_of_document(catalog.model_dump_json())


def _version_of_document(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()[:12]


def bundled_catalog() -> Catalog:
    """The catalog shipped inside the package, built from the program's published texts."""
    text = resources.files("companion.catalog").joinpath("bundled.json").read_bytes()
    return parse_catalog(text)


def save_catalog(conn: sqlite3.Connection, catalog: Catalog, source: str) -> str:
    """Replace the stored catalog in one transaction; return its version."""
    # Serialised once: for a large catalog this is tens of megabytes, hashed and stored.
    document = catalog.model_dump_json()
    version = _version_of_document(document)
    with transaction(conn):
        conn.execute(
            "INSERT INTO catalog (id, version, imported_at, source, document) VALUES (1, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET version = excluded.version,"
            " imported_at = excluded.imported_at, source = excluded.source,"
            " document = excluded.document",
            (version, now_iso(), source, document),
        )
        _write_split(conn, catalog, version)
    return version


def _write_split(conn: sqlite3.Connection, catalog: Catalog, version: str) -> None:
    head = CatalogHead(name=catalog.name, programs=catalog.programs, extensions=catalog.extensions)
    programs = {program.id: program for program in catalog.programs}
    hosts = host_table(catalog.partners)
    entries = {partner.id: partner_entry(partner, programs) for partner in catalog.partners}
    index_json = json.dumps(index_document(version, hosts, entries), ensure_ascii=False)
    conn.execute(
        "INSERT INTO catalog_index (id, version, head, partner_index) VALUES (1, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET version = excluded.version, head = excluded.head,"
        " partner_index = excluded.partner_index",
        (version, head.model_dump_json(), index_json.encode()),
    )
    conn.execute("DELETE FROM catalog_hosts")
    conn.execute("DELETE FROM catalog_partners")
    conn.executemany("INSERT INTO catalog_hosts (host, partner_id) VALUES (?, ?)", hosts.items())
    conn.executemany(
        "INSERT INTO catalog_partners (id, version, category, entry, document)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            (p.id, version, p.category, json.dumps(entries[p.id]), p.model_dump_json())
            for p in catalog.partners
        ),
    )


def stored_version(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT version FROM catalog WHERE id = 1").fetchone()
    return None if row is None else str(row["version"])


def load_catalog(conn: sqlite3.Connection) -> StoredCatalog | None:
    """The whole stored catalog, validated (seconds for a catalog of 50,000 domains)."""
    row = conn.execute(
        "SELECT version, imported_at, source, document FROM catalog WHERE id = 1"
    ).fetchone()
    if row is None:
        return None
    return StoredCatalog(
        catalog=Catalog.model_validate_json(row["document"], context=_TRUSTED_CONTEXT),
        version=row["version"],
        imported_at=row["imported_at"],
        source=row["source"],
    )


def ensure_catalog(conn: sqlite3.Connection) -> StoredCatalog:
    """The stored catalog, importing the bundled one on first start."""
    stored = load_catalog(conn)
    if stored is None:
        save_catalog(conn, bundled_catalog(), source="bundled")
        stored = load_catalog(conn)
        assert stored is not None
    return stored


# A connection for the thread that asks: the server reads partner records both on its event loop
# and on its database thread, and a SQLite connection belongs to one thread.
Connection = Callable[[], sqlite3.Connection]


class StoredPartners:
    """Partner records and entries of one catalog version, read from the database when asked."""

    def __init__(self, connection: Connection, version: str) -> None:
        self._connection = connection
        self._version = version

    def _read(self, query: str, partner_id: str) -> str:
        row = self._connection().execute(query, (partner_id,)).fetchone()
        # No row, or another version's: the catalog was replaced since this index was made.
        if row is None or row[0] != self._version:
            raise NotInThisVersion(partner_id)
        return str(row[1])

    def record(self, partner_id: str) -> Partner:
        document = self._read(
            "SELECT version, document FROM catalog_partners WHERE id = ?", partner_id
        )
        return Partner.model_validate_json(document, context=_TRUSTED_CONTEXT)

    def entry(self, partner_id: str) -> Entry:
        text = self._read("SELECT version, entry FROM catalog_partners WHERE id = ?", partner_id)
        entry: Entry = json.loads(text)
        return entry


def load_index(conn: sqlite3.Connection, connection: Connection) -> PartnerIndex | None:
    """The stored catalog's index, its partner records read through ``connection``; ``None``
    before any catalog is stored. Fills in the split form of a catalog stored before it existed."""
    row = conn.execute(
        "SELECT c.version, i.head, i.version AS split FROM catalog AS c"
        " LEFT JOIN catalog_index AS i ON i.id = c.id WHERE c.id = 1"
    ).fetchone()
    if row is None:
        return None
    version, head_json = row["version"], row["head"]
    if row["split"] != version:
        # Stored before the split form existed: make it, once.
        stored = load_catalog(conn)
        assert stored is not None
        with transaction(conn):
            _write_split(conn, stored.catalog, stored.version)
        return load_index(conn, connection)
    head = CatalogHead.model_validate_json(head_json, context=_TRUSTED_CONTEXT)
    # Plain tuples, not the connection's named rows: tens of thousands of them, once per start.
    rows = conn.cursor()
    rows.row_factory = None
    # Interned: a partner of several domains is the value of each, once, where the table is
    # hostwalk.py's Python one (the compiled one keeps bytes).
    intern = sys.intern
    hosts = (
        (host, None if partner_id is None else intern(partner_id))
        for host, partner_id in rows.execute("SELECT host, partner_id FROM catalog_hosts")
    )
    return PartnerIndex(
        version,
        programs=head.programs,
        extensions=head.extensions,
        hosts=hosts,
        source=StoredPartners(connection, version),
    )


def ensure_index(conn: sqlite3.Connection, connection: Connection) -> PartnerIndex:
    """The stored catalog's index, importing the bundled catalog on first start."""
    index = load_index(conn, connection)
    if index is None:
        save_catalog(conn, bundled_catalog(), source="bundled")
        index = load_index(conn, connection)
        assert index is not None
    return index


class IndexDownload:
    """The stored partner index read a piece at a time: for a large catalog it is tens of
    megabytes, which the server should not hold (nor its copies in the socket's buffers).

    It reads on a connection of its own inside one read transaction, so a catalog imported
    meanwhile does not change what is being sent; every call must come from the same thread.
    """

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None)
        self._blob: sqlite3.Blob | None = None
        try:
            self._conn.execute("PRAGMA query_only = ON")
            self._conn.execute("BEGIN")
            row = self._conn.execute(
                "SELECT version, length(partner_index) FROM catalog_index WHERE id = 1"
            ).fetchone()
            if row is None:
                raise LookupError("no catalog is stored")
            self.version: str = row[0]
            self.size: int = row[1]
            # The one row has rowid 1 (its id).
            self._blob = self._conn.blobopen("catalog_index", "partner_index", 1, readonly=True)
        except BaseException:
            self.close()
            raise

    def read(self, size: int) -> bytes:
        assert self._blob is not None
        return self._blob.read(size)

    def close(self) -> None:
        if self._blob is not None:
            self._blob.close()
            self._blob = None
        self._conn.close()
