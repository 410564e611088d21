"""The host table, and the walk of a host through it: matching's hot path.

Every page the shopper opens is matched, and ``cashback-companion match`` matches a browsing
history of thousands at once, so this is the one place where the cost of a line counts.
:class:`HostTable` exists twice:

- here, in Python: the reference, and what runs where the companion was installed without a C
  compiler at hand (its build is optional, as aiohttp's and yarl's are);
- in ``_hostwalk.c``: the same rules, compiled, over a table of packed bytes. In CPython the
  regular expression that cuts the host out of a URL, and a probe of a dict of 50,000 domains,
  each cost about as much as the 10x goal allows a whole lookup (docs/reliability.md).

tests/unit/test_hostwalk.py holds the two to the same answers. Set
``CASHBACK_COMPANION_NO_EXTENSIONS`` to any non-empty value to run the Python one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Literal, Protocol

# The everyday shape of a URL, whose host a browser reads exactly as written: http(s), "//", a
# host of lower-case ASCII letters, digits, dots and hyphens, then the end, a path, a query or a
# fragment. Anything else (userinfo, a port, upper case, percent signs, backslashes, spaces,
# Unicode) goes to the full WHATWG-style parser in hosts.py. tests/unit/test_matcher.py checks
# that the two agree on every URL this accepts.
_EVERYDAY_URL = re.compile(r"https?://([a-z0-9.-]+)(?=[/?#]|\Z)").match

# (partner id, the table's host that decided), or None: no partner, or a carved-out host.
Found = tuple[str, str] | None


# The longest host a table takes: DNS's limit, to which the catalog holds its hosts too.
MAX_HOST = 253


class PyHostTable:
    """Hosts to partner ids, ``None`` for a host carved out of a partner, from
    ``(host, partner id)`` pairs; a host given twice keeps its last. Hosts and partner ids are
    ASCII and a host at most 253 characters long, as a validated catalog's are."""

    def __init__(self, items: Iterable[tuple[str, str | None]], /) -> None:
        self._hosts: dict[str, str | None] = {}
        # No host of the table is longer: a longer parent is never looked up (see locate_host).
        self._longest = 0
        for pair in items:
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise TypeError(
                    f"HostTable: each item must be a (host, partner id) pair, not {type(pair).__name__}"
                )
            host, partner_id = pair
            if not isinstance(host, str) or not host.isascii() or len(host) > MAX_HOST:
                raise ValueError(
                    f"HostTable: a host must be an ASCII str of at most {MAX_HOST} characters,"
                    f" not {host!r}"
                )
            if partner_id is not None and (
                not isinstance(partner_id, str) or not partner_id.isascii()
            ):
                raise ValueError(
                    f"HostTable: the partner id of {host!r} must be an ASCII str or None"
                )
            self._hosts[host] = partner_id
            self._longest = max(self._longest, len(host))

    def __len__(self) -> int:
        return len(self._hosts)

    def items(self) -> list[tuple[str, str | None]]:
        """Every ``(host, partner id or None)`` pair of the table, in no promised order."""
        return list(self._hosts.items())

    def locate_host(self, host: str, /) -> Found:
        """``(partner id, the table's host)`` for a host as :func:`parse_http_url` gives it.

        Tries the host, then each parent on label boundaries, and the first host of the table
        found decides: "subdomains match", "the most specific domain wins" and "exclude carves
        out" in one loop. A single label is never tried, since no store's domain is one. An IP
        address never matches: a catalog refuses a domain whose last label is a number.
        """
        if not isinstance(host, str):
            raise TypeError(f"locate_host(): a host must be a str, not {type(host).__name__}")
        hosts = self._hosts
        candidate, dot = host, host.find(".")
        if len(host) > self._longest:
            # Begin with the longest parent no longer than the table's longest host: the work a
            # long host makes is bounded by the table, not by the host (a URL may be a megabyte).
            cut = host.find(".", len(host) - self._longest - 1)
            if cut < 0:
                return None
            candidate, dot = host[cut + 1 :], host.find(".", cut + 1)
        while dot >= 0:
            if candidate in hosts:
                partner_id = hosts[candidate]
                return None if partner_id is None else (partner_id, candidate)
            candidate = host[dot + 1 :]
            dot = host.find(".", dot + 1)
        return None

    def locate_url(self, url: str, /) -> Found | Literal[False]:
        """:meth:`locate_host` for a URL of the everyday shape; ``False`` for any other URL,
        whose host only the full parser may read."""
        if not isinstance(url, str):
            raise TypeError(f"locate_url(): a URL must be a str, not {type(url).__name__}")
        everyday = _EVERYDAY_URL(url)
        if everyday is None:
            return False
        host = everyday[1]
        # Empty labels and a trailing dot are the full parser's to judge.
        if host[0] == "." or host[-1] == "." or ".." in host:
            return False
        return self.locate_host(host)


class Table(Protocol):
    """What both twins are."""

    def __init__(self, items: Iterable[tuple[str, str | None]], /) -> None: ...

    def __len__(self) -> int: ...

    def items(self) -> list[tuple[str, str | None]]: ...

    def locate_host(self, host: str, /) -> Found: ...

    def locate_url(self, url: str, /) -> Found | Literal[False]: ...


HostTable: type[Table]
if os.environ.get("CASHBACK_COMPANION_NO_EXTENSIONS"):
    HostTable = PyHostTable
else:
    try:
        from companion.tracking._hostwalk import HostTable
    except ImportError:  # installed without a compiler: the Python one
        HostTable = PyHostTable

# Which of the two runs: `cashback-companion doctor` and the benchmark say.
COMPILED = HostTable is not PyHostTable
