"""One run of the tracking checks, as ``POST /api/v1/diagnostics`` makes it: the store's context
from the partner index, the rules, the overall verdict, and the run stored with the click."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from companion.clock import iso
from companion.diagnostics.checks import Context, Verdict, enabled_known, run_checks
from companion.diagnostics.facts import Facts
from companion.diagnostics.store import record_run
from companion.diagnostics.verdict import Overall, overall, should_warn
from companion.errors import InputError
from companion.tracking.matcher import PartnerIndex


class DiagnosticsError(InputError):
    """Facts that cannot be checked."""


@dataclass(frozen=True)
class Outcome:
    at: str
    verdict: Overall
    warn: bool
    verdicts: list[Verdict]
    run_id: int | None


def context_for(index: PartnerIndex, partner_id: str) -> Context:
    partner = index.partner(partner_id)
    if partner is None:
        raise DiagnosticsError(f"no partner store {partner_id!r} in the catalog", "facts.partner")
    known = index.extensions
    return Context(
        store=partner.name,
        tracking_cookies=tuple(partner.tracking.cookies),
        tracking_params=tuple(partner.tracking.params),
        ad_blockers=tuple(known.ad_blockers),
        rivals=tuple(known.rivals),
    )


def diagnose(
    conn: sqlite3.Connection,
    index: PartnerIndex,
    facts: Facts,
    click_id: str | None,
    now: datetime,
) -> Outcome:
    """Check ``facts``; with a ``click_id``, store the run with that click's session."""
    context = context_for(index, facts.partner)
    if click_id is not None:
        row = conn.execute(
            "SELECT partner_id FROM clicks WHERE click_id = ?", (click_id,)
        ).fetchone()
        if row is None:
            raise DiagnosticsError("no such click", "click_id")
        if row["partner_id"] != facts.partner:
            raise DiagnosticsError("this click was made for another store", "click_id")
    verdicts = run_checks(facts, context, now)
    verdict = overall(facts, verdicts)
    at = iso(now)
    run_id = None
    if click_id is not None:
        run_id = record_run(
            conn, click_id, at, facts.page, verdict, verdicts, _kept_facts(facts, context)
        )
    return Outcome(at, verdict, should_warn(facts, verdict, verdicts), verdicts, run_id)


def _kept_facts(facts: Facts, context: Context) -> dict[str, object]:
    # Of the shopper's extensions only those the checks are about are kept: the list of
    # everything else installed is nobody's business, not even the log's.
    if facts.extensions is not None:
        relevant = enabled_known(facts.extensions, (*context.ad_blockers, *context.rivals))
        facts = facts.model_copy(update={"extensions": relevant})
    return facts.model_dump(mode="json")
