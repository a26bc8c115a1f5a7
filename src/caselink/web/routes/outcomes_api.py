"""The justice path's figures in the JSON API: attrition, outcome mix, time to charge, Victims'
Code compliance and missed chances — the documents `caselink outcomes … --json` prints.

Aggregates by force and nationally (registrars and inspectors); missed chances list references
only (analysts too). None of them carries a name, a narrative or a place, so none is a
consultation of personal data.
"""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from caselink.services import outcomes
from caselink.services.integrity.figures import make_scope
from caselink.services.outcomes import Cohort
from caselink.web.api_models import (
    AttritionOut,
    ComplianceOut,
    MissedChancesOut,
    OutcomeMixOut,
    TimeToChargeOut,
)
from caselink.web.routes.api import REFUSALS
from caselink.web.security import ApiActor, context

router = APIRouter(prefix="/api/v1", tags=["outcomes"], responses=REFUSALS)

GroupQuery = Annotated[
    Cohort,
    Query(
        description="rape (19C–19H and N100s), other sexual offences, or all reports "
        "(police.uk crimes carry no offence code)"
    ),
]
FromQuery = Annotated[date | None, Query(description="reported on or after this day (UTC)")]
ToQuery = Annotated[date | None, Query(description="reported on or before this day (UTC)")]
ForceQuery = Annotated[
    list[str] | None, Query(description="only these forces (repeatable); every force when absent")
]


def _scope(start: date | None, end: date | None, forces: list[str] | None) -> Any:
    # The last day is inclusive: the scope ends at the start of the next, which date.max lacks.
    return make_scope(start, None if end == date.max else end, forces or ())


def _which_reports(
    group: GroupQuery = Cohort.RAPE,
    reported_from: FromQuery = None,
    reported_to: ToQuery = None,
    force: ForceQuery = None,
) -> dict[str, Any]:
    """The query parameters every figure takes, as the services' keyword arguments."""
    return {"group": group, "scope": _scope(reported_from, reported_to, force)}


# group, reported_from, reported_to and force, declared once for every figure's endpoint
WhichReports = Annotated[dict[str, Any], Depends(_which_reports)]


@router.get(
    "/attrition",
    response_model=AttritionOut,
    summary="Attrition from report to conviction, by force, with funnels",
)
def get_attrition(request: Request, actor: ApiActor, which: WhichReports) -> dict[str, Any]:
    """Reports → recorded crimes → suspect identified → referred to the CPS → charged →
    convicted per force and nationally, each stage a share of recorded crimes with its Wilson
    95% interval; funnels of the charge rate and of the outcome-16 share."""
    return outcomes.attrition_figures(context(request), actor, **which).to_dict()


@router.get(
    "/outcomes/mix",
    response_model=OutcomeMixOut,
    summary="How recorded crimes were closed: each outcome's share, by force",
)
def get_outcome_mix(request: Request, actor: ApiActor, which: WhichReports) -> dict[str, Any]:
    """Each Home Office outcome type's (or police.uk category's) share of the crimes closed,
    with its Wilson 95% interval; crimes still open are not in the denominator."""
    return outcomes.outcome_mix_figures(context(request), actor, **which).to_dict()


@router.get(
    "/outcomes/time-to-charge",
    response_model=TimeToChargeOut,
    summary="Days from recording to charge (Kaplan–Meier), by force",
)
def get_time_to_charge(request: Request, actor: ApiActor, which: WhichReports) -> dict[str, Any]:
    """The Kaplan–Meier curve of the share not yet charged with its 95% band, the median with
    its interval (null when fewer than half are charged) and the share charged within one and
    two years. Crimes not charged are censored today, not dropped."""
    return outcomes.time_to_charge_figures(context(request), actor, **which).to_dict()


@router.get(
    "/outcomes/compliance",
    response_model=ComplianceOut,
    summary="Victims' Code compliance and SARC/ISVA referral rates, by force",
)
def get_compliance(request: Request, actor: ApiActor, which: WhichReports) -> dict[str, Any]:
    """The share of decisions the victim was told of on time, with its interval and a funnel;
    duties declined or not yet due counted apart; SARC and ISVA referrals offered and
    accepted, declines shown apart."""
    return outcomes.compliance_figures(context(request), actor, **which).to_dict()


@router.get(
    "/outcomes/missed-chances",
    response_model=MissedChancesOut,
    summary="Written-off or no-suspect reports in a series with a suspect elsewhere",
)
def get_missed_chances(
    request: Request,
    actor: ApiActor,
    limit: Annotated[int, Query(ge=1, le=5000, description="list at most this many")] = 50,
) -> dict[str, Any]:
    """Reports written off, or closed with outcome 14 or 18, in a series of the latest linkage
    run in which another report has a suspect: strongest series first, references only."""
    doc = outcomes.missed_chance_figures(context(request), actor).to_dict()
    return {**doc, "chances": doc["chances"][:limit]}
