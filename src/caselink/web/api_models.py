"""The JSON API's documents, as pydantic models: they are the OpenAPI schema other systems read."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    detail: Any = Field(description="what was refused and why")


class ReportItem(BaseModel):
    force: str
    reference: str
    status: str
    offence_code: str | None
    reported_at: datetime
    decided_at: datetime | None
    version: int


class ReportPage(BaseModel):
    items: list[ReportItem]
    more: bool = Field(description="whether more reports follow this page (use offset)")


class PersonOut(BaseModel):
    role: str
    forename: str | None = Field(description="null for a complainant in a pseudonymised view")
    surname: str | None
    aliases: list[str]
    date_of_birth: str | None
    postcode: str | None


class CancellationOut(BaseModel):
    code: str
    state: str
    rationale: str | None
    evidence: str | None
    requested_by: str
    requested_at: str | None
    decided_by: str | None
    decided_at: str | None
    decision_note: str | None
    complainant_informed_at: str | None


class FindingOut(BaseModel):
    rule: str
    message: str
    citation: str


class EventOut(BaseModel):
    seq: int
    kind: str
    actor: str
    at: str | None
    payload: dict[str, Any]


class ReportDetail(BaseModel):
    force: str
    reference: str
    version: int
    status: str
    offence_code: str | None
    reported_at: str | None
    decided_at: str | None
    occurred_from: str | None
    occurred_to: str | None
    latitude: float | None
    longitude: float | None
    narrative: str | None
    relationship: str | None
    behaviours: list[str]
    cancellations: list[CancellationOut]
    persons: list[PersonOut]
    findings: list[FindingOut]
    history: list[EventOut]
    pseudonymised: bool


class RunOut(BaseModel):
    id: int
    kind: str
    created_at: datetime
    created_by: str
    model_family: str | None
    model_version: str | None


class LinkOut(BaseModel):
    force: str
    reference: str
    status: str
    offence_code: str | None
    rank: int
    score: float = Field(description="log Bayes factor (or the model's log odds)")
    components: dict[str, Any] = Field(description="feature -> contribution, as the run stored")


class LinksOut(BaseModel):
    run: RunOut | None = Field(description="the linkage run; null before the first")
    series_id: int | None
    links: list[LinkOut]


class SeriesOut(BaseModel):
    series_id: int
    size: int
    written_off: int
    first_reported: datetime
    last_reported: datetime
    forces: list[str]


class SeriesListOut(BaseModel):
    run: RunOut | None
    series: list[SeriesOut]


class FunnelUnitOut(BaseModel):
    unit: str
    events: int
    total: int
    rate: float | None
    lower95: float | None
    upper95: float | None
    lower998: float | None
    upper998: float | None
    flag: str | None
    flag95: str | None
    z: float | None


class FunnelOut(BaseModel):
    measure: str
    national_rate: float | None
    method: str
    adjusted: bool
    phi: float | None
    tau2: float | None
    units: list[FunnelUnitOut]


class AccessEntryOut(BaseModel):
    at: datetime
    actor: str
    action: str
    force: str | None
    reference: str | None
    justification: str
    detail: str | None


class Health(BaseModel):
    status: str
    version: str
