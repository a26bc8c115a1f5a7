"""The victim's journey in the JSON API: a report's timeline and duties (a logged read),
recording a step, and the Victims' Code duties due. The same rules, roles and access log as the
pages and `caselink journey`."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from caselink.domain.errors import InvalidValue
from caselink.domain.roles import Action
from caselink.services import journey
from caselink.services.access_requests import check_acting
from caselink.services.context import Actor
from caselink.web.api_models import DutiesOut, JourneyOut, Problem, StepIn, StepRecordedOut
from caselink.web.routes.api import REFUSALS, ForcePath, ReferencePath
from caselink.web.security import ApiActor, ApiWhy, context

router = APIRouter(prefix="/api/v1", tags=["journey"], responses=REFUSALS)

MAX_DUTIES = 5000


def _recorder(
    request: Request, actor: ApiActor, force: ForcePath, reference: ReferencePath
) -> Actor:
    # A dependency, so a role that may not record, or another force's user, is refused (403)
    # before the body is judged.
    actor.require(Action.RECORD)
    check_acting(context(request), actor, force, reference)
    return actor


Recorder = Annotated[Actor, Depends(_recorder)]


@router.get(
    "/reports/{force}/{reference}/journey",
    response_model=JourneyOut,
    summary="A report's journey: steps, Victims' Code duties and findings (logged)",
)
def get_journey(
    request: Request, actor: ApiActor, why: ApiWhy, force: ForcePath, reference: ReferencePath
) -> dict[str, Any]:
    """The steps in time order, each duty to tell the victim of a decision with its state (met,
    late, overdue, due or declined) and what the rules notice. Pseudonymised for inspectors
    (no free text about the victim). The read is written to the access log first."""
    return journey.journey(context(request), actor, force, reference, why=why).to_dict()


@router.post(
    "/reports/{force}/{reference}/journey",
    response_model=StepRecordedOut,
    status_code=201,
    summary="Record a step of a report's journey",
    responses={
        409: {"model": Problem, "description": "the report is no longer at expected_version"},
        422: {"model": Problem, "description": "the step breaks a rule (the rule is named)"},
    },
)
def post_step(
    request: Request, actor: Recorder, force: ForcePath, reference: ReferencePath, body: StepIn
) -> dict[str, Any]:
    """Record one step (officers and registrars). A step that cannot be true is refused with
    the rule it breaks and nothing is written: 422 with the rule's words; 409 when the report
    changed since `expected_version`. A late update is recorded, with a VC-1 finding."""
    done = journey.record_step(
        context(request),
        actor,
        force,
        reference,
        body.step,
        at=body.at,
        details=body.details,
        expected_version=body.expected_version,
    )
    return {
        "force": done.force,
        "reference": done.reference,
        "step": done.step.kind.value,
        "at": done.step.at,
        "version": done.version,
        "findings": [{"rule": f.rule.id, "message": f.message} for f in done.findings],
    }


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise InvalidValue("due_before", value.isoformat(), "out of range") from None


@router.get(
    "/duties",
    response_model=DutiesOut,
    summary="Victims' Code duties not yet met, oldest due first",
)
def get_duties(
    request: Request,
    actor: ApiActor,
    due_before: Annotated[
        datetime | None,
        Query(description="only duties due before this time (ISO 8601; UTC when no offset)"),
    ] = None,
    force: Annotated[
        list[str] | None, Query(description="only these forces' reports (repeatable)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_DUTIES)] = 500,
) -> dict[str, Any]:
    """Whom to tell of which decision (officers and registrars): references and decisions only,
    not a consultation. A duty the victim declined is not listed."""
    ctx = context(request)
    rows = journey.duties_due(
        ctx,
        actor,
        due_before=_utc(due_before),
        forces=[f for f in force or () if f.strip()],
        limit=limit,
    )
    now = ctx.clock()
    return {
        "duties": [
            {
                "force": d.force,
                "reference": d.reference,
                "decision": d.decision,
                "decided_at": d.decided_at,
                "due_at": d.due_at,
                "overdue": d.due_at < now,
            }
            for d in rows
        ]
    }
