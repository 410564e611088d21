"""Clicks, the logged redirect, and the events that move a click through its session."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from companion.http.state import CompanionState


def event(
    click_id: str, kind: str, data: dict[str, Any], event_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": event_id or uuid.uuid4().hex,
        "type": kind,
        "at": "2026-11-23T08:00:00Z",
        "click_id": click_id,
        "data": data,
    }


async def make_click(
    client: TestClient,
    auth: dict[str, str],
    url: str = "https://www.shop.example/item?id=7&x=a b",
    **extra: Any,
) -> dict[str, Any]:
    response = await client.post("/api/v1/clicks", json={"url": url, **extra}, headers=auth)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_click_and_redirect(
    client: TestClient, state: CompanionState, auth: dict[str, str]
) -> None:
    click = await make_click(client, auth)
    assert click["partner"] == "shop"
    assert click["program"] == "beta", "the best offer by default"
    assert click["redirect_url"] == f"http://127.0.0.1:{state.port}/go/{click['click_id']}"

    response = await client.get(f"/go/{click['click_id']}", allow_redirects=False)
    assert response.status == 302
    location = response.headers["Location"]
    assert location.startswith(
        "https://beta.example/r?u=https%3A%2F%2Fwww.shop.example%2Fitem%3Fid%3D7"
    )
    query = parse_qs(urlsplit(location).query)
    assert query["u"] == ["https://www.shop.example/item?id=7&x=a%20b"]
    assert query["s"] == [click["click_id"]]

    record = await (await client.get(f"/api/v1/clicks/{click['click_id']}", headers=auth)).json()
    assert record["followed_at"] is not None
    assert record["status"] == "clicked"
    assert record["tracking"] == "unknown"


async def test_chosen_program(client: TestClient, auth: dict[str, str]) -> None:
    click = await make_click(client, auth, program="alpha")
    assert click["program"] == "alpha"
    response = await client.post(
        "/api/v1/clicks", json={"url": "https://store.co.uk/", "program": "alpha"}, headers=auth
    )
    assert response.status == 422
    assert (await response.json())["error"]["field"] == "program"
    assert (await response.json())["error"]["code"] == "no_offer"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://evil.example/", "not_partner"),
        ("https://shop.example.evil.example/", "not_partner"),
        ("javascript:alert(1)", "invalid"),
        ("https://seller.shop.example/", "not_partner"),  # excluded
        ("https://127.0.0.1/", "not_partner"),
        ("http://evil.example\\@shop.example/", "not_partner"),
    ],
)
async def test_no_click_for_other_sites(
    client: TestClient, auth: dict[str, str], url: str, code: str
) -> None:
    response = await client.post("/api/v1/clicks", json={"url": url}, headers=auth)
    assert response.status == 422
    assert (await response.json())["error"]["field"] == "url"
    # The extension tells a store its copy of the catalog still lists from a bad address.
    assert (await response.json())["error"]["code"] == code


@pytest.mark.parametrize(
    "path",
    [
        "/go/c_doesnotexist",
        "/go/c_doesnotexist?to=https://evil.example/",
        "/go/https%3A%2F%2Fevil.example",
        "/go/" + "c_" + "A" * 200,
        "/go/",
    ],
)
async def test_go_never_redirects_for_unknown_clicks(client: TestClient, path: str) -> None:
    response = await client.get(path, allow_redirects=False)
    assert response.status == 404
    assert "Location" not in response.headers


async def test_go_ignores_what_the_caller_adds(client: TestClient, auth: dict[str, str]) -> None:
    click = await make_click(client, auth)
    plain = await client.get(f"/go/{click['click_id']}", allow_redirects=False)
    tampered = await client.get(
        f"/go/{click['click_id']}?u=https://evil.example/&target_url=https://evil.example/",
        allow_redirects=False,
    )
    assert tampered.headers["Location"] == plain.headers["Location"]
    assert "evil.example" not in tampered.headers["Location"]


async def test_click_ids_are_unguessable(client: TestClient, auth: dict[str, str]) -> None:
    ids = {(await make_click(client, auth))["click_id"] for _ in range(20)}
    assert len(ids) == 20
    assert all(len(i) >= 22 for i in ids)


async def test_session_events(
    client: TestClient, state: CompanionState, auth: dict[str, str]
) -> None:
    cid = (await make_click(client, auth))["click_id"]
    batch = [
        event(
            cid,
            "landing",
            {
                "hops": ["http://127.0.0.1/go/x", "https://beta.example/r"],
                "landing_url": "https://shop.example/?aff_id=1",
                "cookies_present": [],
                "params_present": ["aff_id"],
            },
        ),
        event(cid, "page", {"url": "https://shop.example/cart", "kind": "cart"}),
        event(cid, "page", {"url": "https://shop.example/checkout", "kind": "checkout"}),
        event(
            cid,
            "order",
            {
                "url": "https://shop.example/order/1/done",
                "order_id": "A-1001",
                "amount": "2450.50",
                "currency": "RUB",
                "source": "ga4",
            },
        ),
    ]
    response = await client.post("/api/v1/events", json={"events": batch}, headers=auth)
    assert await response.json() == {"accepted": 4, "duplicates": 0, "rejected": []}

    record = await (await client.get(f"/api/v1/clicks/{cid}", headers=auth)).json()
    assert record["status"] == "order_placed"
    assert record["tracking"] == "tracked"
    assert (record["order_id"], record["order_amount"], record["order_currency"]) == (
        "A-1001",
        "2450.50",
        "RUB",
    )
    assert record["cart_at"]
    assert record["checkout_at"]
    assert record["pages_seen"] == 2

    # The same batch again (a retry after a timeout) counts nothing twice.
    again = await client.post("/api/v1/events", json={"events": batch}, headers=auth)
    assert await again.json() == {"accepted": 0, "duplicates": 4, "rejected": []}
    # The same order seen again under a new event id (a reload of the thank-you page): one order.
    reload = event(
        cid,
        "order",
        {"order_id": "A-1001", "amount": "2450.50", "currency": "RUB", "source": "jsonld"},
    )
    assert (
        await (await client.post("/api/v1/events", json={"events": [reload]}, headers=auth)).json()
    )["accepted"] == 1
    assert state.conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 1


ORDER_PAGE = "https://shop.example/order/1/done"
BARE = {"url": ORDER_PAGE, "source": "order_page"}
NUMBERED = {"url": ORDER_PAGE, "order_id": "A-1001", "source": "wording"}
FULL = {**NUMBERED, "amount": "2450.50", "currency": "RUB", "source": "ga4"}
# The same purchase under its tag manager's own transaction id.
RENUMBERED = {**FULL, "order_id": "T-98765"}


@pytest.mark.parametrize(
    "sightings",
    [
        [BARE, FULL],  # the page read before its tag manager pushed the purchase
        [FULL, BARE],  # two reads of the page racing the other way
        [BARE, NUMBERED, FULL],  # the number from the wording, the amount later
        [NUMBERED, BARE, FULL],
        [BARE, BARE, FULL, NUMBERED, BARE],
        [NUMBERED, RENUMBERED],  # the number in the text first, then the dataLayer's
    ],
)
async def test_one_purchase_sighted_several_times_is_one_order_with_all_that_was_seen(
    client: TestClient, state: CompanionState, auth: dict[str, str], sightings: list[Any]
) -> None:
    cid = (await make_click(client, auth))["click_id"]
    # One batch each, as the extension sends them seconds apart, and all in one batch.
    for data in sightings:
        await client.post(
            "/api/v1/events", json={"events": [event(cid, "order", data)]}, headers=auth
        )
    other = (await make_click(client, auth))["click_id"]
    batch = [
        event(other, "order", {**data, "order_id": "B-7"} if "order_id" in data else data)
        for data in sightings
    ]
    await client.post("/api/v1/events", json={"events": batch}, headers=auth)

    orders = state.conn.execute(
        "SELECT click_id, order_id, amount, currency, source, ordered_at FROM orders"
        " ORDER BY order_id"
    ).fetchall()
    assert [tuple(row) for row in orders] == [
        (cid, "A-1001", "2450.50", "RUB", sightings[0]["source"], "2026-11-23T08:00:00.000Z"),
        (other, "B-7", "2450.50", "RUB", sightings[0]["source"], "2026-11-23T08:00:00.000Z"),
    ]
    # Every sighting stays as evidence.
    assert state.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 2 * len(sightings)


async def test_landing_without_hints_is_at_risk_and_status_never_goes_back(
    client: TestClient, auth: dict[str, str]
) -> None:
    cid = (await make_click(client, auth))["click_id"]
    order = event(cid, "order", {"order_id": None, "source": "wording"})
    landing = event(cid, "landing", {"landing_url": "https://shop.example/"})
    await client.post("/api/v1/events", json={"events": [order, landing]}, headers=auth)
    record = await (await client.get(f"/api/v1/clicks/{cid}", headers=auth)).json()
    assert record["tracking"] == "at_risk"
    assert record["status"] == "order_placed"


async def test_unknown_click_is_rejected_alone(client: TestClient, auth: dict[str, str]) -> None:
    cid = (await make_click(client, auth))["click_id"]
    good = event(cid, "page", {"url": "https://shop.example/"})
    orphan = event("c_gone", "page", {"url": "https://shop.example/"})
    result = await (
        await client.post("/api/v1/events", json={"events": [orphan, good]}, headers=auth)
    ).json()
    assert result["accepted"] == 1
    assert result["rejected"] == [{"id": orphan["id"], "error": "click_id: no such click"}]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.update(type="teleport"), "events.0"),
        (lambda e: e.update(at="2026-11-23T08:00:00"), "events.0.page.at"),
        (lambda e: e["data"].update(kind="basket"), "events.0.page.data.kind"),
        (lambda e: e.update(id="x"), "events.0.page.id"),
        (lambda e: e["data"].update(url=5), "events.0.page.data.url"),
    ],
)
async def test_bad_events_are_422_naming_the_field(
    client: TestClient, auth: dict[str, str], mutate: Any, field: str
) -> None:
    bad = event("c_x", "page", {"url": "https://shop.example/"})
    mutate(bad)
    response = await client.post("/api/v1/events", json={"events": [bad]}, headers=auth)
    assert response.status == 422
    assert (await response.json())["error"]["field"] == field


async def test_bad_order_amounts(client: TestClient, auth: dict[str, str]) -> None:
    for amount in ["-1", "NaN", "1e13", "abc", "1.000000000000000000001"]:
        bad = event("c_x", "order", {"amount": amount, "source": "ga4"})
        assert (
            await client.post("/api/v1/events", json={"events": [bad]}, headers=auth)
        ).status == 422


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("order", {"order_id": "A-1\u001b[2J", "source": "ga4"}, "events.0.order.data.order_id"),
        (
            "landing",
            {"landing_url": "https://shop.example/", "hops": ["https://x/\n  2. https://forged/"]},
            "events.0.landing.data.hops.0",
        ),
        ("page", {"url": "https://shop.example/\u202e"}, "events.0.page.data.url"),
    ],
)
async def test_control_characters_in_what_a_page_gave_are_refused(
    client: TestClient, auth: dict[str, str], kind: str, data: dict[str, Any], field: str
) -> None:
    bad = event("c_x", kind, data)
    response = await client.post("/api/v1/events", json={"events": [bad]}, headers=auth)
    assert response.status == 422
    error = (await response.json())["error"]
    assert (error["field"], "must not hold control characters" in error["message"]) == (field, True)


async def test_log_pages_newest_first(client: TestClient, auth: dict[str, str]) -> None:
    made = []
    for _ in range(5):
        made.append((await make_click(client, auth))["click_id"])
        # Times are kept to the millisecond, and clicks of one millisecond are in click id order.
        await asyncio.sleep(0.002)
    first = await (await client.get("/api/v1/clicks?limit=2", headers=auth)).json()
    assert [c["click_id"] for c in first["clicks"]] == made[::-1][:2]
    second = await (
        await client.get(f"/api/v1/clicks?limit=2&before={first['next']}", headers=auth)
    ).json()
    assert [c["click_id"] for c in second["clicks"]] == made[::-1][2:4]
    assert (await client.get("/api/v1/clicks?limit=0", headers=auth)).status == 422


async def test_index_etag(client: TestClient, state: CompanionState, auth: dict[str, str]) -> None:
    response = await client.get("/api/v1/partners/index", headers=auth)
    etag = response.headers["ETag"]
    assert (await response.json())["version"] == state.index.version
    cached = await client.get("/api/v1/partners/index", headers={**auth, "If-None-Match": etag})
    assert cached.status == 304


async def test_match_endpoint(client: TestClient, auth: dict[str, str]) -> None:
    found = await (
        await client.get(
            "/api/v1/match", params={"url": "https://m.travel.shop.example/x"}, headers=auth
        )
    ).json()
    assert found["partner"]["id"] == "shop_travel"
    assert [o["program"] for o in found["offers"]] == [
        "beta",
        "alpha",
    ]
    none = await (
        await client.get("/api/v1/match", params={"url": "https://evilshop.example/"}, headers=auth)
    ).json()
    assert none == {"url": "https://evilshop.example/", "partner": None, "offers": []}
    assert (await client.get("/api/v1/match", headers=auth)).status == 422


@pytest.mark.parametrize(
    "at",
    [
        1795424550,
        "0001-01-01T00:00:00+05:00",
        None,
        # Accepted once, and every page of the log that showed the order failed after.
        "9999-12-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
    ],
)
async def test_event_times_are_iso_strings_in_range(
    client: TestClient, auth: dict[str, str], at: Any
) -> None:
    bad = event("c_x", "page", {"url": "https://shop.example/"})
    bad["at"] = at
    response = await client.post("/api/v1/events", json={"events": [bad]}, headers=auth)
    assert response.status == 422
    assert (await response.json())["error"]["field"] == "events.0.page.at"
