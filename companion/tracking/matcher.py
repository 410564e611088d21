"""Which partner store, if any, a URL opens.

The index maps every listed domain to its partner and every excluded host to ``None``. A lookup
walks the host's parents on label boundaries, most specific first, and the first key found
decides: that is "subdomains match", "the most specific domain wins" and "exclude carves out" in
one loop, costing one dict probe per label however large the catalog is. The index is built once
per catalog version and exported as-is for the extension's matcher (``extension/lib/match.js``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from companion.catalog.model import Catalog, Offer, Partner, Program
from companion.tracking.hosts import is_ip_literal, parents, parse_http_url


@dataclass(frozen=True)
class OfferView:
    """An offer as the shopper compares it: with its program's name and the effective window."""

    program: str
    program_name: str
    currency: str
    rate_percent: Decimal | None
    fixed_amount: Decimal | None
    up_to: bool
    confirmation_days: int
    note: str | None
    offer: Offer

    def to_json(self) -> dict[str, Any]:
        return {
            "program": self.program,
            "program_name": self.program_name,
            "currency": self.currency,
            "rate_percent": _money(self.rate_percent),
            "fixed_amount": _money(self.fixed_amount),
            "up_to": self.up_to,
            "confirmation_days": self.confirmation_days,
            "note": self.note,
        }


@dataclass(frozen=True)
class Match:
    partner: Partner
    domain: str
    offers: list[OfferView]

    def partner_json(self) -> dict[str, Any]:
        return {
            "id": self.partner.id,
            "name": self.partner.name,
            "category": self.partner.category,
            "domain": self.domain,
        }


def rank_offers(partner: Partner, programs: dict[str, Program]) -> list[OfferView]:
    """Best first: percent offers by rate, then fixed amounts by amount; ties keep catalog order.

    A percent and a fixed sum cannot be compared without the basket, so percent offers, the
    common case, come first.
    """
    views = [
        OfferView(
            program=offer.program,
            program_name=programs[offer.program].name,
            currency=programs[offer.program].currency,
            rate_percent=offer.rate_percent,
            fixed_amount=offer.fixed_amount,
            up_to=offer.up_to,
            confirmation_days=offer.confirmation_days or programs[offer.program].confirmation_days,
            note=offer.note,
            offer=offer,
        )
        for offer in partner.offers
    ]
    program_order = {program_id: position for position, program_id in enumerate(programs)}

    def key(view: OfferView) -> tuple[int, Decimal, int]:
        if view.rate_percent is not None:
            return (0, -view.rate_percent, program_order[view.program])
        assert view.fixed_amount is not None
        return (1, -view.fixed_amount, program_order[view.program])

    return sorted(views, key=key)


class PartnerIndex:
    def __init__(self, catalog: Catalog, version: str) -> None:
        self.version = version
        self.catalog = catalog
        self.programs = {program.id: program for program in catalog.programs}
        self.partners = {partner.id: partner for partner in catalog.partners}
        self.offers = {p.id: rank_offers(p, self.programs) for p in catalog.partners}
        self.hosts: dict[str, str | None] = {}
        for partner in catalog.partners:
            for domain in partner.domains:
                self.hosts[domain] = partner.id
        for partner in catalog.partners:
            for host in partner.exclude:
                # A host one partner excludes may be another partner's own, more specific, domain.
                self.hosts.setdefault(host, None)
        self._exported_json: bytes | None = None

    def match_host(self, host: str) -> Match | None:
        if is_ip_literal(host):
            return None
        for candidate in parents(host):
            if candidate in self.hosts:
                partner_id = self.hosts[candidate]
                if partner_id is None:
                    return None
                return Match(self.partners[partner_id], candidate, self.offers[partner_id])
        return None

    def match_url(self, url: str) -> Match | None:
        """The partner a URL opens; ``None`` for other sites and for anything not http(s)."""
        try:
            host = parse_http_url(url).host
        except ValueError:
            return None
        return self.match_host(host)

    def export(self) -> dict[str, Any]:
        """The compact form the extension matches with (``GET /api/v1/partners/index``)."""
        return {
            "version": self.version,
            "hosts": dict(sorted(self.hosts.items())),
            "partners": {
                partner.id: {
                    "name": partner.name,
                    "category": partner.category,
                    "offers": [view.to_json() for view in self.offers[partner.id]],
                    "tracking": partner.tracking.model_dump(),
                    "order_pages": list(partner.order_pages),
                }
                for partner in self.catalog.partners
            },
        }

    def export_json(self) -> bytes:
        """:meth:`export` as JSON, made once per index: it is what the API serves, and as bytes
        it costs a fraction of the memory the same data takes as Python objects."""
        if self._exported_json is None:
            self._exported_json = json.dumps(self.export(), ensure_ascii=False).encode()
        return self._exported_json


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")
