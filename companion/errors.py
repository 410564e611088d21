"""The one shape of a refusal of bad input, shared by the companion's domain modules.

The API turns it into ``422 {"error": {..., "field": ...}}``, the CLI into one line naming the
option, the dashboard into a message on the page; each module subclasses it so a caller can
tell whose rule refused.
"""

from __future__ import annotations


class InputError(ValueError):
    """Input a rule refuses; ``field`` names the input at fault, when one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field
