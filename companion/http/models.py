"""Request and response bodies of the API. The OpenAPI document is generated from these."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from companion.diagnostics.checks import ActionType, CheckName, Status
from companion.diagnostics.facts import Facts
from companion.diagnostics.texts import Lang
from companion.diagnostics.verdict import Overall
from companion.tracking.events import Event, Rejected

Url = Annotated[str, StringConstraints(min_length=1, max_length=8192)]
ProgramId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    api: int


class PairRequest(_In):
    code: Annotated[str, StringConstraints(min_length=1, max_length=32)]


class CompanionInfo(BaseModel):
    version: str
    api: int


class PairResponse(BaseModel):
    token: str
    companion: CompanionInfo


class IdentifyQuery(_In):
    # 128 to 256 random bits in hex, chosen by whoever asks.
    challenge: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32,64}$")]


class Identity(BaseModel):
    proof: str


class MatchQuery(_In):
    url: Url


class OfferOut(BaseModel):
    program: str
    program_name: str
    currency: str
    rate_percent: str | None
    fixed_amount: str | None
    up_to: bool
    confirmation_days: int
    note: str | None


class PartnerOut(BaseModel):
    id: str
    name: str
    category: str
    domain: str


class MatchResponse(BaseModel):
    url: str
    partner: PartnerOut | None
    offers: list[OfferOut]


class TrackingHints(BaseModel):
    cookies: list[str]
    params: list[str]


class IndexedPartner(BaseModel):
    name: str
    category: str
    offers: list[OfferOut]
    tracking: TrackingHints
    order_pages: list[str]


class PartnerIndexResponse(BaseModel):
    version: str
    hosts: dict[str, str | None]
    partners: dict[str, IndexedPartner]


class ClickRequest(_In):
    url: Url
    program: ProgramId | None = None


class ClickCreated(BaseModel):
    click_id: str
    redirect_url: str
    partner: str
    program: str
    created_at: str


class ClickRecord(BaseModel):
    click_id: str
    created_at: str
    partner: str
    partner_name: str
    program: str
    program_name: str
    offer: OfferOut
    target_url: str
    status: Literal["clicked", "landed", "order_placed"]
    tracking: Literal["unknown", "tracked", "at_risk"]
    followed_at: str | None
    landed_at: str | None
    landing_url: str | None
    hops: list[str]
    tracking_evidence: dict[str, Any] | None
    pages_seen: int
    cart_at: str | None
    checkout_at: str | None
    order_id: str | None
    order_amount: str | None
    order_currency: str | None
    ordered_at: str | None
    order_source: str | None


class ClickLogQuery(_In):
    limit: Annotated[int, Field(ge=1, le=500)] = 50
    before: Annotated[str, StringConstraints(max_length=64)] | None = None


class ClickLog(BaseModel):
    clicks: list[ClickRecord]
    next: str | None


class EventBatch(_In):
    events: Annotated[list[Event], Field(min_length=1, max_length=500)]


class EventsResult(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[Rejected]


class DiagnosticsRequest(_In):
    facts: Facts
    # The session's click: the run is stored with it. Without one nothing is stored.
    click_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    lang: Lang = "en"


class CheckAction(BaseModel):
    type: ActionType
    extension_id: str | None = None
    name: str | None = None


class CheckOut(BaseModel):
    check: CheckName
    status: Status
    reason: str
    title: str
    why: str
    fix: str | None
    actions: list[CheckAction]


class DiagnosticsResult(BaseModel):
    at: str
    verdict: Overall
    warn: bool
    checks: list[CheckOut]
    run_id: int | None


class ChecksQuery(_In):
    lang: Lang = "en"


class CheckRunOut(BaseModel):
    run_id: int
    at: str
    page: str | None
    verdict: Overall
    checks: list[CheckOut]


class CheckRuns(BaseModel):
    runs: list[CheckRunOut]


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody
