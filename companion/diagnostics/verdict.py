"""The session's overall verdict, and whether to stop the shopper with a warning before paying."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from companion.diagnostics.checks import Verdict
from companion.diagnostics.facts import Facts

Overall = Literal["tracked", "at_risk", "untracked"]


def overall(facts: Facts, verdicts: Sequence[Verdict]) -> Overall:
    """Untracked when a check fails (not activated is one), at risk while a check warns or the
    redirect has not reached the store yet, tracked otherwise. What the browser cannot tell
    ("unknown") does not count against the session: it cannot be fixed by the shopper.

    Not activated but come through another affiliate's link is at risk, not untracked: the
    click is that link's, and cashback may come through it."""
    statuses = {verdict.status for verdict in verdicts}
    if "fail" in statuses or (facts.activated_at is None and not facts.affiliate_before):
        return "untracked"
    if "warn" in statuses or not facts.landed:
        return "at_risk"
    return "tracked"


def should_warn(facts: Facts, verdict: Overall, verdicts: Sequence[Verdict]) -> bool:
    """Whether the page the shopper is on gets the in-page warning.

    In the cart and at checkout, anything short of tracked: this is the last moment before
    paying. Elsewhere on the store only a session that is already broken after an activation
    (the click overwritten, the redirect blocked), or a private window, where the activation
    prompt never shows; before an activation, ordinary pages have the prompt. The confirmation
    page is too late to help, and away from the store there is no page to warn on.
    """
    if facts.page is None or facts.page == "order":
        return False
    failed = {v.check for v in verdicts if v.status == "fail"}
    if "incognito" in failed:
        return True
    if facts.page in ("cart", "checkout"):
        return verdict != "tracked"
    return facts.activated_at is not None and bool(failed)
