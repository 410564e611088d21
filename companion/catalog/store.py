"""The catalog in the database: one current document, replaced whole on import."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from importlib import resources

from companion.catalog.model import TRUSTED, Catalog
from companion.catalog.validate import parse_catalog
from companion.clock import now_iso
from companion.storage.db import transaction


@dataclass(frozen=True)
class StoredCatalog:
    catalog: Catalog
    version: str
    imported_at: str
    source: str


def version_of(catalog: Catalog) -> str:
    """A short content hash: the same catalog always has the same version (it is the index's ETag)."""
    return hashlib.sha256(catalog.model_dump_json().encode()).hexdigest()[:12]


def bundled_catalog() -> Catalog:
    """The catalog shipped inside the package, built from the program's published texts."""
    text = resources.files("companion.catalog").joinpath("bundled.json").read_bytes()
    return parse_catalog(text)


def save_catalog(conn: sqlite3.Connection, catalog: Catalog, source: str) -> str:
    """Replace the stored catalog in one transaction; return its version."""
    version = version_of(catalog)
    with transaction(conn):
        conn.execute(
            "INSERT INTO catalog (id, version, imported_at, source, document) VALUES (1, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET version = excluded.version,"
            " imported_at = excluded.imported_at, source = excluded.source,"
            " document = excluded.document",
            (version, now_iso(), source, catalog.model_dump_json()),
        )
    return version


def stored_version(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT version FROM catalog WHERE id = 1").fetchone()
    return None if row is None else str(row["version"])


def load_catalog(conn: sqlite3.Connection) -> StoredCatalog | None:
    row = conn.execute(
        "SELECT version, imported_at, source, document FROM catalog WHERE id = 1"
    ).fetchone()
    if row is None:
        return None
    return StoredCatalog(
        catalog=Catalog.model_validate_json(row["document"], context={TRUSTED: True}),
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
