"""The tracking checks: every rule over a table of facts, the overall verdict, the warning, texts.

Every table starts from CLEAN, a landed session with nothing wrong, which must read "tracked";
each row changes the facts the way one real situation does and names the verdict it must get.
"""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from companion.catalog.model import KnownExtension
from companion.catalog.store import bundled_catalog
from companion.diagnostics.checks import (
    CLIENT_BLOCK_ERRORS,
    LANDING_WAIT_SECONDS,
    MAX_NAMES,
    RULES,
    Context,
    Verdict,
    enabled_known,
    is_cart_or_login_cookie,
    names,
    run_checks,
)
from companion.diagnostics.facts import Facts
from companion.diagnostics.texts import LANGS, TEXTS, TITLES, render
from companion.diagnostics.verdict import overall, should_warn

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
UBLOCK = {"id": "cjpalhdlnbpafiamejdnhcphjbkeiagm", "name": "uBlock Origin"}
HONEY = {"id": "bmnlcjabgnpnenekpadlanbbkooimhnj", "name": "Honey: Automatic Coupons"}
LETY = {"id": "abcdefghijklmnopabcdefghijklmnop", "name": "LetyShops cashback service"}
OTHER = {"id": "ponmlkjihgfedcbaponmlkjihgfedcba", "name": "Dark Reader"}

CONTEXT = Context(
    store="Demo Shop",
    tracking_cookies=("aff_click",),
    tracking_params=("aff_id",),
    ad_blockers=(KnownExtension(name="uBlock Origin", id=UBLOCK["id"]),),
    rivals=(
        KnownExtension(name="Honey", id=HONEY["id"]),
        KnownExtension(name="LetyShops"),
    ),
)

CLEAN: dict[str, Any] = {
    "partner": "shop",
    "page": "checkout",
    "activated_at": NOW - timedelta(minutes=10),
    "landed": True,
    "cookie_setting": "allow",
    "third_party_cookies_allowed": True,
    "cookies_at_landing": ["aff_click"],
    "params_at_landing": ["aff_id"],
    "cookies_now": ["aff_click"],
    "extensions": [OTHER],
    "refused": [],
    "incognito": False,
    "incognito_access": True,
    "reentries": [],
    "params_changed": [],
    "cookies_changed": [],
    "cookies_before": ["_ga"],
    "cart_before": False,
    "restarted": False,
    "unfinished": [],
}


def facts(**changes: Any) -> Facts:
    return Facts.model_validate({**CLEAN, **changes})


def verdict_of(check: str, given: Facts, context: Context = CONTEXT) -> Verdict:
    return next(v for v in run_checks(given, context, NOW) if v.check == check)


def test_clean_session_reads_tracked() -> None:
    verdicts = run_checks(facts(), CONTEXT, NOW)
    assert [(v.check, v.status) for v in verdicts if v.status != "ok"] == []
    assert overall(facts(), verdicts) == "tracked"
    assert not should_warn(facts(), "tracked", verdicts)


# (check, changes to CLEAN, status, reason, action types)
CASES: list[tuple[str, dict[str, Any], str, str, list[str]]] = [
    # 1. Cookies
    ("cookies", {"cookie_setting": "block"}, "fail", "cookies_blocked", []),
    (
        "cookies",
        {"cookie_setting": "block", "activated_at": None, "landed": False},
        "fail",
        "cookies_blocked",
        [],
    ),
    (
        "cookies",
        {"cookies_at_landing": [], "params_at_landing": []},
        "fail",
        "tracking_missing",
        ["activate"],
    ),
    ("cookies", {"cookies_at_landing": []}, "warn", "cookie_missing", []),
    (
        "cookies",
        {"cookies_at_landing": [], "third_party_cookies_allowed": False},
        "warn",
        "cookie_missing_third_party",
        [],
    ),
    # Third-party cookies do not matter when the store's own cookie is there.
    ("cookies", {"third_party_cookies_allowed": False}, "ok", "tracking_seen", []),
    ("cookies", {"params_at_landing": []}, "ok", "tracking_seen", []),
    ("cookies", {"cookie_setting": "session_only"}, "warn", "cookies_session_only", []),
    (
        "cookies",
        {"cookie_setting": "session_only", "landed": False},
        "warn",
        "cookies_session_only",
        [],
    ),
    ("cookies", {"landed": False, "cookies_at_landing": None}, "ok", "cookies_allowed", []),
    (
        "cookies",
        {"cookie_setting": None, "landed": False, "cookies_at_landing": None},
        "unknown",
        "cookie_setting_unknown",
        [],
    ),
    # Firefox: no per-site setting, but the landing shows the cookie arrived.
    ("cookies", {"cookie_setting": None}, "ok", "tracking_seen", []),
    # 2. Ad blocker
    ("ad_blocker", {"extensions": [OTHER, UBLOCK]}, "warn", "blocker_on", ["disable_extension"]),
    (
        "ad_blocker",
        {
            "landed": False,
            "refused": [{"host": "net.test", "error": "net::ERR_BLOCKED_BY_CLIENT"}],
            "extensions": [UBLOCK],
        },
        "fail",
        "redirect_blocked_by",
        ["disable_extension", "activate"],
    ),
    (
        "ad_blocker",
        {"landed": False, "refused": [{"host": "net.test", "error": "extension_page"}]},
        "fail",
        "redirect_blocked",
        ["activate"],
    ),
    # A redirect that failed for another reason (offline, DNS) is not a blocker's doing.
    (
        "ad_blocker",
        {"landed": False, "refused": [{"host": "net.test", "error": "net::ERR_NAME_NOT_RESOLVED"}]},
        "ok",
        "no_blocker",
        [],
    ),
    ("ad_blocker", {"extensions": None}, "unknown", "extensions_unknown", []),
    ("ad_blocker", {"extensions": []}, "ok", "no_blocker", []),
    # 3. Private window
    ("incognito", {"incognito": True}, "fail", "private_window", []),
    ("incognito", {"incognito": None}, "unknown", "window_unknown", []),
    ("incognito", {"incognito_access": False}, "ok", "normal_window_private_unseen", []),
    # 4. Other cashback extensions
    (
        "rival_extensions",
        {"extensions": [HONEY]},
        "warn",
        "rival_on",
        ["disable_extension"],
    ),
    (
        "rival_extensions",
        {"extensions": [LETY]},
        "warn",
        "rival_on",
        ["disable_extension"],
    ),
    (
        "rival_extensions",
        {"reentries": [{"via": "rival.test", "from_store": True}], "extensions": [HONEY]},
        "fail",
        "overwritten_reentry",
        ["disable_extension", "activate"],
    ),
    (
        "rival_extensions",
        {"cookies_changed": ["aff_click"]},
        "fail",
        "overwritten_cookie",
        ["activate"],
    ),
    (
        "rival_extensions",
        {"params_changed": ["aff_id"]},
        "fail",
        "overwritten_params",
        ["activate"],
    ),
    # Coming back from another site through a link is the session's business (check 6).
    (
        "rival_extensions",
        {"reentries": [{"via": "coupons.example", "from_store": False}]},
        "ok",
        "no_rival",
        [],
    ),
    ("rival_extensions", {"extensions": None}, "unknown", "extensions_unknown", []),
    # 5. Earlier visit to the store
    (
        "earlier_session",
        {"cart_before": True},
        "fail",
        "cart_before_click",
        ["clear_cookies_and_activate"],
    ),
    (
        "earlier_session",
        {"cookies_before": ["_ga", "PHPSESSID", "customer_id"]},
        "fail",
        "cookies_before_click",
        ["clear_cookies_and_activate"],
    ),
    # A store page sets a session and a CSRF cookie for every visitor, before any prompt.
    (
        "earlier_session",
        {"cookies_before": ["_ga", "PHPSESSID", "XSRF-TOKEN", "userRegion"]},
        "ok",
        "fresh_store_session",
        [],
    ),
    (
        "earlier_session",
        {"cookies_before": ["cart"], "activated_at": None, "landed": False},
        "warn",  # before a click: about the click to come
        "cookies_before_click",
        ["clear_cookies_and_activate"],
    ),
    # The partner's own tracking cookie from an earlier click is replaced by the landing.
    ("earlier_session", {"cookies_before": ["aff_click"]}, "ok", "fresh_store_session", []),
    (
        "earlier_session",
        {"cookies_before": None, "cart_before": None},
        "unknown",
        "store_before_unknown",
        [],
    ),
    # 6. One session
    (
        "one_session",
        {"activated_at": None, "landed": False, "cookies_at_landing": None},
        "fail",
        "not_activated",
        ["activate"],
    ),
    # Come through someone else's affiliate link: their click, not "not tracked".
    (
        "one_session",
        {"activated_at": None, "landed": False, "affiliate_before": True},
        "warn",
        "other_affiliate_link",
        ["activate"],
    ),
    # The extension follows the redirect for two minutes: on the way, then lost.
    (
        "one_session",
        {"landed": False, "activated_at": NOW - timedelta(seconds=30)},
        "ok",
        "one_session",
        [],
    ),
    (
        "one_session",
        {"landed": False, "activated_at": NOW - timedelta(minutes=3)},
        "fail",
        "never_landed",
        ["activate"],
    ),
    (
        "one_session",
        {"reentries": [{"via": "coupons.example", "from_store": False}]},
        "fail",
        "left_via_link",
        ["activate"],
    ),
    (
        "one_session",
        {"activated_at": NOW - timedelta(hours=25)},
        "fail",
        "session_expired",
        ["activate"],
    ),
    ("one_session", {"activated_at": NOW - timedelta(hours=23)}, "ok", "one_session", []),
    (
        "one_session",
        {"restarted": True, "cookies_now": []},
        "fail",
        "restarted_cookie_gone",
        ["activate"],
    ),
    ("one_session", {"cookies_now": []}, "fail", "cookie_gone", ["activate"]),
    ("one_session", {"restarted": True}, "warn", "restarted", ["activate"]),
    # Nothing known about the jar now: nothing can be said to be gone.
    ("one_session", {"cookies_now": None}, "ok", "one_session", []),
    # 7. Page loading
    ("page_load", {"unfinished": ["checkout"]}, "warn", "checkout_unfinished", []),
    ("page_load", {"unfinished": ["checkout", "order"]}, "warn", "order_page_unfinished", []),
]


