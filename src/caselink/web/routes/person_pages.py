"""Person resolution pages for analysts: pairs to review near the threshold, each verdict, and
the repeat suspects (pseudonymised for inspectors)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from caselink.services import person_review, repeat_suspects
from caselink.web import forms, journey_display
from caselink.web.routes.report_pages import report_url
from caselink.web.security import PostSession, Session, Why, context
from caselink.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/persons/review")
def review_page(request: Request, session: Session, why: Why) -> Response:
    ctx = context(request)
    view = person_review.review_sample(ctx, session.actor, why=why, limit=10)
    figures = person_review.label_figures(ctx, session.actor)
    return render(
        request,
        "person_review.html",
        {
            "view": view,
            "figures": figures,
            "report_url": report_url,
            "verdicts": person_review.VERDICTS,
        },
    )


@router.post("/persons/review/label")
def label(
    request: Request,
    session: PostSession,
    why: Why,
    left: Annotated[str, Form()] = "",
    right: Annotated[str, Form()] = "",
    verdict: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """An analyst's verdict on a pair (appended; the latest counts); back to the next pairs.

    The ids are read here rather than by the form's types, so that a role that may not label
    is refused (403) before anything is said about the form."""
    ids = (forms.record_id(left), forms.record_id(right))
    person_review.label_pair(context(request), session.actor, ids, verdict, reason=reason, why=why)
    return RedirectResponse("/persons/review", status_code=303)


@router.get("/persons/repeat-suspects")
def repeat_suspects_page(request: Request, session: Session, why: Why) -> Response:
    found = repeat_suspects.repeat_suspects(context(request), session.actor, why=why)
    return render(
        request,
        "person_repeat_suspects.html",
        {
            "found": found,
            "report_url": report_url,
            "outcome_words": journey_display.outcome_words,
        },
    )
