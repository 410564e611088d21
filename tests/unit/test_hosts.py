"""Host normalisation and catalog-domain validation, as tables."""

from __future__ import annotations

import pytest

from companion.tracking.hosts import HostError, is_ip_literal, parse_http_url, store_domain


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("https://Shop.Example/", "shop.example", None),
        ("https://shop.example./a", "shop.example", None),
        ("https://shop.example:443/", "shop.example", None),
        ("http://shop.example:8080/", "shop.example", 8080),
        ("https://user:pw@shop.example/", "shop.example", None),
        ("http://evil.example\\@shop.example/", "evil.example", None),
        ("http:shop.example/x", "shop.example", None),
        ("  https://shop.example/\n", "shop.example", None),
        ("https://магазин.рф/", "xn--80aairftm.xn--p1ai", None),
        ("http://shop%2Eexample/", "shop.example", None),
        ("http://[::1]:8080/", "[::1]", 8080),
    ],
)
def test_parse_http_url(url: str, host: str, port: int | None) -> None:
    parsed = parse_http_url(url)
    assert (parsed.host, parsed.port) == (host, port)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://shop.example/",
        "javascript:alert(1)",
        "shop.example",
        "https://",
        "https://a..b/",
        "https://shop.example:99999/",
    ],
)
def test_parse_http_url_refuses(url: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (the message is checked where it matters)
        parse_http_url(url)


def test_canonical_form_keeps_path_query_fragment() -> None:
    assert str(parse_http_url("HTTPS://Shop.Example:443/a/b?x=1&y=%20#frag")) == (
        "https://shop.example/a/b?x=1&y=%20#frag"
    )


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("[::1]", True),
        ("0x7f.1", True),
        ("1.2.3.4", True),
        ("shop.example", False),
        ("3com.com", False),
    ],
)
def test_is_ip_literal(host: str, expected: bool) -> None:
    assert is_ip_literal(host) is expected


@pytest.mark.parametrize(
    ("domain", "normalised"),
    [
        ("Ozon.RU", "ozon.ru"),
        ("shop.co.uk", "shop.co.uk"),
        ("яндекс.рф", "xn--d1acpjx3f.xn--p1ai"),
        ("ozon.ru.", "ozon.ru"),
        ("mystore.myshopify.com", "mystore.myshopify.com"),  # a shop on a hosting service
    ],
)
def test_store_domain_accepts(domain: str, normalised: str) -> None:
    assert store_domain(domain) == normalised


@pytest.mark.parametrize(
    ("domain", "why"),
    [
        ("com", "public suffix"),
        ("co.uk", "public suffix"),
        ("рф", "public suffix"),
        # Every shop on it is a subdomain: the bare suffix would match them all as one store.
        ("myshopify.com", "hosting service's suffix"),
        ("blogspot.com", "hosting service's suffix"),
        ("test", "top-level name"),
        ("127.0.0.1", "IP address"),
        ("shop example.com", "not a host name"),
        ("-shop.com", "not a host name"),
        ("shop_.com", "not a host name"),
        ("https://shop.com", "not a host name"),
        ("", "not a host name"),
    ],
)
def test_store_domain_refuses(domain: str, why: str) -> None:
    with pytest.raises(HostError, match=why):
        store_domain(domain)