@pytest.mark.parametrize(
    ("check", "changes", "status", "reason", "actions"),
    CASES,
    ids=[f"{case[0]}-{case[3]}-{n}" for n, case in enumerate(CASES)],
)
def test_rule(
    check: str, changes: dict[str, Any], status: str, reason: str, actions: list[str]
) -> None:
    got = verdict_of(check, facts(**changes))
    assert (got.status, got.reason) == (status, reason)
    assert [action.type for action in got.actions] == actions


def test_a_private_window_is_offered_no_activation() -> None:
    """In a private window nothing activates, and clearing cookies from there would reach the
    normal window's: every check keeps its words and loses its activating fixes, and only
    those."""
    private = facts(
        incognito=True,
        activated_at=None,
        landed=False,
        cart_before=True,
        extensions=[UBLOCK],
        cookies_at_landing=None,
        params_at_landing=None,
    )
    normal = private.model_copy(update={"incognito": False})
    actions = {v.check: [a.type for a in v.actions] for v in run_checks(private, CONTEXT, NOW)}
    in_normal = {v.check: [a.type for a in v.actions] for v in run_checks(normal, CONTEXT, NOW)}
    # The normal window's answer to the same facts offers both.
    offered = [kind for kinds in in_normal.values() for kind in kinds]
    assert {"activate", "clear_cookies_and_activate", "disable_extension"} <= set(offered)
    assert actions == {
        check: [kind for kind in kinds if kind == "disable_extension"]
        for check, kinds in in_normal.items()
    }


def test_a_rule_names_the_extension_to_turn_off() -> None:
    got = verdict_of("ad_blocker", facts(extensions=[OTHER, UBLOCK]))
    assert [(a.extension_id, a.name) for a in got.actions] == [(UBLOCK["id"], UBLOCK["name"])]
    assert got.args["names"] == "uBlock Origin"


def test_a_hijack_names_the_rival_host() -> None:
    reentries = [
        {"via": "first.example", "from_store": True},
        {"via": "rival.test", "from_store": True},
    ]
    assert verdict_of("rival_extensions", facts(reentries=reentries)).args["host"] == "rival.test"


