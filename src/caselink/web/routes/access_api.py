"""Reading another force's reports in the JSON API: ask the owning force for access, decide
requests as its registrar, list them. The same rules as `caselink access` and the pages."""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from caselink.domain.roles import Action
from caselink.services import access_requests
from caselink.services.context import Actor
from caselink.web.routes.api import REFUSALS
from caselink.web.security import ApiActor, context

router = APIRouter(prefix="/api/v1", tags=["access"], responses=REFUSALS)


def _reader(actor: ApiActor) -> Actor:
    # Dependencies, so a role that may not do this is refused (403) before its body is judged.
    actor.require(Action.VIEW_REPORT)
    return actor


def _granter(actor: ApiActor) -> Actor:
    actor.require(Action.GRANT_ACCESS)
    return actor


Reader = Annotated[Actor, Depends(_reader)]
Granter = Annotated[Actor, Depends(_granter)]


class AccessRequestIn(BaseModel):
    """A request to read another force's report in full."""

    model_config = ConfigDict(extra="forbid")

    force: str = Field(min_length=1, max_length=64, description="the force that owns it")
    reference: str = Field(min_length=1, max_length=128, description="its reference")
    reason: str = Field(
        min_length=1, max_length=2000, description="why, for the owning force's registrar"
    )


class DecisionIn(BaseModel):
    """The owning force's answer: grant for some days, or refuse saying why."""

    model_config = ConfigDict(extra="forbid")

    grant: bool
    days: int = Field(
        default=access_requests.DEFAULT_GRANT_DAYS, ge=1, le=access_requests.MAX_GRANT_DAYS
    )
    note: str | None = Field(default=None, max_length=500)


class AccessRequestOut(BaseModel):
    id: int
    requested_by: str
    force: str
    reference: str
    reason: str
    requested_at: datetime
    state: str
    decided_by: str | None
    decided_at: datetime | None
    note: str | None
    expires_at: datetime | None


@router.get(
    "/access-requests",
    response_model=list[AccessRequestOut],
    summary="Requests waiting for your force (registrars), then your own",
)
def list_requests(request: Request, actor: ApiActor) -> list[dict[str, Any]]:
    return [asdict(r) for r in access_requests.requests_for(context(request), actor)]


@router.post(
    "/access-requests",
    response_model=AccessRequestOut,
    status_code=201,
    summary="Ask the owning force for access to one of its reports",
)
def ask(request: Request, actor: Reader, body: AccessRequestIn) -> dict[str, Any]:
    """Written to the access log under the owning force. Refused when you may read the report
    already."""
    made = access_requests.request_access(
        context(request), actor, body.force, body.reference, why=body.reason
    )
    return asdict(made)


@router.post(
    "/access-requests/{request_id}/decision",
    response_model=AccessRequestOut,
    summary="Grant or refuse a request (the owning force's registrars)",
)
def decide(
    request: Request,
    actor: Granter,
    request_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: DecisionIn,
) -> dict[str, Any]:
    decided = access_requests.decide(
        context(request), actor, request_id, grant=body.grant, days=body.days, note=body.note
    )
    return asdict(decided)
