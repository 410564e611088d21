"""Text captured from web pages and kept in the log (addresses, order ids, cookie and parameter
names): the characters it may not hold, and how it is shown where nothing else escapes it.

The dashboard escapes for HTML; JSON escapes C0 controls itself, and :func:`json_text` the rest;
a terminal (``cashback-companion log``, ``claim``) and a claim's plain text do not. There an ESC starts a terminal's control sequence
(clear the screen, a link that shows one address and opens another, a write to the clipboard), a
line break in an order id forges a line of the evidence a shopper sends to the program, and a
bidirectional override shows text in another order than it is. The browser hands the extension
none of these in what it records, so the companion refuses them on the way in (events, backups)
and escapes them on the way out, for anything stored before.
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 and C1 controls and DEL, the line and paragraph separators, and the bidirectional marks,
# embeddings, overrides and isolates.
_CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)

# What of _CONTROLS json.dumps leaves as it is.
_UNESCAPED_IN_JSON = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def no_controls(text: str) -> str:
    """``text`` itself, or ValueError naming the first control character in it."""
    found = _CONTROLS.search(text)
    if found is not None:
        raise ValueError(f"must not hold control characters ({_escape(found)})")
    return text


def shown(text: str) -> str:
    """``text`` for a terminal or a plain-text file: each control character as its escape,
    ``\\x1b`` or ``\\u202e``."""
    return _CONTROLS.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    code = ord(found[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def json_text(value: Any, indent: int | None = None) -> str:
    """``value`` as JSON for a terminal: letters beyond ASCII as they are, every control
    character as its ``\\u`` escape. ``json.dumps`` escapes C0 controls in strings (and its
    line breaks between them must stay), not DEL, C1 ones (U+009B starts a control sequence) nor
    bidirectional overrides; those occur in strings only, so the escapes leave the same value."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _UNESCAPED_IN_JSON.sub(lambda found: f"\\u{ord(found[0]):04x}", text)