def test_the_block_errors_are_what_the_browsers_report() -> None:
    """The extension sends them as the browsers word them (extension/js/constants.js)."""
    constants = (Path(__file__).parents[2] / "extension/js/constants.js").read_text()
    found = re.search(r"BLOCKED_BY_CLIENT_ERRORS = Object.freeze\(\[([^\]]*)\]\)", constants)
    assert found is not None
    sent = set(re.findall(r'"([^"]+)"', found[1]))
    assert sent == {"net::ERR_BLOCKED_BY_CLIENT", "Error code 2147500036"}
    assert sent <= CLIENT_BLOCK_ERRORS


# (changes, overall)
OVERALL: list[tuple[dict[str, Any], str]] = [
    ({}, "tracked"),
    ({"activated_at": None, "landed": False}, "untracked"),
    ({"cookie_setting": "block"}, "untracked"),
    ({"extensions": [UBLOCK]}, "at_risk"),
    ({"landed": False, "activated_at": NOW - timedelta(seconds=30)}, "at_risk"),  # on the way
    ({"landed": False}, "untracked"),  # ten minutes on, the redirect never arrived
    ({"activated_at": None, "landed": False, "affiliate_before": True}, "at_risk"),
    ({"activated_at": None, "landed": False, "affiliate_before": False}, "untracked"),
    (
        {
            "activated_at": None,
            "landed": False,
            "affiliate_before": True,
            "cookie_setting": "block",
        },
        "untracked",
    ),
    ({"incognito": None, "extensions": None, "cookie_setting": None}, "tracked"),  # unknowns
    ({"unfinished": ["order"]}, "at_risk"),
    ({"reentries": [{"via": "rival.test", "from_store": True}]}, "untracked"),
]


@pytest.mark.parametrize(("changes", "expected"), OVERALL)
def test_overall(changes: dict[str, Any], expected: str) -> None:
    given = facts(**changes)
    assert overall(given, run_checks(given, CONTEXT, NOW)) == expected


# (changes, warn)
WARN: list[tuple[dict[str, Any], bool]] = [
    ({}, False),
    ({"page": "cart", "activated_at": None, "landed": False}, True),  # checkout unactivated
    ({"page": "checkout", "extensions": [UBLOCK]}, True),  # at risk at checkout
    ({"page": "page", "extensions": [UBLOCK]}, False),  # at risk, not paying yet
    ({"page": "page", "activated_at": None, "landed": False}, False),  # the prompt's turn
    ({"page": "page", "activated_at": None, "landed": False, "cart_before": True}, False),
    ({"page": "page", "reentries": [{"via": "rival.test", "from_store": True}]}, True),
    (
        {
            "page": "page",
            "landed": False,
            "refused": [{"host": "net.test", "error": "net::ERR_BLOCKED_BY_CLIENT"}],
        },
        True,
    ),
    ({"page": "page", "activated_at": None, "landed": False, "incognito": True}, True),
    ({"page": "order", "cookie_setting": "block"}, False),  # too late to help
    ({"page": None, "cookie_setting": "block"}, False),  # not on the store
]


@pytest.mark.parametrize(("changes", "expected"), WARN)
def test_should_warn(changes: dict[str, Any], expected: bool) -> None:
    given = facts(**changes)
    verdicts = run_checks(given, CONTEXT, NOW)
    assert should_warn(given, overall(given, verdicts), verdicts) is expected


KNOWN = [KnownExtension(name="Honey", id=HONEY["id"]), KnownExtension(name="LetyShops")]

# (enabled extension, known)
MATCHES: list[tuple[dict[str, str], bool]] = [
    (HONEY, True),
    ({"id": HONEY["id"], "name": "renamed"}, True),  # the id decides
    # In Chromium a name never stands in for a known Chromium id: a clone may take the name.
    ({"id": "b" * 32, "name": "Honey"}, False),
    # Firefox's add-on ids are of another kind: there the name is what there is.
    ({"id": "jid1-93CWPmRbVPjRQA@jetpack", "name": "Honey"}, True),
    ({"id": "uBlock0@raymondhill.net", "name": "Honeycomb"}, False),
    ({"id": "a" * 32, "name": "LetyShops"}, True),
    ({"id": "a" * 32, "name": "letyshops: кэшбэк"}, True),
    ({"id": "a" * 32, "name": "MyLetyShopsClone"}, False),
    (OTHER, False),
]


@pytest.mark.parametrize(("extension", "expected"), MATCHES)
def test_enabled_known(extension: dict[str, str], expected: bool) -> None:
    given = facts(extensions=[extension]).extensions
    assert bool(enabled_known(given, KNOWN)) is expected


