"""Report pages: the list with its filters, recording a new report, and one report in full with
its victim's journey."""

import re
from dataclasses import asdict
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from caselink.domain.errors import DomainError
from caselink.domain.forces import FORCES
from caselink.domain.offences import OFFENCES
from caselink.domain.outcome_types import OUTCOME_TYPES
from caselink.domain.roles import Action, may
from caselink.domain.rules.cancellation import CancellationCode
from caselink.domain.values import Relationship, Status
from caselink.services import access_requests, journey, report_views
from caselink.services.access_requests import ReportSummary
from caselink.services.context import Actor
from caselink.services.journey import JourneyView
from caselink.services.report_views import NewReport, ReportQuery
from caselink.web import forms, journey_display, presenters, step_form
from caselink.web.forms import FieldErrors
from caselink.web.security import PostSession, Session, Why, context
from caselink.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = 50


_URL_SAFE = re.compile(r"[A-Za-z0-9_.~-]*\Z")
# (code, "code description") for the offence filter
OFFENCE_CHOICES = tuple((code, f"{code} {o.description}") for code, o in OFFENCES.items())


@lru_cache(maxsize=256)
def _quoted_force(force: str) -> str:
    return quote(force, safe="")


def report_url(force: str, reference: str) -> str:
    # Most references need no quoting; a list page builds fifty of these.
    ref = reference if _URL_SAFE.match(reference) else quote(reference, safe="")
    return f"/reports/{_quoted_force(force)}/{ref}"


def _filters(request: Request, errors: FieldErrors) -> ReportQuery:
    q = request.query_params
    status = forms.text(q.get("status"))
    if status is not None and status not in {s.value for s in Status}:
        errors.add("status", f"{status!r} is not a status")
        status = None
    page = forms.page(q.get("page"), errors)
    return ReportQuery(
        force=forms.text(q.get("force")),
        status=status,
        offence_code=(forms.text(q.get("offence")) or "").upper() or None,
        reported_from=forms.day("from", q.get("from"), errors),
        # "to" names the last day wanted: the query's bound is the start of the next one.
        reported_before=forms.day_after("to", q.get("to"), errors),
        reference=forms.text(q.get("q")),
        written_off_linked=q.get("linked") == "1",
        pending=q.get("pending") == "1",
        limit=PAGE,
        offset=(page - 1) * PAGE,
    )


@router.get("/reports")
def report_list(request: Request, session: Session) -> Response:
    errors = FieldErrors()
    query = _filters(request, errors)
    found = report_views.list_reports(context(request), session.actor, query)
    page = query.offset // PAGE + 1
    kept = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return render(
        request,
        "reports.html",
        {
            "found": found,
            "errors": errors.by_field,
            "filters": dict(request.query_params),
            "forces": FORCES,
            "statuses": [s.value for s in Status],
            "offences": OFFENCE_CHOICES,
            "page": page,
            "previous_url": f"/reports?{urlencode({**kept, 'page': page - 1})}"
            if page > 1
            else None,
            "next_url": f"/reports?{urlencode({**kept, 'page': page + 1})}" if found.more else None,
            "report_url": report_url,
        },
        422 if errors else 200,
    )


def _new_form(
    request: Request, values: dict[str, str], errors: FieldErrors, status: int = 200
) -> Response:
    ctx = context(request)
    return render(
        request,
        "report_new.html",
        {
            "values": values,
            "errors": errors.by_field,
            "forces": FORCES,
            "offences": OFFENCES,
            "relationships": [r.value for r in Relationship],
            "domains": ctx.taxonomy.domains,
        },
        status,
    )


@router.get("/reports/new")
def new_report_form(request: Request, session: Session) -> Response:
    session.actor.require(Action.RECORD)
    return _new_form(request, {}, FieldErrors())


NEW_FIELDS = (
    "force",
    "reference",
    "reported_at",
    "occurred_from",
    "occurred_to",
    "latitude",
    "longitude",
    "offence_code",
    "narrative",
    "relationship",
    "offender_sex",
    "offender_age_band",
    "complainant_forename",
    "complainant_surname",
)


