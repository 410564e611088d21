"""Which partner store, if any, a URL opens.

The index maps every listed domain to its partner and every excluded host to ``None``. A lookup
walks the host's parents on label boundaries, most specific first, and the first key found
decides: that is "subdomains match", "the most specific domain wins" and "exclude carves out" in
one loop, costing one probe per label however large the catalog is. The loop itself is
companion/tracking/hostwalk.py's, compiled where a C compiler was at hand.

Only what matching needs stays in memory: the host table and the programs. A partner's full
record (name, offers, tracking hints) is read when a match needs it, from wherever the index was
built (the database for the running companion, see
:class:`companion.catalog.store.StoredPartners`), and the last few hundred are kept. A catalog of
50,000 domains held whole as validated records takes over 200 MB; this way the companion stays
near its import footprint.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

from companion.catalog.model import Catalog, KnownExtensions, Offer, Partner, Program
from companion.tracking.hosts import parse_http_url
from companion.tracking.hostwalk import HostTable, Table

# How many full partner records (and their ranked offers) an index keeps at hand. A shopper's
# browsing returns to a handful of stores; a few hundred records are a megabyte or two.
PARTNERS_KEPT = 256
# How many partners' answers to GET /api/v1/match an index keeps, as the JSON text they are sent
# as: about 350 bytes each where a parsed entry takes ten times that, so a script going through
# a browsing history of thousands of stores is answered from memory for about 2 MB in all.
ANSWERS_KEPT = 4096

# A partner's entry in the exported index (partner_entry): what GET /api/v1/match answers with.
Entry = dict[str, Any]


class NotInThisVersion(LookupError):
    """A :class:`PartnerSource` has no record of the partner in the index's catalog version:
    the catalog was replaced since the index was made, or the id is unknown. The index answers
    "no partner" and keeps nothing of it, so that an index whose catalog comes back (replaced,
    then restored within the second before the watcher swaps indexes) finds its records again."""


class PartnerSource(Protocol):
    """Where a partner's full record and its entry come from; both raise
    :class:`NotInThisVersion` where there is none."""

    def record(self, partner_id: str) -> Partner: ...

    def entry(self, partner_id: str) -> Entry: ...


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


def host_table(partners: Iterable[Partner]) -> dict[str, str | None]:
    """Every listed domain to its partner's id, every carved-out host to ``None``."""
    partners = list(partners)
    hosts: dict[str, str | None] = {}
    for partner in partners:
        for domain in partner.domains:
            hosts[domain] = partner.id
    for partner in partners:
        for host in partner.exclude:
            # A host one partner excludes may be another partner's own, more specific, domain.
            hosts.setdefault(host, None)
    return hosts