def test_firefox_add_ons_of_the_bundled_lists_are_known_by_name() -> None:
    """The bundled catalog gives Chrome Web Store ids; Firefox names its add-ons otherwise."""
    bundled = bundled_catalog().extensions
    firefox = [
        {"id": "uBlock0@raymondhill.net", "name": "uBlock Origin"},
        {"id": "jid1-93CWPmRbVPjRQA@jetpack", "name": "Honey: Automatic Coupons & Rewards"},
    ]
    on = facts(extensions=firefox).extensions
    assert [e.name for e in enabled_known(on, bundled.ad_blockers)] == ["uBlock Origin"]
    assert len(enabled_known(on, bundled.rivals)) == 1


def test_nothing_is_known_when_the_browser_lists_nothing() -> None:
    assert enabled_known(None, KNOWN) == []


COOKIE_NAMES: list[tuple[str, bool]] = [
    # Set for every visitor, signed in or not.
    ("PHPSESSID", False),
    ("JSESSIONID", False),
    ("connect.sid", False),
    ("ASP.NET_SessionId", False),
    ("XSRF-TOKEN", False),
    ("csrftoken", False),
    ("userRegion", False),
    ("__Secure-access-token", False),  # Ozon, for guests too
    ("__Secure-refresh-token", False),
    ("__Secure-user-id", False),
    ("cart_currency", False),  # Shopify, for every visitor
    ("secure_customer_sig", False),
    # A cart or a sign-in.
    ("wordpress_logged_in_1f2e", True),
    ("auth_token", True),
    ("cart", True),
    ("cart_id", True),
    ("basket_token", True),
    ("korzina", True),
    ("customer_id", True),
    ("remember_me", True),
    ("logged_in", True),
    ("shopping_bag", True),
    ("_ga", False),
    ("_ym_uid", False),
    ("consider", False),
    ("handbags_promo", False),
    ("aff_click", False),
]


@pytest.mark.parametrize(("name", "expected"), COOKIE_NAMES)
def test_cart_or_login_cookie_names(name: str, expected: bool) -> None:
    assert is_cart_or_login_cookie(name) is expected


def test_names_are_capped_for_a_sentence() -> None:
    many = [f"extension {n}" for n in range(MAX_NAMES + 3)]
    assert names(many).count(",") == MAX_NAMES - 1
    assert names(["x" * 500]) == "x" * 60
    assert names(["a", "a", "b"]) == "a, b"


def _placeholders(text: str | None) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text or "") if name}


@pytest.mark.parametrize("reason", sorted(TEXTS))
def test_every_reason_reads_the_same_in_both_languages(reason: str) -> None:
    english, russian = TEXTS[reason]["en"], TEXTS[reason]["ru"]
    assert _placeholders(english.why) == _placeholders(russian.why)
    assert _placeholders(english.fix) == _placeholders(russian.fix)
    assert (english.fix is None) == (russian.fix is None)


def test_every_verdict_has_words_and_every_text_is_used() -> None:
    produced = {}
    for check, changes, *_ in CASES:
        verdict = verdict_of(check, facts(**changes))
        produced[verdict.reason] = verdict
    for verdict in run_checks(facts(), CONTEXT, NOW):
        produced[verdict.reason] = verdict
    assert set(produced) == set(TEXTS), "a text no rule gives, or a rule with no text"
    for verdict in produced.values():
        for lang in LANGS:
            title, why, fix = render(verdict, lang)
            assert title
            assert why
            # A failure or a warning always says what to do.
            assert (fix is not None) or verdict.status in ("ok", "unknown"), verdict.reason


def test_every_check_has_a_title_and_a_rule() -> None:
    checks = {verdict.check for verdict in run_checks(facts(), CONTEXT, NOW)}
    assert checks == set(TITLES)
    assert len(RULES) == len(TITLES) == 7


def test_the_landing_wait_is_the_extensions() -> None:
    constants = (Path(__file__).parents[2] / "extension/js/constants.js").read_text()
    found = re.search(r"ACTIVATION_TIMEOUT_MS = (\d+) \* 60 \* 1000;", constants)
    assert found is not None
    assert int(found[1]) * 60 == LANDING_WAIT_SECONDS
