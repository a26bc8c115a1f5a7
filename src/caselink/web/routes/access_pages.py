"""Reading another force's reports in the browser: a report of another force shows as its
summary with a form to ask for access; the owning force's registrar grants or refuses on the
access requests page."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from caselink.domain.errors import InvalidRequest
from caselink.domain.roles import Action
from caselink.services import access_requests
from caselink.web.routes.report_pages import report_url
from caselink.web.security import PostSession, Session, context
from caselink.web.templating import render

router = APIRouter(include_in_schema=False)

Field = Annotated[str, Form()]


@router.get("/access-requests")
def access_requests_page(request: Request, session: Session) -> Response:
    found = access_requests.requests_for(context(request), session.actor)
    actor = session.actor
    return render(
        request,
        "access_requests.html",
        {
            "waiting": [r for r in found if r.state == "pending" and r.force == actor.home.force],
            "own": [r for r in found if r.requested_by == actor.name],
            "may_decide": actor.may(Action.GRANT_ACCESS) and actor.home.force is not None,
            "report_url": report_url,
            "days": access_requests.DEFAULT_GRANT_DAYS,
            "max_days": access_requests.MAX_GRANT_DAYS,
        },
    )


@router.post("/access-requests")
def ask(
    request: Request,
    session: PostSession,
    force: Field = "",
    reference: Field = "",
    reason: Field = "",
) -> Response:
    session.actor.require(Action.VIEW_REPORT)  # a refusal of role is a 403, not a form error
    access_requests.request_access(context(request), session.actor, force, reference, why=reason)
    return RedirectResponse(report_url(force, reference), status_code=303)


@router.post("/access-requests/{request_id}")
def decide(
    request: Request,
    session: PostSession,
    request_id: Annotated[int, PathParam(ge=1, le=2**63 - 1)],
    decision: Field = "",
    days: Annotated[int, Form(ge=1, le=access_requests.MAX_GRANT_DAYS)] = (
        access_requests.DEFAULT_GRANT_DAYS
    ),
    note: Field = "",
) -> Response:
    session.actor.require(Action.GRANT_ACCESS)
    if decision not in ("grant", "refuse"):
        raise InvalidRequest("grant or refuse the request")
    access_requests.decide(
        context(request),
        session.actor,
        request_id,
        grant=decision == "grant",
        days=days,
        note=note,
    )
    return RedirectResponse("/access-requests", status_code=303)
