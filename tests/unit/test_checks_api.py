"""``POST /api/v1/diagnostics`` and the check runs stored with a click's session."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion.catalog.validate import parse_catalog
from companion.diagnostics.store import checks_for_click, latest_run, run_at
from companion.http.state import CompanionState
from companion.tracking.matcher import PartnerIndex

UBLOCK = {"id": "cjpalhdlnbpafiamejdnhcphjbkeiagm", "name": "uBlock Origin"}
PRIVATE = {"id": "ponmlkjihgfedcbaponmlkjihgfedcba", "name": "My diary"}


@pytest.fixture(autouse=True)
def known_extensions(state: CompanionState, vectors: dict[str, Any]) -> None:
    """The vectors' catalog with a list of known ad blockers."""
    document = {
        **vectors["catalog"],
        "extensions": {"ad_blockers": [UBLOCK], "rivals": [{"name": "LetyShops"}]},
    }
    state.index = PartnerIndex.from_catalog(parse_catalog(json.dumps(document)), "with-extensions")


def clean_facts(**changes: Any) -> dict[str, Any]:
    activated = datetime.now(UTC) - timedelta(minutes=5)
    return {
        "partner": "shop",
        "page": "checkout",
        "activated_at": activated.isoformat(),
        "landed": True,
        "cookie_setting": "allow",
        "third_party_cookies_allowed": True,
        "cookies_at_landing": ["aff"],
        "params_at_landing": ["aff_id"],
        "cookies_now": ["aff"],
        "extensions": [PRIVATE],
        "incognito": False,
        "incognito_access": False,
        "cookies_before": [],
        "cart_before": False,
        "restarted": False,
        **changes,
    }


async def click_for(client: TestClient, auth: dict[str, str], url: str) -> str:
    response = await client.post("/api/v1/clicks", json={"url": url}, headers=auth)
    assert response.status == 200, await response.text()
    return str((await response.json())["click_id"])


async def diagnose(
    client: TestClient, auth: dict[str, str], body: dict[str, Any], status: int = 200
) -> dict[str, Any]:
    response = await client.post("/api/v1/diagnostics", json=body, headers=auth)
    assert response.status == status, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


async def test_clean_facts_read_tracked(client: TestClient, auth: dict[str, str]) -> None:
    answer = await diagnose(client, auth, {"facts": clean_facts()})
    assert answer["verdict"] == "tracked"
    assert answer["warn"] is False
    assert answer["run_id"] is None, "nothing is stored without a click"
    assert {c["status"] for c in answer["checks"]} == {"ok"}
    assert answer["checks"][0]["check"] == "one_session"


async def test_a_failing_check_in_the_shoppers_language(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = {"facts": clean_facts(extensions=[UBLOCK, PRIVATE], cookie_setting="block")}
    answer = await diagnose(client, auth, {**body, "lang": "ru"})
    assert answer["verdict"] == "untracked"
    assert answer["warn"] is True
    checks = {c["check"]: c for c in answer["checks"]}
    assert checks["cookies"]["status"] == "fail"
    assert checks["cookies"]["title"] == "Файлы cookie"
    assert "Shop" in checks["cookies"]["why"]
    assert checks["ad_blocker"]["status"] == "warn"
    assert checks["ad_blocker"]["actions"] == [
        {"type": "disable_extension", "extension_id": UBLOCK["id"], "name": "uBlock Origin"}
    ]


async def test_a_run_with_a_click_is_stored_with_its_session(
    client: TestClient, state: CompanionState, auth: dict[str, str]
) -> None:
    click_id = await click_for(client, auth, "https://www.shop.example/cart")
    clean = await diagnose(client, auth, {"facts": clean_facts(), "click_id": click_id})
    assert isinstance(clean["run_id"], int)
    facts = clean_facts(extensions=[UBLOCK, PRIVATE], page="order")
    risky = await diagnose(client, auth, {"facts": facts, "click_id": click_id})
    assert risky["verdict"] == "at_risk"

    response = await client.get(f"/api/v1/clicks/{click_id}/checks?lang=ru", headers=auth)
    runs = (await response.json())["runs"]
    assert [run["verdict"] for run in runs] == ["at_risk", "tracked"], "newest first"
    assert runs[0]["page"] == "order"
    assert runs[0]["checks"][0]["title"] == "Одна сессия"

    stored = checks_for_click(state.conn, click_id)
    # Of the shopper's extensions only the known ones are kept.
    assert stored[0].facts["extensions"] == [UBLOCK]
    assert "My diary" not in json.dumps([run.facts for run in stored])
    latest = latest_run(state.conn, click_id)
    assert latest is not None
    assert latest.run_id == risky["run_id"]
    at_first = run_at(state.conn, click_id, clean["at"])
    assert at_first is not None
    assert at_first.verdict == "tracked"
    assert run_at(state.conn, click_id, "2000-01-01T00:00:00.000Z") is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"facts": clean_facts(partner="nosuchstore")}, "facts.partner"),
        ({"facts": clean_facts(), "click_id": "c_nosuchclick"}, "click_id"),
        ({"facts": clean_facts(), "lang": "de"}, "lang"),
        ({"facts": clean_facts(activated_at="2026-11-23T08:00:00")}, "facts.activated_at"),
        ({"facts": clean_facts(page="admin")}, "facts.page"),
        ({"facts": clean_facts(surprise=True)}, "facts.surprise"),
        ({"facts": clean_facts(extensions=[{"id": "x" * 129, "name": "n"}])}, "facts.extensions"),
        ({"facts": clean_facts(refused=[{"host": "h", "error": "e"}] * 21)}, "facts.refused"),
    ],
)
async def test_bad_facts_are_refused_naming_the_field(
    client: TestClient, auth: dict[str, str], body: dict[str, Any], field: str
) -> None:
    answer = await diagnose(client, auth, body, status=422)
    assert answer["error"]["field"].startswith(field), answer


