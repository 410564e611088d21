"""Event ingest under fuzzing, over HTTP to a real companion (``POST /api/v1/events``).

Whatever arrives, the answer is 200 or a 400/422 refusal of the documented shape, never a 5xx,
and the books stay right: a 200 accounts for every event (accepted, duplicate, or rejected for
an unknown click), the accepted ones are in the database, a resent batch counts nothing twice,
a refused batch writes nothing, and a click's status never goes back.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import FuzzedCompanion

STATUS_RANK = {"clicked": 0, "landed": 1, "order_placed": 2}
# A few fixed ids, so batches repeat ids within themselves and across examples.
ID_POOL = [f"fuzz-{n:04d}" for n in range(12)]
UNKNOWN_CLICKS = ["c_unknown0000000000000000", "", "c_" + "x" * 62]


# Mostly instants the ledger holds (1970 to 8999, companion/ledger/limits.py); one time in ten,
# any of datetime's range, whose edge with an offset (0001-01-01T00:00+05:00) once made the
# companion answer 500 (docs/reliability.md, "Found"). Drawn evenly from the whole range, three
# instants in ten were refused, and a batch of three often failed for its times alone.
def _times(first: int, last: int) -> st.SearchStrategy[datetime]:
    return st.datetimes(
        min_value=datetime(first, 1, 1), max_value=datetime(last, 12, 31), timezones=st.just(UTC)
    ).flatmap(
        lambda moment: st.integers(-23 * 60, 23 * 60).map(
            lambda minutes: moment.replace(tzinfo=timezone(timedelta(minutes=minutes)))
        )
    )


TIMES = st.integers(0, 9).flatmap(lambda roll: _times(1, 9999) if roll == 9 else _times(1971, 8998))
JUNK = st.none() | st.booleans() | st.integers() | st.text(max_size=10) | st.lists(st.none())


def _mostly(valid: st.SearchStrategy[Any], *wrong: Any) -> st.SearchStrategy[Any]:
    """A valid value; one time in twenty a wrong one (of the right type, or junk of another).
    The odd one is the high roll: Hypothesis starts from, and shrinks towards, the low ones."""
    odd = st.sampled_from(wrong) | JUNK if wrong else JUNK
    return st.integers(0, 19).flatmap(lambda roll: odd if roll == 19 else valid)


URLS = _mostly(
    st.sampled_from(["https://shop.example/cart", "http://x/", "not a url", "é" * 99]), "a" * 8193
)
NAMES = st.lists(_mostly(st.sampled_from(["aff", "aff_id", "ü"]), "x" * 257), max_size=3)
AMOUNTS = st.decimals(min_value=0, max_value=10**12, places=2).map(str)


def _data(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    required: dict[str, st.SearchStrategy[Any]]
    if kind == "landing":
        required = {"landing_url": URLS}
        optional = {"hops": st.lists(URLS, max_size=3), "cookies_present": NAMES}
        optional["params_present"] = NAMES
    elif kind == "order":
        sources = st.sampled_from(["order_page", "ga4", "ua", "jsonld", "wording", "manual"])
        required = {"source": _mostly(sources, "GA4")}
        optional = {
            "url": st.none() | URLS,
            "order_id": _mostly(st.none() | st.sampled_from(["A-1", "A-2", "Б-3"]), "", "x" * 129),
            "amount": _mostly(st.none() | AMOUNTS, "-1", "1e13", "NaN", "Infinity", "1,5"),
            "currency": _mostly(st.none() | st.just("RUB"), "rub", "RUBL"),
        }
    else:
        required = {"url": URLS}
        optional = {"kind": _mostly(st.sampled_from(["page", "cart", "checkout"]), "basket")}
    return st.fixed_dictionaries(required, optional=optional)


@st.composite
def events(draw: st.DrawFn, clicks: list[str]) -> dict[str, Any]:
    kind = draw(_mostly(st.sampled_from(["landing", "page", "order"]), "teleport"))
    # Fresh ids (made outside Hypothesis, which would repeat its own) and, less often, a reused one.
    fresh = st.builds(lambda: uuid.uuid4().hex)
    ids = st.one_of(fresh, fresh, st.sampled_from(ID_POOL))
    event: dict[str, Any] = {
        "id": draw(_mostly(ids, "short", "x" * 65, "no spaces!")),
        "type": kind,
        "at": draw(_mostly(TIMES.map(datetime.isoformat), "2026-11-23T08:00:00", "yesterday")),
        "click_id": draw(_mostly(st.sampled_from(clicks * 3 + UNKNOWN_CLICKS), "c_" + "x" * 63)),
        "data": draw(_data(kind if kind in ("landing", "order") else "page")),
    }
    if draw(st.integers(0, 19)) == 19:
        del event[draw(st.sampled_from(sorted(event)))]
    return event


class Books:
    """What the database says about events and clicks, read beside the running companion."""

    def __init__(self, companion: FuzzedCompanion) -> None:
        with companion.db() as db:
            self.event_ids = {row[0] for row in db.execute("SELECT id FROM events")}
            self.status = dict(db.execute("SELECT click_id, status FROM clicks").fetchall())


def post(companion: FuzzedCompanion, body: bytes) -> requests.Response:
    return requests.post(
        f"{companion.url}/api/v1/events",
        data=body,
        headers={"Authorization": f"Bearer {companion.token}"},
        timeout=30,
    )


def assert_refusal(answer: requests.Response) -> None:
    assert answer.status_code in (400, 422), answer.text
    error = answer.json()["error"]
    assert error["code"] in ("bad_json", "invalid")
    assert isinstance(error["message"], str)
    assert error["message"]


@pytest.fixture(scope="module")
def clicks(companion: FuzzedCompanion) -> list[str]:
    made = []
    for url in ("https://shop.example/a", "https://www.shop.example/b", "https://shop.example/c"):
        answer = requests.post(
            f"{companion.url}/api/v1/clicks",
            json={"url": url},
            headers={"Authorization": f"Bearer {companion.token}"},
            timeout=10,
        )
        answer.raise_for_status()
        made.append(answer.json()["click_id"])
    return made


# The autouse companion_home fixture only sets environment variables this module never reads.
FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(data=st.data())
def test_batches_keep_the_books(
    companion: FuzzedCompanion, clicks: list[str], data: st.DataObject
) -> None:
    batch = data.draw(st.lists(events(clicks), min_size=1, max_size=8), label="events")
    body = json.dumps({"events": batch}).encode()
    before = Books(companion)
    answer = post(companion, body)
    after = Books(companion)
    for click_id, status in before.status.items():
        assert STATUS_RANK[after.status[click_id]] >= STATUS_RANK[status], "status went back"

    if answer.status_code != 200:
        assert_refusal(answer)
        assert after.event_ids == before.event_ids, "a refused batch wrote events"
        return
    result = answer.json()
    assert result["accepted"] + result["duplicates"] + len(result["rejected"]) == len(batch)
    orphans = {e["id"] for e in batch if e["click_id"] not in clicks}
    assert {r["id"] for r in result["rejected"]} <= orphans
    assert all(r["error"] == "click_id: no such click" for r in result["rejected"])
    stored = after.event_ids - before.event_ids
    assert len(stored) == result["accepted"]
    assert {e["id"] for e in batch if e["click_id"] in clicks} <= after.event_ids

    again = post(companion, body).json()
    assert again["accepted"] == 0, "a resent batch was counted again"
    assert Books(companion).event_ids == after.event_ids


@FUZZ
@given(st.binary(max_size=600) | st.text(max_size=200).map(str.encode))
@example(b"")
@example(b"null")
@example(b'{"events": []}')
@example(b'{"events": {}}')
@example(json.dumps({"events": [{}] * 501}).encode())
def test_any_body_is_an_answer_or_a_clear_refusal(companion: FuzzedCompanion, body: bytes) -> None:
    answer = post(companion, body)
    if answer.status_code != 200:
        assert_refusal(answer)


def test_the_fuzzer_reaches_storage(companion: FuzzedCompanion, clicks: list[str]) -> None:
    """Generated batches must get past validation often enough to test the books at all."""
    outcomes: list[int] = []

    @settings(max_examples=100, deadline=None, database=None)
    @given(st.lists(events(clicks), min_size=1, max_size=3))
    def probe(batch: list[dict[str, Any]]) -> None:
        answer = post(companion, json.dumps({"events": batch}).encode())
        outcomes.append(answer.json().get("accepted", -1) if answer.status_code == 200 else -1)

    probe()
    assert sum(accepted > 0 for accepted in outcomes) >= 10, outcomes


def test_deep_nesting_is_refused(companion: FuzzedCompanion) -> None:
    assert_refusal(post(companion, b"[" * 100_000))


def test_a_number_too_long_is_refused(companion: FuzzedCompanion) -> None:
    # Over Python's 4,300 digits json.loads raises ValueError: once a 500 (docs/reliability.md).
    assert_refusal(post(companion, b'{"events": ' + b"1" * 5000 + b"}"))


def test_an_instant_at_the_edge_of_time(companion: FuzzedCompanion, clicks: list[str]) -> None:
    event = {
        "id": uuid.uuid4().hex,
        "type": "page",
        "at": "0001-01-01T00:00:00+05:00",
        "click_id": clicks[0],
        "data": {"url": "https://shop.example/"},
    }
    answer = post(companion, json.dumps({"events": [event]}).encode())
    assert answer.status_code < 500, answer.text
