"""Linkage pages: the series of the latest run, one series with its map, timeline and link
chart, and one person with the records resolved to them."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from caselink.services import report_views
from caselink.web import charts, journey_display
from caselink.web.forms import RecordId, SeriesNumber
from caselink.web.routes.report_pages import report_url
from caselink.web.security import Session, Why, context
from caselink.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/linkage/series")
def series_list(request: Request, session: Session) -> Response:
    overview = report_views.series_overview(context(request), session.actor)
    return render(request, "series_list.html", {"overview": overview})


@router.get("/linkage/series/{series_id}")
def series_page(request: Request, session: Session, why: Why, series_id: SeriesNumber) -> Response:
    view = report_views.series_view(context(request), session.actor, series_id, why=why)
    hrefs = {m.id: report_url(m.force, m.reference) for m in view.members}
    person_hrefs = {p.id: f"/persons/{p.id}" for p in view.persons}
    return render(
        request,
        "series.html",
        {
            "view": view,
            "report_url": report_url,
            "outcome_words": journey_display.outcome_words,
            "written_off": [m for m in view.members if m.status in charts.WRITE_OFF],
            "map": charts.series_map(view.members, hrefs),
            "timeline": charts.series_timeline(view.members, hrefs),
            "network": charts.link_chart(
                view.members, view.links, view.persons, hrefs, person_hrefs
            ),
        },
    )


@router.get("/persons/{person_id}")
def person_page(request: Request, session: Session, why: Why, person_id: RecordId) -> Response:
    view = report_views.person_view(context(request), session.actor, person_id, why=why)
    return render(request, "person.html", {"view": view, "report_url": report_url})