@router.post("/reports/new")
async def record_report(request: Request, session: PostSession) -> Response:
    session.actor.require(Action.RECORD)
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in NEW_FIELDS}
    ctx = context(request)
    behaviours: dict[str, list[str]] = {}
    for domain in ctx.taxonomy.domains:
        chosen = [str(v) for v in form.getlist(f"mo.{domain}") if str(v).strip()]
        if chosen:
            behaviours[domain] = chosen
            values[f"mo.{domain}"] = "|".join(chosen)
    errors = FieldErrors()
    reported_at = forms.moment("reported_at", values["reported_at"], errors)
    if reported_at is None and "reported_at" not in errors.by_field:
        errors.add("reported_at", "when was it reported?")
    occurred_from = forms.moment("occurred_from", values["occurred_from"], errors)
    occurred_to = forms.moment("occurred_to", values["occurred_to"], errors)
    latitude = forms.number("latitude", values["latitude"], errors)
    longitude = forms.number("longitude", values["longitude"], errors)
    if errors or reported_at is None:
        return _new_form(request, values, errors, 422)
    try:
        report = report_views.record_report(
            ctx,
            session.actor,
            NewReport(
                force=values["force"],
                reference=values["reference"],
                reported_at=reported_at,
                occurred_from=occurred_from,
                occurred_to=occurred_to,
                latitude=latitude,
                longitude=longitude,
                offence_code=forms.text(values["offence_code"]),
                narrative=values["narrative"],
                relationship=forms.text(values["relationship"]),
                offender_sex=forms.text(values["offender_sex"]),
                offender_age_band=forms.text(values["offender_age_band"]),
                behaviours=behaviours,
                complainant_forename=values["complainant_forename"],
                complainant_surname=values["complainant_surname"],
            ),
        )
    except DomainError as exc:
        errors.take(exc, NEW_FIELDS)
        return _new_form(request, values, errors, 422)
    return RedirectResponse(report_url(report.force, report.reference), status_code=303)


@router.get("/reports/{force}/{reference}")
def report_page(
    request: Request, session: Session, why: Why, force: str, reference: str
) -> Response:
    return report_response(request, session.actor, why, force, reference)


def report_response(
    request: Request,
    actor: Actor,
    why: str,
    force: str,
    reference: str,
    *,
    step_values: dict[str, str] | None = None,
    step_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """A report in full with its victim's journey beside its history; `step_values` and
    `step_errors` refill the step form a rule refused."""
    ctx = context(request)
    summary = access_requests.summary_if_foreign(ctx, actor, force, reference)
    if summary is not None:
        return _summary_page(request, summary)
    # Two consultations, each logged as what it read: the journey, then the report itself.
    trail = journey.journey(ctx, actor, force, reference, why=why)
    page = report_views.report_page(ctx, actor, force, reference, why=why)
    report = page.view.report
    pending = report.pending_cancellation
    return render(
        request,
        "report.html",
        {
            "page": page,
            "report": report,
            "view": page.view,
            "offence": OFFENCES.get(report.offence_code or ""),
            "behaviour_labels": [
                (
                    ctx.taxonomy.domains[b.domain].title
                    if b.domain in ctx.taxonomy.domains
                    else b.domain,
                    ctx.taxonomy.label(b) if b.domain in ctx.taxonomy.domains else b.code,
                )
                for b in sorted(report.behaviours)
            ],
            "url": report_url(report.force, report.reference),
            "report_url": report_url,
            "may_classify": may(actor.role, Action.CLASSIFY)
            and report.status in (Status.INCIDENT, Status.N100, Status.CRIME)
            and pending is None,
            "may_cancel": may(actor.role, Action.REQUEST_CANCELLATION)
            and report.status in (Status.CRIME, Status.N100)
            and pending is None,
            "may_decide": may(actor.role, Action.AUTHORISE_CANCELLATION) and pending is not None,
            "may_inform": may(actor.role, Action.INFORM_COMPLAINANT)
            and (report.applied_cancellation or pending) is not None,
            "may_add_person": may(actor.role, Action.RECORD),
            "codes": list(CancellationCode),
            "person_roles": ["complainant", "suspect", "witness", "other"],
            "history": presenters.history(page.view),
            "link_reasons": presenters.link_reasons,
            "facts": asdict(report.offender),
            **journey_context(trail, may(actor.role, Action.RECORD), step_values, step_errors),
        },
        status_code,
    )


def _summary_page(request: Request, summary: ReportSummary) -> Response:
    """Another force's report as its summary, with the reader's requests and a form to ask."""
    return render(
        request,
        "report_summary.html",
        {
            "summary": summary,
            "pending": any(r.state == "pending" for r in summary.requests),
            # A transferred report may be coming to the reader's force: its registrar takes it
            # over from here (the service checks the transfer names their force).
            "may_accept": summary.status == "transferred"
            and may(request.state.web_session.actor.role, Action.AUTHORISE_CANCELLATION),
            "url": report_url(summary.force, summary.reference),
        },
    )


def journey_context(
    trail: JourneyView,
    may_record: bool,
    values: dict[str, str] | None,
    errors: dict[str, str] | None,
) -> dict[str, Any]:
    """What the journey panel and its step form need."""
    return {
        "journey": trail,
        "outcome_title": (
            OUTCOME_TYPES[trail.outcome].title
            if trail.outcome is not None and trail.outcome in OUTCOME_TYPES
            else None
        ),
        "step_label": journey_display.step_label,
        "detail_lines": journey_display.detail_lines,
        "due_day": journey_display.due_day,
        "may_record_step": may_record,
        "step_choices": step_form.STEP_CHOICES,
        "step_fields": {k.value: fields for k, fields in step_form.STEP_FIELDS.items()},
        "input_name": step_form.input_name,
        "told_of": journey_display.told_of_choices(
            [(d.decision, d.decision_at, d.state.value) for d in trail.duties],
            [(t.kind, t.at) for t in trail.timeline],
        ),
        "step_values": values or {},
        "step_errors": errors or {},
    }
