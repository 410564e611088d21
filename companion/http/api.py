"""The API's handlers, and the table that serves them (see ``docs/protocol.md``)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aiohttp import web

from companion import API_VERSION, __version__
from companion.catalog.store import IndexDownload
from companion.clock import now
from companion.config import db_path
from companion.diagnostics.checks import Verdict
from companion.diagnostics.diagnose import DiagnosticsError, diagnose
from companion.diagnostics.store import checks_for_click
from companion.diagnostics.texts import Lang, worded
from companion.http import models as m
from companion.http.errors import ApiError
from companion.http.openapi import openapi_document
from companion.http.origin_guard import is_extension_origin
from companion.http.routes import Route
from companion.http.state import CompanionState
from companion.security.pairing import spend_code
from companion.security.token import proof
from companion.tracking.clicks import ClickError, click_log, create_click, get_click
from companion.tracking.events import ingest


async def health(request: web.Request, state: CompanionState, _: None) -> m.Health:
    return m.Health(status="ok", version=__version__, api=API_VERSION)


async def identify(
    request: web.Request, state: CompanionState, query: m.IdentifyQuery
) -> m.Identity:
    return m.Identity(proof=proof(state.token.value, query.challenge))


async def pair(request: web.Request, state: CompanionState, body: m.PairRequest) -> m.PairResponse:
    if not is_extension_origin(request.headers.get("Origin", "")):
        raise ApiError(403, "bad_origin", "pairing is only for the browser extension")
    if not await state.db(spend_code, body.code):
        raise ApiError(
            403,
            "bad_code",
            "this pairing code is wrong, used or expired; run `cashback-companion pair` for a new one",
            "code",
        )
    return m.PairResponse(
        token=state.token.value, companion=m.CompanionInfo(version=__version__, api=API_VERSION)
    )


async def match(request: web.Request, state: CompanionState, query: m.MatchQuery) -> web.Response:
    # Written from the partner's entry as stored, not through MatchResponse, which would
    # validate it again on the endpoint's hot path; tests/fuzz/test_openapi.py checks the shape.
    return web.json_response(text=state.index.answer_json(query.url))


# The partner index is sent in pieces of this size, each read on the database thread.
INDEX_CHUNK = 256 * 1024


async def partner_index(request: web.Request, state: CompanionState, _: None) -> web.StreamResponse:
    etag = f'"{state.index.version}"'
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers={"ETag": etag})
    # Sent from the database a piece at a time: for a large catalog the index is tens of
    # megabytes, asked for once per catalog, and the ETag answers the rest.
    download = await state.db(lambda _: IndexDownload(db_path(state.home)))
    try:
        response = web.StreamResponse(
            # The index changes only with the catalog: let the extension revalidate with the ETag.
            headers={"ETag": f'"{download.version}"', "Cache-Control": "no-cache"},
        )
        response.content_type = "application/json"
        response.content_length = download.size
        await response.prepare(request)
        while chunk := await state.db(lambda _: download.read(INDEX_CHUNK)):
            await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        # On the database thread, where it was opened, even when the client went away.
        state.executor.submit(download.close)


async def create(
    request: web.Request, state: CompanionState, body: m.ClickRequest
) -> m.ClickCreated:
    try:
        click = await state.db(create_click, state.index, body.url, body.program)
    except ClickError as exc:
        raise ApiError(422, exc.code, exc.message, exc.field) from exc
    return m.ClickCreated(
        click_id=click.click_id,
        redirect_url=f"http://127.0.0.1:{state.port}/go/{click.click_id}",
        partner=click.partner,
        program=click.program,
        created_at=click.created_at,
    )


async def list_clicks(
    request: web.Request, state: CompanionState, query: m.ClickLogQuery
) -> m.ClickLog:
    records, cursor = await state.db(click_log, query.limit, query.before)
    return m.ClickLog.model_validate({"clicks": records, "next": cursor})


async def one_click(request: web.Request, state: CompanionState, _: None) -> m.ClickRecord:
    record: dict[str, Any] | None = await state.db(get_click, request.match_info["click_id"])
    if record is None:
        raise ApiError(404, "not_found", "no such click", "click_id")
    return m.ClickRecord.model_validate(record)


async def events(request: web.Request, state: CompanionState, body: m.EventBatch) -> m.EventsResult:
    result = await state.db(ingest, body.events)
    return m.EventsResult(
        accepted=result.accepted, duplicates=result.duplicates, rejected=result.rejected
    )


def _checks_out(verdicts: list[Verdict], lang: Lang) -> list[m.CheckOut]:
    return [m.CheckOut.model_validate(check) for check in worded(verdicts, lang)]


async def diagnostics(
    request: web.Request, state: CompanionState, body: m.DiagnosticsRequest
) -> m.DiagnosticsResult:
    try:
        outcome = await state.db(diagnose, state.index, body.facts, body.click_id, now())
    except DiagnosticsError as exc:
        raise ApiError(422, "invalid", exc.message, exc.field) from exc
    return m.DiagnosticsResult(
        at=outcome.at,
        verdict=outcome.verdict,
        warn=outcome.warn,
        checks=_checks_out(outcome.verdicts, body.lang),
        run_id=outcome.run_id,
    )


async def click_checks(
    request: web.Request, state: CompanionState, query: m.ChecksQuery
) -> m.CheckRuns:
    click_id = request.match_info["click_id"]
    if await state.db(get_click, click_id) is None:
        raise ApiError(404, "not_found", "no such click", "click_id")
    runs = await state.db(checks_for_click, click_id)
    return m.CheckRuns(
        runs=[
            m.CheckRunOut(
                run_id=run.run_id,
                at=run.at,
                page=run.page,
                verdict=run.verdict,
                checks=_checks_out(run.verdicts, query.lang),
            )
            for run in runs
        ]
    )


@cache
def _openapi_text() -> str:
    return json.dumps(openapi_document(ROUTES))


async def openapi(request: web.Request, state: CompanionState, _: None) -> web.StreamResponse:
    return web.Response(text=_openapi_text(), content_type="application/json")


ROUTES: list[Route] = [
    Route(
        "GET", "/api/v1/health", health, "Is the companion running", auth=False, response=m.Health
    ),
    Route(
        "GET",
        "/api/v1/identify",
        identify,
        "Prove this is the companion of the data directory whose token the caller holds,"
        " without either side sending the token",
        auth=False,
        query=m.IdentifyQuery,
        response=m.Identity,
    ),
    Route(
        "POST",
        "/api/v1/pair",
        pair,
        "Trade a one-time pairing code for the API token",
        auth=False,
        body=m.PairRequest,
        response=m.PairResponse,
        errors={403: "not an extension origin, or a wrong, used or expired code"},
    ),
    Route(
        "GET",
        "/api/v1/match",
        match,
        "Which partner store a URL opens, with its offers best first",
        query=m.MatchQuery,
        response=m.MatchResponse,
    ),
    Route(
        "GET",
        "/api/v1/partners/index",
        partner_index,
        "The partner index the extension matches with (ETag / If-None-Match)",
        response=m.PartnerIndexResponse,
        errors={304: "the index has not changed"},
    ),
    Route(
        "POST",
        "/api/v1/clicks",
        create,
        "Make a click: the shopper pressed Activate",
        body=m.ClickRequest,
        response=m.ClickCreated,
    ),
    Route(
        "GET",
        "/api/v1/clicks",
        list_clicks,
        "The click log, newest first",
        query=m.ClickLogQuery,
        response=m.ClickLog,
    ),
    Route(
        "GET",
        "/api/v1/clicks/{click_id}",
        one_click,
        "One click with its session and order",
        response=m.ClickRecord,
        errors={404: "no such click"},
    ),
    Route(
        "POST",
        "/api/v1/events",
        events,
        "What the extension saw: landing, pages, orders",
        body=m.EventBatch,
        response=m.EventsResult,
    ),
    Route(
        "POST",
        "/api/v1/diagnostics",
        diagnostics,
        "The tracking checks: facts from the browser in, verdicts out (stored with click_id)",
        body=m.DiagnosticsRequest,
        response=m.DiagnosticsResult,
    ),
    Route(
        "GET",
        "/api/v1/clicks/{click_id}/checks",
        click_checks,
        "Every run of the tracking checks for a click, newest first",
        query=m.ChecksQuery,
        response=m.CheckRuns,
        errors={404: "no such click"},
    ),
    Route("GET", "/api/v1/openapi.json", openapi, "This API as OpenAPI 3.1", auth=False),
]
