"""The JSON API's documents, as pydantic models: they are the OpenAPI schema other systems read."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from caselink.domain.errors import InvalidValue
from caselink.domain.values import utc_moment


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
    compared_flag: str | None = None  # the flag by the other method, where it is given
    note: str | None = None  # where the two methods disagree about the force


class FunnelOut(BaseModel):
    measure: str
    national_rate: float | None
    method: str
    method_name: str
    compared_with: str | None
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


# -- the victim's journey ---------------------------------------------------------------------


def _no_nul(text: str) -> str:
    # No caselink value holds one, and PostgreSQL refuses them in text: a request carrying one
    # is refused as invalid rather than failing in the database.
    if "\x00" in text:
        raise ValueError("a NUL character is not allowed")
    return text


class StepIn(BaseModel):
    """One step of a victim's journey to record (see docs/formats.md, "Journey CSV")."""

    model_config = ConfigDict(extra="forbid")

    step: str = Field(
        min_length=1,
        max_length=32,
        description="the kind of step: attended, referral, arrested, victim_updated, outcome, …",
    )
    at: datetime | None = Field(
        default=None,
        description="when it happened, ISO 8601 with its offset (2024-03-15T16:00:00Z); "
        "now when absent",
    )
    details: dict[str, str] = Field(
        default_factory=dict,
        max_length=16,
        description='the step\'s own facts, e.g. {"service": "sarc", "answer": "accepted"} for '
        'a referral, {"code": "16"} for an outcome',
    )
    expected_version: int | None = Field(
        default=None,
        ge=0,
        le=2**31 - 1,
        description="refuse with 409 if the report is no longer at this version",
    )

    @field_validator("step")
    @classmethod
    def _step_text(cls, value: str) -> str:
        return _no_nul(value)

    @field_validator("details")
    @classmethod
    def _details_text(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            _no_nul(key)
            _no_nul(text)
        return value

    @field_validator("at")
    @classmethod
    def _at_in_range(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            try:
                utc_moment("at", value)  # the span every caselink time lies in
            except InvalidValue as exc:
                raise ValueError(f"the time is {exc.reason}") from None
        return value


class RuleFindingOut(BaseModel):
    rule: str
    message: str


class StepRecordedOut(BaseModel):
    force: str
    reference: str
    step: str
    at: datetime
    version: int = Field(description="the report's version after the step")
    findings: list[RuleFindingOut] = Field(
        description="what the rules notice (a late update: VC-1); recorded, never refused"
    )


class TimelineStepOut(BaseModel):
    step: str
    at: datetime
    details: dict[str, str] = Field(
        description="the step's facts; in a pseudonymised view without free text about the "
        "victim (preferences, needs, reasons)"
    )


class DutyOut(BaseModel):
    decision: str = Field(description="the decision's step kind, or cancellation")
    decided_at: datetime
    due_at: datetime
    told_at: datetime | None
    state: str = Field(description="met, late, overdue, due or declined")


class JourneyOut(BaseModel):
    force: str
    reference: str
    reported_at: datetime
    status: str
    outcome: str | None = Field(description="the Home Office outcome type closing the report")
    pseudonymised: bool
    timeline: list[TimelineStepOut]
    duties: list[DutyOut]
    findings: list[RuleFindingOut]


class OpenDutyOut(BaseModel):
    force: str
    reference: str
    decision: str
    decided_at: datetime
    due_at: datetime
    overdue: bool


class DutiesOut(BaseModel):
    duties: list[OpenDutyOut] = Field(description="oldest due first")


# -- justice-path figures ---------------------------------------------------------------------


class ScopeOut(BaseModel):
    reported_from: str | None
    reported_before: str | None
    forces: list[str] | None


class FiguresOut(BaseModel):
    figure: str
    group: str | None = Field(description="rape, other or all; null for missed chances")
    scope: ScopeOut
    computed_at: datetime
    definitions: dict[str, str] = Field(description="what each figure counts")


class LimitFunnelOut(BaseModel):
    national_rate: float | None
    method: str
    adjusted: bool
    phi: float | None
    tau2: float | None
    units: list[FunnelUnitOut]


class StageOut(BaseModel):
    stage: str
    count: int
    rate: float | None = Field(description="a share of recorded crimes; null for reported")
    lower95: float | None
    upper95: float | None


class StagesOut(BaseModel):
    stages: list[StageOut]


class UnitStagesOut(StagesOut):
    unit: str


class AttritionFunnelsOut(BaseModel):
    charge_rate: LimitFunnelOut
    outcome16_share: LimitFunnelOut


class AttritionOut(FiguresOut):
    national: StagesOut
    units: list[UnitStagesOut]
    funnels: AttritionFunnelsOut


class OutcomeShareOut(BaseModel):
    outcome: str = Field(description="a Home Office outcome type code, or a police.uk category")
    count: int
    share: float | None
    lower95: float | None
    upper95: float | None


class UnitMixOut(BaseModel):
    unit: str
    total: int
    outcomes: list[OutcomeShareOut]


class OutcomeMixOut(FiguresOut):
    national: list[OutcomeShareOut]
    total: int
    units: list[UnitMixOut]


class ChargedWithinOut(BaseModel):
    days: int
    share: float | None
    lower95: float | None
    upper95: float | None


class SurvivalCurveOut(BaseModel):
    timeline: list[float] = Field(description="days from recording")
    survival: list[float | None] = Field(description="the share not yet charged")
    lower95: list[float | None]
    upper95: list[float | None]


class ChargeTimesOut(BaseModel):
    median_days: float | None
    lower95: float | None
    upper95: float | None
    n: int
    charged: int
    censored: int
    charged_within: list[ChargedWithinOut]
    curve: SurvivalCurveOut
    median_days_of_charged: float | None = None


class UnitChargeTimesOut(ChargeTimesOut):
    unit: str


class TimeToChargeOut(FiguresOut):
    national: ChargeTimesOut
    units: list[UnitChargeTimesOut]


class DutyFiguresOut(BaseModel):
    due: int
    met_on_time: int
    late: int
    overdue: int
    declined: int
    pending: int
    rate: float | None
    lower95: float | None
    upper95: float | None


class UnitDutyFiguresOut(DutyFiguresOut):
    unit: str


class ShareOut(BaseModel):
    count: int
    denominator: int
    rate: float | None
    lower95: float | None
    upper95: float | None


class ReferralFiguresOut(BaseModel):
    service: str
    cases: int
    offered: ShareOut
    accepted: ShareOut
    declined: int
    not_appropriate: int
    not_offered: int


class UnitReferralsOut(BaseModel):
    unit: str
    services: list[ReferralFiguresOut]


class ReferralsOut(BaseModel):
    national: list[ReferralFiguresOut]
    units: list[UnitReferralsOut]
    definitions: dict[str, str]


class ComplianceOut(FiguresOut):
    national: DutyFiguresOut
    units: list[UnitDutyFiguresOut]
    funnel: LimitFunnelOut
    referrals: ReferralsOut


class SuspectMemberOut(BaseModel):
    report_id: int
    force: str
    reference: str
    suspect_identified: bool
    charged: bool


class MissedChanceOut(BaseModel):
    report_id: int
    force: str
    reference: str
    status: str
    outcome: str | None
    reason: str
    series_id: int
    series_score: float | None
    members_with_suspects: list[SuspectMemberOut]


class MissedChanceCountsOut(BaseModel):
    reports: int
    in_series: int
    series: int
    series_with_suspects: int
    chances: int


class MissedChancesOut(FiguresOut):
    chances: list[MissedChanceOut]
    counts: MissedChanceCountsOut
    link_run: int | None
