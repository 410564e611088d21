"""The local service's defences, as tables of hostile and honest requests."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion.http.state import CompanionState
from companion.security.token import proof

EXT = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:{port}", True),
        ("localhost:{port}", True),
        ("[::1]:{port}", True),
        ("127.0.0.1", True),
        ("LOCALHOST:{port}", True),
        ("evil.example:{port}", False),  # DNS rebinding: the attacker's name resolved to us
        ("evil.example", False),
        ("127.0.0.1.evil.example:{port}", False),
        ("localhost.evil.example", False),
        ("127.0.0.2:{port}", False),
        ("0.0.0.0:{port}", False),
        ("127.0.0.1:1", False),
        ("", False),
    ],
)
async def test_host_header(
    client: TestClient, state: CompanionState, host: str, allowed: bool
) -> None:
    response = await client.get("/api/v1/health", headers={"Host": host.format(port=state.port)})
    assert response.status == (200 if allowed else 421)
    if not allowed:
        assert (await response.json())["error"]["code"] == "bad_host"


async def test_host_is_checked_before_auth_and_routes(
    client: TestClient, auth: dict[str, str]
) -> None:
    for path in ("/api/v1/clicks", "/go/c_x", "/nope"):
        response = await client.get(path, headers={**auth, "Host": "evil.example"})
        assert response.status == 421


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        (None, 200),
        (EXT, 200),
        ("moz-extension://0b5a8c1e-5c77-4a4b-9d55-3f1c1b2d9f10", 200),
        ("https://evil.example", 403),
        ("http://127.0.0.1:8000", 403),
        ("null", 403),
        ("chrome-extension://", 403),
        ("", 403),
    ],
)
async def test_origin(
    client: TestClient, auth: dict[str, str], origin: str | None, status: int
) -> None:
    headers = dict(auth)
    if origin is not None:
        headers["Origin"] = origin
    response = await client.get("/api/v1/clicks", headers=headers)
    assert response.status == status
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/match?url=https://shop.example/", None),
        ("GET", "/api/v1/partners/index", None),
        ("GET", "/api/v1/clicks", None),
        ("GET", "/api/v1/clicks/c_x", None),
        ("POST", "/api/v1/clicks", {"url": "https://shop.example/"}),
        ("POST", "/api/v1/events", {"events": []}),
    ],
)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong", "Bearer ", "Basic Zm9vOmJhcg==", "bearer {token}", "Bearer {token}x"],
)
async def test_api_needs_the_token(
    client: TestClient,
    state: CompanionState,
    method: str,
    path: str,
    body: Any,
    authorization: str | None,
) -> None:
    headers = (
        {}
        if authorization is None
        else {"Authorization": authorization.format(token=state.token.value)}
    )
    response = await client.request(method, path, json=body, headers=headers)
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/openapi.json"])
async def test_open_endpoints(client: TestClient, path: str) -> None:
    response = await client.get(path)
    assert response.status == 200


async def test_health_reveals_nothing_private(client: TestClient, state: CompanionState) -> None:
    text = await (await client.get("/api/v1/health")).text()
    assert state.token.value not in text
    assert str(state.home) not in text


async def test_identify_proves_the_token_without_sending_it(
    client: TestClient, state: CompanionState
) -> None:
    challenge = "9f2c41d07be35a6e0c18f4d2a7b90e53"
    response = await client.get(f"/api/v1/identify?challenge={challenge}")
    assert response.status == 200
    text = await response.text()
    assert state.token.value not in text
    assert (await response.json())["proof"] == proof(state.token.value, challenge)
    # Only a challenge: nothing of the caller's choosing beyond 64 hex digits gets a MAC.
    for bad in ("", "zz" * 16, "ab" * 8, "ab" * 33, challenge.upper()):
        refused = await client.get("/api/v1/identify", params={"challenge": bad})
        assert refused.status == 422, bad
    # A web page may not ask (the origin guard), nor read an answer (no CORS headers).
    page = await client.get(
        f"/api/v1/identify?challenge={challenge}", headers={"Origin": "https://evil.test"}
    )
    assert page.status == 403
    assert "Access-Control-Allow-Origin" not in page.headers


async def test_security_headers_everywhere(client: TestClient, auth: dict[str, str]) -> None:
    for path in ("/api/v1/health", "/api/v1/clicks", "/go/c_unknown", "/api/v1/nope"):
        response = await client.get(path, headers=auth)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "Access-Control-Allow-Origin" not in response.headers
    assert (await client.get("/api/v1/nope", headers=auth)).content_type == "application/json"
    # Any other address is the dashboard's: a page, with the dashboard's headers.
    page = await client.get("/nope")
    assert (page.status, page.content_type) == (401, "text/html")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in page.headers
    assert "Access-Control-Allow-Origin" not in page.headers


async def test_oversized_body_is_413(client: TestClient, auth: dict[str, str]) -> None:
    big = b'{"url": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    response = await client.post("/api/v1/clicks", data=big, headers=auth)
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "too_large"


async def test_oversized_chunked_body_is_413(client: TestClient, auth: dict[str, str]) -> None:
    async def chunks():
        for _ in range(130):
            yield b"x" * 8192

    response = await client.post("/api/v1/clicks", data=chunks(), headers=auth)
    assert response.status == 413


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"{", 400, None),
        (b"\xff\xfe", 400, None),
        (b"[]", 422, None),
        (b'{"url": 5}', 422, "url"),
        (b'{"url": "https://shop.example/", "extra": 1}', 422, "extra"),
        (b'{"url": "https://shop.example/", "program": "../x"}', 422, "program"),
        (b'{"url": ""}', 422, "url"),
        (b"null", 422, None),
    ],
)
async def test_malformed_bodies(
    client: TestClient, auth: dict[str, str], body: bytes, status: int, field: str | None
) -> None:
    response = await client.post("/api/v1/clicks", data=body, headers=auth)
    assert response.status == status
    error = (await response.json())["error"]
    if field is not None:
        assert error["field"] == field


async def test_pair_refuses_web_origins_and_bad_codes(
    client: TestClient, state: CompanionState
) -> None:
    from companion.security.pairing import new_code

    code, _ = new_code(state.conn)
    # No Origin: a local script should use `cashback-companion token`, not pairing.
    assert (await client.post("/api/v1/pair", json={"code": code})).status == 403
    assert (
        await client.post(
            "/api/v1/pair", json={"code": code}, headers={"Origin": "https://evil.example"}
        )
    ).status == 403
    wrong = await client.post("/api/v1/pair", json={"code": "AAAA-AAAA"}, headers={"Origin": EXT})
    assert wrong.status == 403
    assert (await wrong.json())["error"]["code"] == "bad_code"
    ok = await client.post("/api/v1/pair", json={"code": code.lower()}, headers={"Origin": EXT})
    assert ok.status == 200
    assert (await ok.json())["token"] == state.token.value
    again = await client.post("/api/v1/pair", json={"code": code}, headers={"Origin": EXT})
    assert again.status == 403, "a code works once"


async def test_expired_code_is_refused(client: TestClient, state: CompanionState) -> None:
    from companion.security.pairing import new_code

    code, _ = new_code(state.conn)
    state.conn.execute("UPDATE pairing_codes SET expires_at = '2000-01-01T00:00:00.000Z'")
    response = await client.post("/api/v1/pair", json={"code": code}, headers={"Origin": EXT})
    assert response.status == 403


async def test_a_wrong_method_is_405_with_allow(client: TestClient) -> None:
    response = await client.put("/api/v1/health")
    assert response.status == 405
    assert "GET" in response.headers["Allow"]
    assert (await response.json())["error"]["code"] == "method_not_allowed"


async def test_a_repeated_query_parameter_is_refused(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = await client.get("/api/v1/clicks?limit=1&limit=500", headers=auth)
    assert response.status == 422
    assert (await response.json())["error"]["field"] == "limit"


async def test_deeply_nested_json_is_400_not_500(client: TestClient, auth: dict[str, str]) -> None:
    response = await client.post("/api/v1/events", data=b"[" * 100_000, headers=auth)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "bad_json"