async def test_a_click_of_another_store_is_refused(
    client: TestClient, auth: dict[str, str]
) -> None:
    click_id = await click_for(client, auth, "https://aliexpress.com/item/1.html")
    answer = await diagnose(client, auth, {"facts": clean_facts(), "click_id": click_id}, 422)
    assert answer["error"]["field"] == "click_id"


async def test_diagnostics_need_the_token(client: TestClient) -> None:
    response = await client.post("/api/v1/diagnostics", json={"facts": clean_facts()})
    assert response.status == 401
    response = await client.get("/api/v1/clicks/c_x/checks")
    assert response.status == 401


async def test_the_openapi_document_has_the_endpoints(client: TestClient) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()
    assert "post" in document["paths"]["/api/v1/diagnostics"]
    assert "get" in document["paths"]["/api/v1/clicks/{click_id}/checks"]
    assert "Facts" in document["components"]["schemas"]


async def test_the_log_and_the_claim_show_the_checks_as_they_were_at_purchase(
    client: TestClient, state: CompanionState, auth: dict[str, str]
) -> None:
    from companion.clock import now
    from companion.ledger.claim import claim_evidence, claim_text
    from companion.ledger.orders import Ledger, get_record

    click_id = await click_for(client, auth, "https://www.shop.example/checkout")
    await diagnose(client, auth, {"facts": clean_facts(extensions=[UBLOCK]), "click_id": click_id})
    order = {
        "id": "ord-event-0001",
        "type": "order",
        "at": datetime.now(UTC).isoformat(),
        "click_id": click_id,
        "data": {"order_id": "A-77", "amount": "100", "currency": "RUB", "source": "ga4"},
    }
    assert (
        await client.post("/api/v1/events", json={"events": [order]}, headers=auth)
    ).status == 200
    # A later run (after the order) must not change what the record says about the purchase.
    later = clean_facts(cookie_setting="block")
    later["activated_at"] = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    await diagnose(client, auth, {"facts": later, "click_id": click_id})
    state.conn.execute(
        "UPDATE check_runs SET at = '2999-01-01T00:00:00.000Z' WHERE verdict = 'untracked'"
    )

    record = get_record(state.conn, Ledger(state.index, now()), click_id)
    assert record is not None
    assert record["checks_verdict"] == "at_risk"
    by_check = {c["check"]: c for c in record["checks"]}
    assert by_check["ad_blocker"]["status"] == "warn"
    assert "uBlock Origin" in by_check["ad_blocker"]["why"]
    evidence = claim_evidence(record)
    assert evidence["checks_verdict"] == "at_risk"
    # The claim sent to support states facts, not the shopper's warnings.
    assert "uBlock" not in claim_text(evidence, "en")
    # The dashboard and `claim --lang ru` word the checks in the reader's language.
    russian = get_record(state.conn, Ledger(state.index, now()), click_id, "ru")
    assert russian is not None
    assert {c["check"]: c["title"] for c in russian["checks"]}["ad_blocker"] == (
        "Блокировщик рекламы"
    )
