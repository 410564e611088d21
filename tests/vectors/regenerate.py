"""Rewrite the ``index`` of ``match.json`` from its ``catalog``, as the companion exports it.

Run after editing the vectors' catalog: ``.venv/bin/python -m tests.vectors.regenerate``.
"""

import json
from pathlib import Path

from companion.catalog.store import version_of
from companion.catalog.validate import parse_catalog
from companion.tracking.matcher import export_index

VECTORS = Path(__file__).with_name("match.json")


def build_index(document: dict) -> dict:
    catalog = parse_catalog(json.dumps(document["catalog"]))
    return export_index(catalog, version_of(catalog))


def main() -> None:
    document = json.loads(VECTORS.read_text(encoding="utf-8"))
    document["index"] = build_index(document)
    VECTORS.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
