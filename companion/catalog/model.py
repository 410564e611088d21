"""The catalog's shape, validated with pydantic. ``docs/catalog.md`` is its prose twin.

Field rules that need only the field live here; rules across fields and records (an offer names
a known program, no domain listed twice) live in :mod:`companion.catalog.validate`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from companion.ledger.limits import places
from companion.text import no_controls
from companion.tracking.hosts import HostError, store_domain

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
# Names and amounts within what the ledger can hold (a click keeps a snapshot of its offer, and a
# backup must import what was stored): no control characters, 20 decimal places, 10^12.
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(no_controls),
]
Rounding = Literal["none", "half_up_integer"]

# Validation context for a catalog the companion stored itself: its domains were checked against
# the Public Suffix List at import, and doing it again for every start costs seconds on a large one.
TRUSTED = "trusted"

_STRAY_BRACES = re.compile(r"\{[^{}]*\}?|\}")
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f]")
# A Chromium extension's id: 32 letters a-p. The checks tell it from Firefox's add-on ids.
CHROMIUM_ID = r"[a-p]{32}"
_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$")  # RFC 6265 cookie-name / param chars


class _Record(BaseModel):
    # Unknown fields are refused: a typo ("rate_precent") must not silently drop a rate.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Program(_Record):
    id: Identifier
    name: Name
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    rounding: Rounding = "none"
    monthly_cap: Annotated[Decimal, Field(gt=0)] | None = None
    confirmation_days: Annotated[int, Field(ge=1, le=730)]
    payout_day: Annotated[int, Field(ge=1, le=28)] = 1
    # The program's own calendar: which day an order was placed, confirmed or is due is a day
    # where the program is (MTS counts in Moscow time), not where the shopper's clock is.
    timezone: Annotated[str, StringConstraints(max_length=64)] = "UTC"
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None:
            _require_http_url(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise PydanticCustomError(
                "timezone",
                '"{value}" is not an IANA time zone such as Europe/Moscow',
                {"value": value},
            ) from exc
        return value


class Offer(_Record):
    program: Identifier
    rate_percent: Annotated[Decimal, Field(ge=0, le=100), AfterValidator(places)] | None = None
    fixed_amount: (
        Annotated[Decimal, Field(gt=0, le=Decimal("1e12")), AfterValidator(places)] | None
    ) = None
    up_to: bool = False
    confirmation_days: Annotated[int, Field(ge=1, le=730)] | None = None
    note: Annotated[str, StringConstraints(max_length=500)] | None = None
    go_url: str

    @field_validator("go_url")
    @classmethod
    def _template(cls, value: str, info: ValidationInfo) -> str:
        if _trusted(info):
            return value
        # /go/ fills in exactly "{click_id}" and "{target_url}" (tracking/clicks.py), so any
        # other brace would reach the program's server as it is: "{click_id!r}", "{{x}}".
        rest = value.replace("{click_id}", "").replace("{target_url}", "")
        stray = _STRAY_BRACES.search(rest)
        if stray is not None:
            raise PydanticCustomError(
                "go_url",
                "has {found}: the only placeholders are {click_id} and {target_url}",
                {"found": repr(stray[0])},
            )
        _require_http_url(value.replace("{click_id}", "x").replace("{target_url}", "x"))
        return value

    @model_validator(mode="after")
    def _one_kind_of_rate(self) -> Offer:
        if (self.rate_percent is None) == (self.fixed_amount is None):
            raise PydanticCustomError(
                "offer_rate", "an offer has exactly one of rate_percent and fixed_amount"
            )
        return self


class Tracking(_Record):
    cookies: list[Annotated[str, StringConstraints(pattern=_TOKEN.pattern)]] = []
    params: list[Annotated[str, StringConstraints(pattern=_TOKEN.pattern)]] = []


class Partner(_Record):
    id: Identifier
    name: Name
    category: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
    domains: Annotated[list[str], Field(min_length=1)]
    exclude: list[str] = []
    offers: Annotated[list[Offer], Field(min_length=1)]
    tracking: Tracking = Tracking()
    order_pages: list[Annotated[str, StringConstraints(pattern=r"^/[^\s]*$", max_length=500)]] = []

    @field_validator("domains", "exclude", mode="after")
    @classmethod
    def _hosts(cls, values: list[str], info: ValidationInfo) -> list[str]:
        if _trusted(info):
            return values
        normalised = []
        for position, value in enumerate(values):
            try:
                normalised.append(store_domain(value))
            except HostError as exc:
                raise PydanticCustomError(
                    "domain", "[{position}]: {why}", {"position": position, "why": str(exc)}
                ) from exc
        return normalised


class KnownExtension(_Record):
    """A browser extension the tracking checks look for (``companion/diagnostics/``)."""

    name: Name
    # Chromium's 32 letters a-p, or a Firefox add-on id. Absent where no id was verified: the
    # extension is then recognised by its name.
    id: (
        Annotated[
            str, StringConstraints(pattern=rf"^(?:{CHROMIUM_ID}|[A-Za-z0-9._+@{{}}-]{{1,128}})$")
        ]
        | None
    ) = None


class KnownExtensions(_Record):
    # Extensions that block requests, affiliate redirects among them.
    ad_blockers: list[KnownExtension] = []
    # Cashback and coupon extensions that put their own affiliate click over the shopper's.
    rivals: list[KnownExtension] = []


class Catalog(_Record):
    name: Name | None = None
    programs: Annotated[list[Program], Field(min_length=1)]
    partners: list[Partner]
    extensions: KnownExtensions = KnownExtensions()


class CatalogHead(_Record):
    """A stored catalog without its partners: what the running companion keeps in memory
    besides the host table (``companion/catalog/store.py``)."""

    name: Name | None = None
    programs: list[Program]
    extensions: KnownExtensions = KnownExtensions()


def _trusted(info: ValidationInfo) -> bool:
    """Read back from our own database: validated and normalised when it was imported."""
    return info.context is not None and bool(info.context.get(TRUSTED))


def _require_http_url(value: str) -> None:
    # urlsplit drops tabs and line breaks without a word, and a line break in the Location
    # header of /go/ makes aiohttp drop the connection: the shopper's tab shows an error.
    unsafe = _UNSAFE_IN_URL.search(value)
    if unsafe is not None:
        raise PydanticCustomError(
            "http_url",
            "must not hold spaces or control characters, found {found}",
            {"found": repr(unsafe[0])},
        )
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PydanticCustomError(
            "http_url", "must be an http or https URL, got {value}", {"value": repr(value)}
        )
