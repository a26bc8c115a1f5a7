"""Recording a step of the victim's journey from the report page.

A step the rules refuse comes back on the report page with the rule's words above the form and
everything typed kept; nothing is written. The journey itself is shown by the report page.
"""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from caselink.domain.errors import (
    ConcurrentUpdate,
    InvalidRequest,
    InvalidTransition,
    InvalidValue,
    RuleViolation,
)
from caselink.domain.roles import Action
from caselink.services import journey
from caselink.services.access_requests import check_acting
from caselink.web import forms
from caselink.web.forms import FieldErrors
from caselink.web.routes.report_pages import report_response, report_url
from caselink.web.security import CSRF_FIELD, PostSession, Why, context
from caselink.web.step_form import read_step

router = APIRouter(include_in_schema=False)

# Refusals shown on the form; anything else (no such report, a role that may not) is the
# error page's.
_SHOWN_ON_FORM = (RuleViolation, InvalidValue, InvalidTransition, InvalidRequest, ConcurrentUpdate)


@router.post("/reports/{force}/{reference}/journey")
async def record_step(
    request: Request, session: PostSession, why: Why, force: str, reference: str
) -> Response:
    session.actor.require(Action.RECORD)  # a refusal of role is a 403, not a form error
    check_acting(context(request), session.actor, force, reference)  # and another force's
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != CSRF_FIELD and isinstance(v, str)}
    errors = FieldErrors()
    posted = read_step(values, errors)
    if posted is not None:
        try:
            await run_in_threadpool(
                lambda: journey.record_step(
                    context(request),
                    session.actor,
                    force,
                    reference,
                    posted.kind,
                    at=posted.at,
                    details=posted.details,
                    expected_version=forms.version(values.get("expected_version")),
                )
            )
        except _SHOWN_ON_FORM as exc:
            errors.add("", str(exc))
    if errors:
        return await run_in_threadpool(
            lambda: report_response(
                request,
                session.actor,
                why,
                force,
                reference,
                step_values=values,
                step_errors=errors.by_field,
                status_code=422,
            )
        )
    return RedirectResponse(report_url(force, reference) + "#journey", status_code=303)
