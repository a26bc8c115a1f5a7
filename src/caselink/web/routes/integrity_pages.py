"""Integrity pages: the write-off funnel by force, the trend by quarter, the audit workbench."""

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from caselink.domain.forces import FORCES
from caselink.domain.roles import Action, may
from caselink.services import report_views
from caselink.services.integrity import audit as integrity_audit
from caselink.web import charts
from caselink.web.forms import RecordId
from caselink.web.routes.report_pages import report_url
from caselink.web.security import PostSession, Session, Why, context
from caselink.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/integrity")
def funnel_page(request: Request, session: Session) -> Response:
    figure = report_views.write_off_funnel(context(request), session.actor)
    flagged = [u for u in figure.funnel.units if u.flag]
    return render(
        request,
        "integrity.html",
        {
            "figure": figure,
            "funnel": figure.funnel,
            "method_name": figure.result.method_name,
            "notes": figure.result.notes,
            "flagged": flagged,
            "figure_json": json.dumps(charts.funnel_figure(figure.funnel, figure.curves)),
        },
    )


@router.get("/integrity/trends")
def trend_page(request: Request, session: Session, force: str = "") -> Response:
    chosen = force if force in FORCES else None
    chart = report_views.write_off_trend(context(request), session.actor, chosen)
    return render(
        request,
        "trends.html",
        {
            "chart": chart,
            "force": chosen,
            "forces": FORCES,
            "figure_json": json.dumps(charts.trend_figure(chart)) if chart else None,
        },
    )


@router.get("/integrity/audits")
def audits_page(request: Request, session: Session) -> Response:
    samples = report_views.audit_overview(context(request), session.actor)
    return render(request, "audits.html", {"samples": samples})


@router.get("/integrity/audits/{sample_id}")
def audit_page(request: Request, session: Session, why: Why, sample_id: RecordId) -> Response:
    # The verdicts' reasons may name people: the read is logged, and withheld from inspectors.
    view = integrity_audit.sample_view(context(request), session.actor, sample_id, why)
    may_judge = may(session.actor.role, Action.VIEW_REPORT)  # judging reads the record
    return render(
        request, "audit.html", {"view": view, "report_url": report_url, "may_judge": may_judge}
    )


@router.post("/integrity/audits/{sample_id}/verdict")
def record_verdict(
    request: Request,
    session: PostSession,
    why: Why,
    sample_id: RecordId,
    force: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
    verdict: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """A registrar's verdict on a sampled write-off (appended; the latest counts)."""
    integrity_audit.record_verdict(
        context(request),
        session.actor,
        sample_id,
        force,
        reference,
        correct=verdict == "correct",
        reason=reason,
        why=why,
    )
    return RedirectResponse(f"/integrity/audits/{sample_id}", status_code=303)
