"""The tracking checks: the programs' seven guidelines as pure rules over what the browser saw.

Each rule reads :class:`~companion.diagnostics.facts.Facts` and a :class:`Context` (the store and
the catalog's lists) and returns one :class:`Verdict`: the worst thing it found, or why all is
well. A verdict names its ``reason``, a code with ``args``; :mod:`companion.diagnostics.texts`
turns it into the shopper's language. ``actions`` are the fixes the browser allows in one click,
which the extension performs only when the shopper clicks them.

The guidelines (``docs/domain.md``): no ad blocker, cookies allowed, no other cashback
extensions, no private window, no cart or login from before the click, one session, and the
payment page loaded to the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from companion.catalog.model import CHROMIUM_ID, KnownExtension
from companion.diagnostics.facts import EnabledExtension, Facts
from companion.text import shown

CheckName = Literal[
    "cookies",
    "ad_blocker",
    "incognito",
    "rival_extensions",
    "earlier_session",
    "one_session",
    "page_load",
]
Status = Literal["ok", "warn", "fail", "unknown"]
ActionType = Literal["activate", "disable_extension", "clear_cookies_and_activate"]

# The programs give no window beyond "buy within one session"; the extension's session lasts
# a day (SESSION_MAX_AGE_MS), and so does this rule's.
SESSION_HOURS = 24

# How a browser reports a request that one of its extensions blocked: Chromium's net error,
# Firefox's NS_ERROR_ABORT as its webNavigation words it (extension/js/constants.js says how it
# differs from an ordinary abort), and the extension's own page a blocker may put in place of
# the blocked document (strict blocking).
CLIENT_BLOCK_ERRORS = frozenset(
    {"net::ERR_BLOCKED_BY_CLIENT", "Error code 2147500036", "extension_page"}
)

# How long the extension follows a program's redirect to the store (ACTIVATION_TIMEOUT_MS in
# extension/js/constants.js; tests/unit/test_checks.py holds the two equal).
LANDING_WAIT_SECONDS = 120
# At most this many names go into one sentence; the rest are left out, not the sentence cut.
MAX_NAMES = 5
MAX_NAME_CHARS = 60
# The longest argument a verdict holds (a list of names, a host): what a backup takes back.
MAX_ARG_CHARS = max(MAX_NAMES * (MAX_NAME_CHARS + 2), 253)


@dataclass(frozen=True)
class Action:
    type: ActionType
    extension_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Verdict:
    check: CheckName
    status: Status
    reason: str
    args: Mapping[str, str] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Context:
    """What the rules know besides the facts: the store, its tracking hints, the known lists."""

    store: str
    tracking_cookies: tuple[str, ...] = ()
    tracking_params: tuple[str, ...] = ()
    ad_blockers: tuple[KnownExtension, ...] = ()
    rivals: tuple[KnownExtension, ...] = ()
    session_hours: int = SESSION_HOURS


ACTIVATE = Action("activate")
CLEAR_AND_ACTIVATE = Action("clear_cookies_and_activate")
ACTIVATIONS = (ACTIVATE, CLEAR_AND_ACTIVATE)


def names(items: Iterable[str]) -> str:
    """A short list for a sentence: at most MAX_NAMES, each at most MAX_NAME_CHARS long."""
    unique = list(dict.fromkeys(shown(item)[:MAX_NAME_CHARS] for item in items))
    return ", ".join(unique[:MAX_NAMES])


def host(name: str) -> str:
    """A host for a sentence. The facts take any text as a host: an ESC or a line break in
    one is shown as its escape, not kept, so a run stays one a backup takes back."""
    return shown(name)[:MAX_ARG_CHARS]


def enabled_known(
    extensions: Iterable[EnabledExtension] | None, known: Iterable[KnownExtension]
) -> list[EnabledExtension]:
    """Which enabled extensions are on a known list: by id, or by name where the list gives no
    id of this browser's kind.

    A name matches as whole words, case-insensitively: "LetyShops" matches "LetyShops cashback",
    not "MyLetyShopsClone". Where the list gives a Chromium id, a Chromium extension is known by
    that id alone (a clone may take the name), but in Firefox, whose add-on ids look otherwise
    ("uBlock0@raymondhill.net"), the name is all there is to go by.
    """
    if extensions is None:
        return []
    by_id = {entry.id for entry in known if entry.id is not None}
    by_name = [
        (
            _chromium_id(entry.id) if entry.id is not None else None,
            re.compile(rf"(?<!\w){re.escape(entry.name.casefold())}(?!\w)"),
        )
        for entry in known
    ]

    def is_known(extension: EnabledExtension) -> bool:
        if extension.id in by_id:
            return True
        kind = _chromium_id(extension.id)
        name = extension.name.casefold()
        return any(
            pattern.search(name) for listed, pattern in by_name if listed is None or listed != kind
        )

    return [extension for extension in extensions if is_known(extension)]


def _chromium_id(extension_id: str) -> bool:
    return _CHROMIUM_ID.fullmatch(extension_id) is not None


_CHROMIUM_ID = re.compile(CHROMIUM_ID)


def _disable(extensions: Iterable[EnabledExtension]) -> tuple[Action, ...]:
    return tuple(
        Action("disable_extension", extension.id, shown(extension.name)[:MAX_NAME_CHARS])
        for extension in extensions
    )


def cookies(facts: Facts, context: Context, now: datetime) -> Verdict:
    """Guideline 2: the browser keeps the store's cookies, and the click's hint really arrived."""

    def verdict(status: Status, reason: str, **args: str) -> Verdict:
        actions = (ACTIVATE,) if status == "fail" and reason != "cookies_blocked" else ()
        return Verdict("cookies", status, reason, {"store": context.store, **args}, actions)

    if facts.cookie_setting == "block":
        return verdict("fail", "cookies_blocked")
    hinted = bool(context.tracking_cookies or context.tracking_params)
    landing = facts.cookies_at_landing, facts.params_at_landing
    if facts.landed and hinted and landing[0] is not None and landing[1] is not None:
        seen = [*landing[0], *landing[1]]
        if not seen:
            expected = names([*context.tracking_cookies, *context.tracking_params])
            return verdict("fail", "tracking_missing", expected=expected)
        if context.tracking_cookies and not landing[0]:
            reason = (
                "cookie_missing_third_party"
                if facts.third_party_cookies_allowed is False
                else "cookie_missing"
            )
            return verdict("warn", reason, cookies=names(context.tracking_cookies))
        if facts.cookie_setting == "session_only":
            return verdict("warn", "cookies_session_only")
        return verdict("ok", "tracking_seen", evidence=names(seen))
    if facts.cookie_setting == "session_only":
        return verdict("warn", "cookies_session_only")
    if facts.cookie_setting == "allow":
        return verdict("ok", "cookies_allowed")
    return verdict("unknown", "cookie_setting_unknown")


def ad_blocker(facts: Facts, context: Context, now: datetime) -> Verdict:
    """Guideline 1: no ad blocker on, and nothing blocked the program's redirect."""
    on = enabled_known(facts.extensions, context.ad_blockers)
    blocked = [r.host for r in facts.refused if r.error in CLIENT_BLOCK_ERRORS]
    if blocked:
        args = {"host": host(blocked[0]), "names": names(e.name for e in on)}
        reason = "redirect_blocked_by" if on else "redirect_blocked"
        return Verdict("ad_blocker", "fail", reason, args, (*_disable(on), ACTIVATE))
    if on:
        args = {"names": names(e.name for e in on)}
        return Verdict("ad_blocker", "warn", "blocker_on", args, _disable(on))
    if facts.extensions is None:
        return Verdict("ad_blocker", "unknown", "extensions_unknown")
    return Verdict("ad_blocker", "ok", "no_blocker")


