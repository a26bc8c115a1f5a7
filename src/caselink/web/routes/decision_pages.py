"""Recording decisions as forms: classify, ask to cancel, authorise or refuse, tell the
complainant, add a person; and the registrar's queue of pending cancellations.

A refused form comes back with the rule's words beside the field at fault and every value the
user typed still in place.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from caselink.domain.errors import DomainError, RuleViolation
from caselink.domain.offences import OFFENCES
from caselink.domain.person import DateOfBirth, Person, PersonRole
from caselink.domain.roles import Action
from caselink.domain.rules.cancellation import CancellationCode
from caselink.domain.rules.catalogue import CANCELLATION_EVIDENCE, CANCELLATION_GROUNDS
from caselink.services import recording, report_views
from caselink.services.access_requests import check_acting
from caselink.web import forms
from caselink.web.forms import FieldErrors
from caselink.web.routes.report_pages import report_url
from caselink.web.security import PostSession, Session, Why, context
from caselink.web.templating import render

router = APIRouter(include_in_schema=False)

Field = Annotated[str, Form()]


def _form(
    request: Request,
    template: str,
    force: str,
    reference: str,
    values: dict[str, str],
    errors: FieldErrors,
    status: int = 200,
    **more: Any,
) -> Response:
    session_actor = request.state.web_session.actor
    summary = report_views.report_summary(context(request), session_actor, force, reference)
    values.setdefault("expected_version", str(summary.version))
    return render(
        request,
        template,
        {
            "summary": summary,
            "values": values,
            "errors": errors.by_field,
            "url": report_url(force, reference),
            **more,
        },
        status,
    )


# -- classify --------------------------------------------------------------------------------


@router.get("/reports/{force}/{reference}/classify")
def classify_form(request: Request, session: Session, force: str, reference: str) -> Response:
    session.actor.require(Action.CLASSIFY)
    return _form(request, "classify.html", force, reference, {}, FieldErrors(), offences=OFFENCES)


@router.post("/reports/{force}/{reference}/classify")
def classify(
    request: Request,
    session: PostSession,
    force: str,
    reference: str,
    decision: Field = "crime",
    offence_code: Field = "",
    rationale: Field = "",
    expected_version: Field = "",
) -> Response:
    session.actor.require(Action.CLASSIFY)  # a refusal of role is a 403, not a form error
    values = {
        "decision": decision,
        "offence_code": offence_code,
        "rationale": rationale,
        "expected_version": expected_version,
    }
    errors = FieldErrors()
    try:
        recording.classify(
            context(request),
            session.actor,
            force,
            reference,
            offence_code=forms.text(offence_code) if decision == "crime" else None,
            n100_rationale=None if decision == "crime" else rationale,
            expected_version=forms.version(expected_version),
        )
    except DomainError as exc:
        field = "offence_code" if decision == "crime" else "rationale"
        errors.add(field if isinstance(exc, RuleViolation) else "", str(exc))
        return _form(
            request, "classify.html", force, reference, values, errors, 422, offences=OFFENCES
        )
    return RedirectResponse(report_url(force, reference), status_code=303)


# -- cancel ----------------------------------------------------------------------------------


@router.get("/reports/{force}/{reference}/cancel")
def cancel_form(request: Request, session: Session, force: str, reference: str) -> Response:
    session.actor.require(Action.REQUEST_CANCELLATION)
    return _form(
        request, "cancel.html", force, reference, {}, FieldErrors(), codes=list(CancellationCode)
    )


@router.post("/reports/{force}/{reference}/cancel")
def cancel(
    request: Request,
    session: PostSession,
    force: str,
    reference: str,
    code: Field = "",
    rationale: Field = "",
    evidence: Field = "",
    expected_version: Field = "",
) -> Response:
    session.actor.require(Action.REQUEST_CANCELLATION)
    values = {
        "code": code,
        "rationale": rationale,
        "evidence": evidence,
        "expected_version": expected_version,
    }
    errors = FieldErrors()
    try:
        reason = CancellationCode(code)
    except ValueError:
        errors.add("code", "choose the reason code: C1, C2, C3 or C4")
    else:
        try:
            recording.cancel(
                context(request),
                session.actor,
                force,
                reference,
                code=reason,
                rationale=rationale,
                evidence=forms.text(evidence),
                expected_version=forms.version(expected_version),
            )
        except DomainError as exc:
            errors.add(_cancel_field(exc), str(exc))
    if errors:
        return _form(
            request,
            "cancel.html",
            force,
            reference,
            values,
            errors,
            422,
            codes=list(CancellationCode),
        )
    return RedirectResponse(report_url(force, reference), status_code=303)


def _cancel_field(exc: DomainError) -> str:
    """Which field a cancellation refusal is about, so it shows beside that input."""
    if isinstance(exc, RuleViolation):
        if exc.rule is CANCELLATION_GROUNDS:
            return "rationale"
        if exc.rule is CANCELLATION_EVIDENCE:
            return "rationale" if "needs a rationale" in exc.reason else "evidence"
    return "evidence" if "C3 names the original" in str(exc) else ""


# -- authorise or refuse ---------------------------------------------------------------------


@router.get("/reports/{force}/{reference}/decide")
def decide_form(
    request: Request, session: Session, why: Why, force: str, reference: str
) -> Response:
    session.actor.require(Action.AUTHORISE_CANCELLATION)
    # The request's rationale and evidence are part of the record: reading them is logged.
    view = recording.show(context(request), session.actor, force, reference, why=why)
    return _form(
        request,
        "decide.html",
        force,
        reference,
        {},
        FieldErrors(),
        pending=view.report.pending_cancellation,
    )


@router.post("/reports/{force}/{reference}/decide")
def decide(
    request: Request,
    session: PostSession,
    why: Why,
    force: str,
    reference: str,
    decision: Field = "",
    note: Field = "",
    expected_version: Field = "",
) -> Response:
    session.actor.require(Action.AUTHORISE_CANCELLATION)
    ctx = context(request)
    values = {"decision": decision, "note": note, "expected_version": expected_version}
    errors = FieldErrors()
    try:
        if decision == "authorise":
            recording.authorise(
                ctx,
                session.actor,
                force,
                reference,
                note=forms.text(note),
                expected_version=forms.version(expected_version),
            )
        elif decision == "refuse":
            recording.refuse(
                ctx,
                session.actor,
                force,
                reference,
                note=note,
                expected_version=forms.version(expected_version),
            )
        else:
            errors.add("decision", "authorise or refuse")
    except DomainError as exc:
        errors.add("note" if "say why" in str(exc) else "", str(exc))
    if errors:
        view = recording.show(ctx, session.actor, force, reference, why=why)
        return _form(
            request,
            "decide.html",
            force,
            reference,
            values,
            errors,
            422,
            pending=view.report.pending_cancellation,
        )
    return RedirectResponse("/queue", status_code=303)


# -- tell the complainant, add a person ------------------------------------------------------


@router.post("/reports/{force}/{reference}/inform")
def inform(
    request: Request,
    session: PostSession,
    force: str,
    reference: str,
    how: Field = "",
    expected_version: Field = "",
) -> Response:
    recording.inform(
        context(request),
        session.actor,
        force,
        reference,
        how=forms.text(how),
        expected_version=forms.version(expected_version),
    )
    return RedirectResponse(report_url(force, reference), status_code=303)


@router.post("/reports/{force}/{reference}/accept")
def accept_transfer(request: Request, session: PostSession, force: str, reference: str) -> Response:
    session.actor.require(Action.AUTHORISE_CANCELLATION)
    recording.accept_transfer(context(request), session.actor, force, reference)
    return RedirectResponse(report_url(force, reference), status_code=303)


@router.post("/reports/{force}/{reference}/persons")
def add_person(
    request: Request,
    session: PostSession,
    force: str,
    reference: str,
    role: Field = "",
    forename: Field = "",
    surname: Field = "",
    date_of_birth: Field = "",
) -> Response:
    session.actor.require(Action.RECORD)
    check_acting(context(request), session.actor, force, reference)  # 403 before the form
    try:
        person_role = PersonRole(role)
    except ValueError:
        message = f"{role!r} is not a role: complainant, suspect, witness or other"
        return render(request, "error.html", {"status": 422, "message": message}, 422)
    dob = forms.text(date_of_birth)
    person = Person(
        role=person_role,
        forename=forms.text(forename),
        surname=forms.text(surname),
        date_of_birth=DateOfBirth.from_text(dob) if dob else None,
    )
    recording.add_person(context(request), session.actor, force, reference, person)
    return RedirectResponse(report_url(force, reference) + "#persons", status_code=303)


# -- the registrar's queue -------------------------------------------------------------------


@router.get("/queue")
def queue(request: Request, session: Session, force: str = "") -> Response:
    rows = report_views.pending_queue(context(request), session.actor, forms.text(force))
    return render(request, "queue.html", {"rows": rows, "report_url": report_url, "force": force})
