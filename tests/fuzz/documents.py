"""What the document fuzzers (catalog import, log import) share: JSON values to put anywhere in
a document, with keys drawn from its real field names or any text, and the paths to its nodes."""

from __future__ import annotations

from typing import Any, NamedTuple

from hypothesis import strategies as st


class JsonValues(NamedTuple):
    keys: st.SearchStrategy[str]
    scalars: st.SearchStrategy[Any]
    values: st.SearchStrategy[Any]


def json_values(fields: list[str], tricky: list[Any]) -> JsonValues:
    """A key is one of ``fields`` or any text (an unknown key must be named in the refusal); a
    value is any small JSON value, its scalars often one of ``tricky``."""
    keys = st.sampled_from(fields) | st.text(
        st.characters(blacklist_categories=("Cs",)), max_size=12
    )
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(10**20), 10**20)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=20)
        | st.sampled_from(tricky)
    )
    values = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=8,
    )
    return JsonValues(keys, scalars, values)


def node_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every node's path in a JSON document, the root's (``()``) first."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += node_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for position, value in enumerate(node):
            found += node_paths(value, (*prefix, position))
    return found
