"""Time as the companion writes it: UTC, ISO 8601, millisecond precision, ``Z`` suffix.

Text timestamps in this form sort the same as the instants they name, which the log's
indexes rely on.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    return iso(now())


def parse(text: str) -> datetime:
    """Parse an ISO 8601 timestamp; one without a zone is refused, since it names no instant."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment


def local_text(moment: str | None) -> str:
    """A stored time in this machine's zone, to the minute (``2026-01-10 12:00``): what the
    dashboard and the CLI show, since a shopper reads their own clock and the filters take
    their own days."""
    if moment is None:
        return ""
    return f"{parse(moment).astimezone():%Y-%m-%d %H:%M}"