def incognito(facts: Facts, context: Context, now: datetime) -> Verdict:
    """Guideline 4: not in a private window (which the extension may not even be allowed into)."""
    if facts.incognito:
        return Verdict("incognito", "fail", "private_window", {"store": context.store})
    if facts.incognito is None:
        return Verdict("incognito", "unknown", "window_unknown")
    if facts.incognito_access is False:
        return Verdict("incognito", "ok", "normal_window_private_unseen")
    return Verdict("incognito", "ok", "normal_window")


def rival_extensions(facts: Facts, context: Context, now: datetime) -> Verdict:
    """Guideline 3: no other cashback extension on, and nothing put its click over ours."""
    on = enabled_known(facts.extensions, context.rivals)
    fixes = (*_disable(on), ACTIVATE)
    found = {"names": names(e.name for e in on)}
    hijacks = [reentry.via for reentry in facts.reentries if reentry.from_store]
    if hijacks:
        args = {**found, "host": host(hijacks[-1])}
        return Verdict("rival_extensions", "fail", "overwritten_reentry", args, fixes)
    if facts.cookies_changed:
        args = {**found, "cookies": names(facts.cookies_changed)}
        return Verdict("rival_extensions", "fail", "overwritten_cookie", args, fixes)
    if facts.params_changed:
        args = {**found, "params": names(facts.params_changed)}
        return Verdict("rival_extensions", "fail", "overwritten_params", args, fixes)
    if on:
        return Verdict("rival_extensions", "warn", "rival_on", found, _disable(on))
    if facts.extensions is None:
        return Verdict("rival_extensions", "unknown", "extensions_unknown")
    return Verdict("rival_extensions", "ok", "no_rival")


# Cookie names that mean a signed-in shopper or a filled cart, which guideline 5 asks to clear
# before the click. A fragment marked True must be a whole word of the name ("shopping_bag",
# not "handbags"); the others may sit inside one ("wordpress_logged_in_1f2e", "cart_id").
# A bare session or CSRF cookie (PHPSESSID, JSESSIONID, connect.sid, XSRF-TOKEN) is not one of
# them: a store sets it on every visitor's first page, and the prompt asks on a store page the
# shopper is already on, so counting it failed nearly every activation on a real store.
CART_OR_LOGIN_COOKIES: tuple[tuple[str, bool], ...] = (
    ("auth", False),
    ("login", False),
    ("logged", False),
    ("remember", False),
    ("customer", False),
    ("account", False),
    ("cart", False),
    ("basket", False),
    ("korzin", False),
    ("trolley", False),
    ("bag", True),
)
# Set for every visitor though their names say otherwise: Shopify's currency and signature
# cookies. Token words ("access", "refresh", "user") are left out of the list above for the same
# reason: Ozon gives guests __Secure-access-token, __Secure-refresh-token and __Secure-user-id.
ANONYMOUS_COOKIES = frozenset({"cart_currency", "secure_customer_sig"})
_WORDS = re.compile(r"[a-z0-9]+")


