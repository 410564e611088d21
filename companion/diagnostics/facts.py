"""What the extension saw in the browser about one store visit: the input of the tracking checks.

The extension only senses (``extension/js/diagnostics.js``); everything here is a plain fact, and
every judgement about it is a rule in :mod:`companion.diagnostics.checks`. A fact the browser
could not give is ``None``, which the rules read as "unknown", never as "fine".

All of it comes from the shopper's own browser, but names in it (other extensions' names, hosts
of redirects) were chosen by third parties: they are capped here and shown only as text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

PageKind = Literal["page", "cart", "checkout", "order"]
CookieSetting = Literal["allow", "block", "session_only"]

Host = Annotated[str, StringConstraints(min_length=1, max_length=253)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=256)]
PartnerId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a time must have a time zone (e.g. Z)")
    return moment


AwareTime = Annotated[datetime, AfterValidator(_aware)]


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EnabledExtension(_Fact):
    """Another extension that is on in this browser, as the browser's management API names it."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    name: Annotated[str, StringConstraints(max_length=200)]


class RefusedRequest(_Fact):
    """A request of the program's redirect that the browser itself refused, with its error."""

    host: Host
    error: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class Reentry(_Fact):
    """After the landing, the store was opened again through a redirect on another host."""

    via: Host
    # Whether the tab was on this store just before: an extension sent it round another
    # network. Otherwise the shopper came back from elsewhere through someone's link.
    from_store: bool


class Facts(_Fact):
    partner: PartnerId
    # The page the shopper is on now; None when the facts are gathered away from the store.
    page: PageKind | None = None
    # The purchase session: when cashback was activated, and whether the redirect arrived.
    activated_at: AwareTime | None = None
    landed: bool = False

    # 1. Cookies: the browser's setting for the store, and the partner's tracking hints.
    cookie_setting: CookieSetting | None = None
    third_party_cookies_allowed: bool | None = None
    cookies_at_landing: Annotated[list[Name], Field(max_length=50)] | None = None
    params_at_landing: Annotated[list[Name], Field(max_length=50)] | None = None
    cookies_now: Annotated[list[Name], Field(max_length=50)] | None = None

    # 2 and 4. Other extensions that are on (None: the browser would not list them), and
    # requests of the redirect the browser refused.
    extensions: Annotated[list[EnabledExtension], Field(max_length=500)] | None = None
    refused: Annotated[list[RefusedRequest], Field(max_length=20)] = []

    # 3. Private browsing.
    incognito: bool | None = None
    incognito_access: bool | None = None

    # 4. Signs, after the landing, that another affiliate's click replaced ours.
    reentries: Annotated[list[Reentry], Field(max_length=20)] = []
    params_changed: Annotated[list[Name], Field(max_length=50)] = []
    cookies_changed: Annotated[list[Name], Field(max_length=50)] = []

    # 5. The store before the click: its cookies' names, and whether its cart was open.
    cookies_before: Annotated[list[Name], Field(max_length=200)] | None = None
    cart_before: bool | None = None
    # Without an activation: whether the shopper came to the store through an affiliate link
    # not ours (the partner's tracking parameter in the address), which holds the click now.
    affiliate_before: bool | None = None

    # 6. The browser restarted since the activation.
    restarted: bool | None = None

    # 7. Payment or confirmation pages left before they finished loading.
    unfinished: Annotated[list[Literal["checkout", "order"]], Field(max_length=20)] = []
