"""Requests aiohttp cannot parse (a header with a control character, a request line over the
limit), which it answers itself with a 400 before any middleware runs.

aiohttp logs each such request as an error with its traceback, nine lines. Any web page can make
the browser send one (an address of 100 kB), as often as it likes, so each is one warning line
here: what was wrong, cut short, never the bytes a page chose in full.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

# How much of aiohttp's description of the fault is kept: it quotes the offending bytes.
KEPT_CHARS = 120


class _OneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            what = " ".join(str(exc.message or exc).split())
            if len(what) > KEPT_CHARS:
                what = what[:KEPT_CHARS] + "…"
            record.msg, record.args = "refused a request it could not parse: %r", (what,)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def quiet_unparsed() -> None:
    """One short warning line for each request aiohttp could not parse (see the module)."""
    logger = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, _OneLine) for f in logger.filters):
        logger.addFilter(_OneLine())
