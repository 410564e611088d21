"""A large synthetic catalog and the URLs a shopper's browser would ask about, both reproducible.

Every benchmark that needs "a 50,000-domain catalog" builds it here, from a fixed seed, so the
Python matcher, the JavaScript matcher, the HTTP endpoint and the memory figure all see the
same catalog and the same URLs.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

DOMAINS = 50_000
PROGRAMS = ("mts", "secret", "lety", "promokodi", "megabonus")
# A spread of real public suffixes, one- and two-label, ASCII and punycode (.рф, .онлайн).
SUFFIXES = (
    "com",
    "ru",
    "net",
    "org",
    "de",
    "shop",
    "store",
    "co.uk",
    "com.br",
    "com.au",
    "co.jp",
    "xn--p1ai",
    "xn--80asehdb",
    "io",
    "kz",
)
_SYLLABLES = ("ka", "zo", "mi", "re", "ta", "shop", "lo", "ve", "no", "bu", "ax", "ti", "on", "ex")


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) + str(
        rng.randint(0, 9999)
    )


def _domains(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    found: list[str] = []
    while len(found) < count:
        domain = f"{_name(rng)}.{rng.choice(SUFFIXES)}"
        if domain not in seen:
            seen.add(domain)
            found.append(domain)
    return found


def build_catalog(domains: int = DOMAINS, seed: int = 1) -> dict[str, Any]:
    """A valid catalog document with ``domains`` store domains: most partners have one domain,
    every fifth has two, every twentieth carves out a seller portal, as real catalogs do."""
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not a secret)
    names = _domains(rng, domains)
    programs = [
        {
            "id": program,
            "name": program.title(),
            "currency": "RUB",
            "confirmation_days": 90,
        }
        for program in PROGRAMS
    ]
    partners: list[dict[str, Any]] = []
    position = 0
    while position < len(names):
        number = len(partners)
        own = names[position : position + (2 if number % 5 == 0 else 1)]
        position += len(own)
        offers = [
            {
                "program": program,
                "rate_percent": str(rng.randint(1, 150) / 10),
                "go_url": f"https://{program}.example/go/p{number}?sub={{click_id}}&to={{target_url}}",
            }
            for program in rng.sample(PROGRAMS, rng.randint(1, 3))
        ]
        partners.append(
            {
                "id": f"p{number}",
                "name": f"Store {number}",
                "category": "online_stores",
                "domains": own,
                "exclude": [f"seller.{own[0]}"] if number % 20 == 0 else [],
                "offers": offers,
                "tracking": {"cookies": ["aff_click"], "params": ["aff_id"]},
                "order_pages": ["/checkout/success*"],
            }
        )
    return {
        "name": f"Benchmark catalog ({domains} domains)",
        "programs": programs,
        "partners": partners,
    }


def catalog_domains(catalog: dict[str, Any]) -> list[str]:
    return [domain for partner in catalog["partners"] for domain in partner["domains"]]


def browsing_urls(catalog: dict[str, Any], count: int, seed: int = 2) -> list[str]:
    """URLs as a browser visits them: half on partner stores (often a subdomain, a deep path and
    a query), a few on carved-out seller portals, the rest on sites that are no partner."""
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not a secret)
    domains = catalog_domains(catalog)
    excluded = [host for partner in catalog["partners"] for host in partner["exclude"]]
    urls: list[str] = []
    for number in range(count):
        roll = rng.random()
        if roll < 0.5:
            host = rng.choice(("", "www.", "m.", "www.", "catalog.eu.")) + rng.choice(domains)
        elif roll < 0.55:
            host = rng.choice(excluded)
        else:
            host = f"{rng.choice(('www.', 'news.', ''))}{_name(rng)}.{rng.choice(SUFFIXES)}"
        path = rng.choice(("/", "/item/", "/catalog/shoes/", "/search"))
        urls.append(f"https://{host}{path}{number}.html?utm_source=mail&id={rng.randint(1, 10**6)}")
    return urls


def write_catalog(path: Path, catalog: dict[str, Any]) -> Path:
    path.write_text(json.dumps(catalog), encoding="utf-8")
    return path
