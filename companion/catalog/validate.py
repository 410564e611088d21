"""Reading a catalog file: all of its problems at once, each named by the record and field at fault.

A shopper editing a catalog by hand needs to hear ``partners[3] "ozon" domains[1]: "co.uk" is a
public suffix``, not a stack trace; and they need every problem in one go, not one per attempt.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from companion.catalog.model import Catalog
from companion.jsoninput import JsonInputError, read_json
from companion.tracking.hosts import parents

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


class CatalogError(ValueError):
    """A catalog that cannot be stored; ``problems`` lists each fault as one line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        super().__init__(
            f"not a valid catalog ({count} problem{'s' if count != 1 else ''}):\n"
            + "\n".join(f"  {line}" for line in problems)
        )


def parse_catalog(text: str | bytes) -> Catalog:
    """Validate a catalog document; raise :class:`CatalogError` with every problem found."""
    try:
        # Decimal for every number: rates and amounts are money, never binary floats.
        raw = read_json(text, decimals=True)
    except JsonInputError as exc:
        raise CatalogError([str(exc)]) from exc
    if not isinstance(raw, dict):
        raise CatalogError(["the document must be a JSON object with programs and partners"])
    try:
        catalog = Catalog.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError([_problem(err["loc"], err["msg"], raw) for err in exc.errors()]) from exc
    problems = list(_cross_record_problems(catalog))
    if problems:
        raise CatalogError(problems)
    return catalog


def _cross_record_problems(catalog: Catalog) -> Iterator[str]:
    programs = {program.id for program in catalog.programs}
    for program_id, count in Counter(p.id for p in catalog.programs).items():
        if count > 1:
            yield f'programs: the id "{program_id}" is used {count} times'
    for partner_id, count in Counter(p.id for p in catalog.partners).items():
        if count > 1:
            yield f'partners: the id "{partner_id}" is used {count} times'

    owner: dict[str, str] = {}
    for index, partner in enumerate(catalog.partners):
        where = f'partners[{index}] "{partner.id}"'
        for position, domain in enumerate(partner.domains):
            if domain in owner:
                yield f'{where} domains[{position}]: "{domain}" is already listed by "{owner[domain]}"'
            owner.setdefault(domain, partner.id)
        for position, host in enumerate(partner.exclude):
            if host in partner.domains:
                # The domain would win (matcher.host_table), and the exclude do nothing.
                yield (
                    f'{where} exclude[{position}]: "{host}" is one of this partner\'s own '
                    "domains; list the subdomain to carve out instead"
                )
            elif not any(parent in partner.domains for parent in parents(host)):
                yield (
                    f'{where} exclude[{position}]: "{host}" is not under any of this '
                    "partner's domains, so it cannot be carved out of them"
                )
        seen: set[str] = set()
        for position, offer in enumerate(partner.offers):
            at = f'{where} offers[{position}] (program "{offer.program}")'
            if offer.program not in programs:
                yield f"{at} program: no program with this id in the catalog"
            if offer.program in seen:
                yield f"{at} program: this partner already has an offer from this program"
            seen.add(offer.program)


def _problem(loc: tuple[int | str, ...], message: str, raw: Any) -> str:
    # A list validator reports its item as "[N]: why", which reads best glued to the field.
    glue = "" if message.startswith("[") else ": "
    return _describe(loc, raw) + glue + message


def _describe(loc: tuple[int | str, ...], raw: Any) -> str:
    """``('partners', 3, 'offers', 0, 'rate_percent')`` → ``partners[3] "ozon" offers[0] (program "mts") rate_percent``."""
    words: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int):
            words[-1] += f"[{step}]"
            node = node[step] if isinstance(node, list) and step < len(node) else None
            if isinstance(node, dict):
                if isinstance(node.get("id"), str):
                    words.append(json.dumps(node["id"], ensure_ascii=False))
                elif isinstance(node.get("program"), str):
                    words.append(f"(program {json.dumps(node['program'], ensure_ascii=False)})")
        else:
            # A key the file made up is quoted: it must not be able to forge a line of its own.
            words.append(step if _PLAIN_KEY.match(step) else json.dumps(step, ensure_ascii=False))
            node = node.get(step) if isinstance(node, dict) else None
    return " ".join(words) if words else "the catalog"