def is_cart_or_login_cookie(name: str) -> bool:
    lowered = name.casefold()
    if lowered in ANONYMOUS_COOKIES:
        return False
    words = set(_WORDS.findall(lowered))
    return any(
        fragment in words if whole else fragment in lowered
        for fragment, whole in CART_OR_LOGIN_COOKIES
    )


def earlier_session(facts: Facts, context: Context, now: datetime) -> Verdict:
    """Guideline 5: no cart or login on the store from before the click.

    Before any click this is about the click to come: a warning, with the fix that makes it a
    clean one. A fail there would make a visit through someone else's affiliate link read "not
    tracked" (its own check only warns) whenever the cart was opened."""
    store = {"store": context.store}
    fixes = (CLEAR_AND_ACTIVATE,)
    failing: Status = "fail" if facts.activated_at is not None else "warn"
    if facts.cart_before:
        return Verdict("earlier_session", failing, "cart_before_click", store, fixes)
    ours = set(context.tracking_cookies)
    found = [
        name
        for name in facts.cookies_before or []
        if name not in ours and is_cart_or_login_cookie(name)
    ]
    if found:
        args = {**store, "cookies": names(found)}
        return Verdict("earlier_session", failing, "cookies_before_click", args, fixes)
    if facts.cookies_before is None and facts.cart_before is None:
        return Verdict("earlier_session", "unknown", "store_before_unknown")
    return Verdict("earlier_session", "ok", "fresh_store_session", store)


def one_session(facts: Facts, context: Context, now: datetime) -> Verdict:
    """Guideline 6: one session, from the click to the payment."""
    store = {"store": context.store}
    if facts.activated_at is None:
        if facts.affiliate_before:
            # Cashback may come through that link (it may be the shopper's own program's), so
            # this is no "not tracked"; Activate would replace its click, which the words say.
            return Verdict("one_session", "warn", "other_affiliate_link", store, (ACTIVATE,))
        return Verdict("one_session", "fail", "not_activated", store, (ACTIVATE,))
    if not facts.landed and (now - facts.activated_at).total_seconds() > LANDING_WAIT_SECONDS:
        # The extension stopped following the redirect: a program's page left open, a login
        # never finished, a tab closed. Without a landing the store saw no click.
        return Verdict("one_session", "fail", "never_landed", store, (ACTIVATE,))
    elsewhere = [reentry.via for reentry in facts.reentries if not reentry.from_store]
    if elsewhere:
        args = {**store, "host": host(elsewhere[-1])}
        return Verdict("one_session", "fail", "left_via_link", args, (ACTIVATE,))
    if (now - facts.activated_at).total_seconds() > context.session_hours * 3600:
        args = {**store, "hours": str(context.session_hours)}
        return Verdict("one_session", "fail", "session_expired", args, (ACTIVATE,))
    if facts.cookies_now is not None:
        gone = [name for name in facts.cookies_at_landing or [] if name not in facts.cookies_now]
        if gone:
            reason = "restarted_cookie_gone" if facts.restarted else "cookie_gone"
            args = {**store, "cookies": names(gone)}
            return Verdict("one_session", "fail", reason, args, (ACTIVATE,))
    if facts.restarted:
        return Verdict("one_session", "warn", "restarted", store, (ACTIVATE,))
    return Verdict("one_session", "ok", "one_session", store)


def page_load(facts: Facts, context: Context, now: datetime) -> Verdict:
    """Guideline 7: the payment and confirmation pages loaded to the end."""
    if "order" in facts.unfinished:
        return Verdict("page_load", "warn", "order_page_unfinished")
    if "checkout" in facts.unfinished:
        return Verdict("page_load", "warn", "checkout_unfinished")
    return Verdict("page_load", "ok", "pages_loaded")


Rule = Callable[[Facts, Context, datetime], Verdict]

# In the order the shopper reads them.
RULES: tuple[Rule, ...] = (
    one_session,
    cookies,
    ad_blocker,
    rival_extensions,
    earlier_session,
    incognito,
    page_load,
)


def run_checks(facts: Facts, context: Context, now: datetime) -> list[Verdict]:
    verdicts = [rule(facts, context, now) for rule in RULES]
    if facts.incognito:
        # No click counts in a private window, and the extension makes none there; clearing
        # the store's cookies from one would reach the normal window's (Chromium's cookies API
        # reads the default store unless told otherwise). The fix is the normal window.
        verdicts = [
            replace(verdict, actions=tuple(a for a in verdict.actions if a not in ACTIVATIONS))
            for verdict in verdicts
        ]
    return verdicts