class PartnerIndex:
    """The catalog as matching sees it. Build one with :meth:`from_catalog`, or from the
    database with :func:`companion.catalog.store.load_index`."""

    def __init__(
        self,
        version: str,
        *,
        programs: Iterable[Program],
        extensions: KnownExtensions,
        hosts: Iterable[tuple[str, str | None]],
        source: PartnerSource,
    ) -> None:
        self.version = version
        self.programs = {program.id: program for program in programs}
        self.extensions = extensions
        # Matching's one table, compiled where it could be (hostwalk.py). Everything else about
        # a partner is read from ``source`` when asked, and the last few kept: a table of every
        # partner's category took 1.8 MiB more of the companion's memory with a catalog of
        # 41,666 partners (docs/reliability.md); the log and the totals read categories with
        # their own queries.
        self.hosts: Table = HostTable(hosts)
        self._source = source
        self._partner = lru_cache(maxsize=PARTNERS_KEPT)(source.record)
        self._offers = lru_cache(maxsize=PARTNERS_KEPT)(self._rank)
        self._answer = lru_cache(maxsize=ANSWERS_KEPT)(self._partner_answer)

    @classmethod
    def from_catalog(cls, catalog: Catalog, version: str) -> PartnerIndex:
        """An index over a catalog held in memory (the CLI's import, tests, benchmarks)."""
        return cls(
            version,
            programs=catalog.programs,
            extensions=catalog.extensions,
            hosts=host_table(catalog.partners).items(),
            source=_HeldPartners(catalog),
        )

    def partner(self, partner_id: str) -> Partner | None:
        """The partner's full record; ``None`` for an id this catalog does not have."""
        try:
            return self._partner(partner_id)
        except NotInThisVersion:
            return None

    def offers(self, partner_id: str) -> list[OfferView]:
        """The partner's offers, best first (empty for an unknown partner)."""
        try:
            return self._offers(partner_id)
        except NotInThisVersion:
            return []

    def _rank(self, partner_id: str) -> list[OfferView]:
        # The cache's own call, so that NotInThisVersion passes through _offers uncached.
        return rank_offers(self._partner(partner_id), self.programs)

    def locate_host(self, host: str) -> tuple[str, str] | None:
        """``(partner id, catalog domain)`` for a host as :func:`parse_http_url` gives it: the
        host, then each parent on label boundaries, and the first key found decides (see
        :meth:`companion.tracking.hostwalk.PyHostTable.locate_host`)."""
        return self.hosts.locate_host(host)

    def locate(self, url: str) -> tuple[str, str] | None:
        """``(partner id, catalog domain)`` for a URL; ``None`` for other sites and for
        anything that is not http(s)."""
        found = self.hosts.locate_url(url)
        if found is not False:
            return found
        try:
            host = parse_http_url(url).host
        except ValueError:
            return None
        return self.hosts.locate_host(host)

    def match_host(self, host: str) -> Match | None:
        return self._match(self.locate_host(host))

    def match_url(self, url: str) -> Match | None:
        """The partner a URL opens, with its offers; ``None`` for other sites."""
        return self._match(self.locate(url))

    def answer(self, url: str) -> dict[str, Any]:
        """What ``GET /api/v1/match`` and ``cashback-companion match`` answer for a URL: the
        partner and its offers, best first (see :meth:`answer_json`)."""
        answer: dict[str, Any] = json.loads(self.answer_json(url))
        return answer

    def answer_json(self, url: str) -> str:
        """:meth:`answer` as the JSON text the endpoint sends, made from the partner's stored
        entry without reading and validating its full record."""
        found = self.locate(url)
        text = json.dumps(url)
        if found is not None:
            try:
                partner, offers = self._answer(found[0])
            except NotInThisVersion:
                pass  # the catalog was replaced a moment ago (see _match)
            else:
                domain = json.dumps(found[1])
                return (
                    f'{{"url": {text}, "partner": {partner}, "domain": {domain}}},'
                    f' "offers": {offers}}}'
                )
        return f'{{"url": {text}, "partner": null, "offers": []}}'

    def _partner_answer(self, partner_id: str) -> tuple[str, str]:
        """The partner's part of an answer as JSON text: its object without the closing brace
        (the domain matched goes there) and its offers."""
        entry = self._source.entry(partner_id)
        partner = {"id": partner_id, "name": entry["name"], "category": entry["category"]}
        return json.dumps(partner)[:-1], json.dumps(entry["offers"])

    def _match(self, found: tuple[str, str] | None) -> Match | None:
        if found is None:
            return None
        partner_id, domain = found
        partner = self.partner(partner_id)
        if partner is None:
            # The record is gone: the catalog was replaced a moment ago, and the next index
            # (state.py swaps it in within a second) will know the new one.
            return None
        return Match(partner, domain, self.offers(partner_id))


class _HeldPartners:
    """A :class:`PartnerSource` over a catalog held in memory."""

    def __init__(self, catalog: Catalog) -> None:
        self._programs = {program.id: program for program in catalog.programs}
        self._partners = {partner.id: partner for partner in catalog.partners}

    def record(self, partner_id: str) -> Partner:
        try:
            return self._partners[partner_id]
        except KeyError:
            raise NotInThisVersion(partner_id) from None

    def entry(self, partner_id: str) -> Entry:
        return partner_entry(self.record(partner_id), self._programs)


def partner_entry(partner: Partner, programs: dict[str, Program]) -> Entry:
    """What the extension, and ``GET /api/v1/match``, are told about a partner."""
    return {
        "name": partner.name,
        "category": partner.category,
        "offers": [view.to_json() for view in rank_offers(partner, programs)],
        "tracking": partner.tracking.model_dump(),
        "order_pages": list(partner.order_pages),
    }


def export_index(catalog: Catalog, version: str) -> dict[str, Any]:
    """The compact form the extension matches with (``GET /api/v1/partners/index``)."""
    programs = {program.id: program for program in catalog.programs}
    entries = {partner.id: partner_entry(partner, programs) for partner in catalog.partners}
    return index_document(version, host_table(catalog.partners), entries)


def index_document(
    version: str, hosts: dict[str, str | None], entries: dict[str, Entry]
) -> dict[str, Any]:
    return {"version": version, "hosts": dict(sorted(hosts.items())), "partners": entries}


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")
