"""Host names as a browser sees them.

The companion must read a URL the way the shopper's browser will, or a lookalike slips through:
``http://evil.example\\@ozon.ru/`` is ``evil.example`` to a browser (WHATWG treats ``\\`` as
``/``) but ``ozon.ru`` to a naive parser. :func:`parse_http_url` follows the WHATWG URL rules that
matter for telling which site a URL opens; the JavaScript matcher gets the same answers from the
browser's own ``URL``, and ``tests/vectors/match.json`` keeps the two honest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

import idna

if TYPE_CHECKING:
    import tldextract

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Code points WHATWG forbids in a host; anything else ASCII is passed through as browsers do.
_FORBIDDEN_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")


class HostError(ValueError):
    """A host name that no store can have."""


@dataclass(frozen=True)
class HttpUrl:
    """An http(s) URL split the way a browser splits it, with its host in ASCII lower case."""

    scheme: str
    host: str
    port: int | None
    path: str
    query: str
    fragment: str

    def __str__(self) -> str:
        port = f":{self.port}" if self.port is not None else ""
        query = f"?{self.query}" if self.query else ""
        fragment = f"#{self.fragment}" if self.fragment else ""
        return f"{self.scheme}://{self.host}{port}{self.path or '/'}{query}{fragment}"


def parse_http_url(url: str) -> HttpUrl:
    """Split an http or https URL as a browser would; raise ``ValueError`` saying what is wrong.

    Userinfo is dropped (browsers ignore it when deciding the site), the default port is dropped,
    and the host is normalised by :func:`normalise_host`.
    """
    text = url.strip(_C0_OR_SPACE).translate(_TAB_OR_NEWLINE)
    scheme, sep, rest = text.partition(":")
    scheme = scheme.lower()
    if not sep or scheme not in ("http", "https"):
        raise ValueError("only http and https URLs can be stores")
    # For http(s), WHATWG reads every backslash before the query as a slash.
    head, mark, tail = _split_query(rest)
    # Any run of slashes after the scheme starts the host, as in "http:/shop.ru" or "http:///shop.ru".
    rest = "//" + head.replace("\\", "/").lstrip("/") + mark + tail
    parts = urlsplit(f"{scheme}:{rest}")
    netloc = parts.netloc.rpartition("@")[2]
    if not netloc:
        raise ValueError("the URL has no host")
    host, port = _split_port(netloc, scheme)
    return HttpUrl(
        scheme,
        normalise_host(host),
        port,
        _percent_encode(parts.path),
        _percent_encode(parts.query),
        _percent_encode(parts.fragment),
    )


# What WHATWG leaves as it is in a path, query or fragment: printable ASCII but space, ", <, >, `.
_KEEP = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"<>`')


def _percent_encode(part: str) -> str:
    """Encode what a browser encodes (spaces, quotes, non-ASCII) and keep existing escapes."""
    return quote(part, safe=_KEEP)


def _split_query(rest: str) -> tuple[str, str, str]:
    match = re.search(r"[?#]", rest)
    if match is None:
        return rest, "", ""
    return rest[: match.start()], rest[match.start()], rest[match.end() :]


def _split_port(netloc: str, scheme: str) -> tuple[str, int | None]:
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            raise ValueError("the URL's IPv6 address is not closed")
        host, port_text = netloc[: end + 1], netloc[end + 1 :].removeprefix(":")
    else:
        host, _, port_text = netloc.partition(":")
    port: int | None = None
    if port_text:
        if not port_text.isdigit() or int(port_text) > 65535:
            raise ValueError(f"the URL's port {port_text!r} is not a port")
        port = int(port_text)
    if port == {"http": 80, "https": 443}[scheme]:
        port = None
    return host, port


def normalise_host(host: str) -> str:
    """The host in ASCII lower case without a trailing dot: what a browser puts in ``location.host``.

    IP literals are returned as they came (``[::1]``, ``127.0.0.1``); :func:`is_ip_literal` tells
    them apart. Raise :class:`HostError` for a host a browser would refuse.
    """
    host = unquote(host)
    if host.startswith("[") and host.endswith("]"):
        return host.lower()
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise HostError("the host is empty")
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
        except idna.IDNAError as exc:
            raise HostError(f"{host!r} is not a valid international host name ({exc})") from exc
    host = host.lower()
    if _FORBIDDEN_HOST.search(host):
        raise HostError(f"{host!r} has characters no host name can have")
    if any(not label for label in host.split(".")):
        raise HostError(f"{host!r} has an empty label")
    return host


def is_ip_literal(host: str) -> bool:
    """True for an IPv6 literal, or a host WHATWG parses as IPv4 (its last label is a number)."""
    if host.startswith("[") or ":" in host:
        return True
    last = host.rsplit(".", 1)[-1]
    return last.isdigit() or bool(re.fullmatch(r"0x[0-9a-f]*", last))


@lru_cache(maxsize=1)
def _public_suffixes() -> tldextract.TLDExtract:
    # Imported here: only a catalog import needs the list, and tldextract brings requests and
    # several megabytes the running server would otherwise carry for nothing.
    import tldextract

    # The Public Suffix List snapshot shipped inside tldextract; never fetched over the network.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False
    )


def store_domain(text: str) -> str:
    """Validate a catalog domain and return it normalised; raise :class:`HostError` saying why.

    A store's domain is a DNS name of at least two labels that is not itself a public suffix.
    """
    try:
        host = normalise_host(text.strip())
    except HostError as exc:
        raise HostError(f"{text!r} is not a host name: {exc}") from exc
    if is_ip_literal(host):
        raise HostError(f"{text!r} is an IP address, not a store's domain")
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise HostError(f"{text!r} is not a host name")
    if not _public_suffixes()(host).domain:
        raise HostError(f"{text!r} is a public suffix, not a store's domain")
    # The list's private section too: on myshopify.com or blogspot.com every shop is a
    # subdomain of its own, and the bare suffix as one store's domain would match them all.
    if not _public_suffixes()(host, include_psl_private_domains=True).domain:
        raise HostError(
            f"{text!r} is a hosting service's suffix, shared by every shop under it; list the"
            " store's own subdomain"
        )
    if len(labels) < 2:
        raise HostError(f"{text!r} is a top-level name, not a store's domain")
    return host


def parents(host: str) -> list[str]:
    """``a.b.shop.com`` → ``[a.b.shop.com, b.shop.com, shop.com, com]``: most specific first."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]
