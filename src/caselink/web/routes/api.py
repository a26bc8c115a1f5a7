"""The JSON API under /api/v1 for other systems: bearer tokens, the same roles and the same
access log as the pages. 401 without a valid token, 403 when the role may not, 400 when a read
of personal data comes without its X-Justification header."""

from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from caselink.domain.values import Status
from caselink.services import recording, report_views
from caselink.services.report_views import LinkSet, ReportQuery, RunRow
from caselink.web import presenters
from caselink.web.api_models import (
    AccessEntryOut,
    FunnelOut,
    LinksOut,
    Problem,
    ReportDetail,
    ReportPage,
    SeriesListOut,
)
from caselink.web.security import ApiActor, ApiWhy, context

REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "a read of personal data without X-Justification"},
    401: {"model": Problem, "description": "no valid API token"},
    403: {"model": Problem, "description": "the token's role may not do this"},
    404: {"model": Problem, "description": "no such record"},
    422: {"model": Problem, "description": "a parameter out of range"},
}

router = APIRouter(prefix="/api/v1", tags=["api"], responses=REFUSALS)

ForcePath = Annotated[str, Path(min_length=1, max_length=64, description="the recording force")]
ReferencePath = Annotated[
    str, Path(min_length=1, max_length=128, description="the force's reference")
]


def _start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(0), tzinfo=UTC)


def _run(run: RunRow | None) -> dict[str, Any] | None:
    return None if run is None else asdict(run)


@router.get("/reports", response_model=ReportPage, summary="Reports, newest first")
def list_reports(
    request: Request,
    actor: ApiActor,
    force: Annotated[str | None, Query(max_length=64)] = None,
    status: Status | None = None,
    offence_code: Annotated[str | None, Query(max_length=8)] = None,
    reported_from: Annotated[date | None, Query(description="first day (UTC)")] = None,
    reported_to: Annotated[date | None, Query(description="last day (UTC), inclusive")] = None,
    written_off_linked: Annotated[
        bool, Query(description="only written-off reports linked in the latest linkage run")
    ] = False,
    pending: Annotated[bool, Query(description="only reports awaiting authorisation")] = False,
    limit: Annotated[int, Query(ge=1, le=report_views.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Reports matching the filters: keys, status, offence code and dates; no names, no free
    text (not logged as a consultation)."""
    before = None
    if reported_to is not None and reported_to < date.max:
        before = _start(reported_to + timedelta(days=1))
    query = ReportQuery(
        force=force,
        status=status.value if status else None,
        offence_code=offence_code.upper() if offence_code else None,
        reported_from=_start(reported_from),
        reported_before=before,
        written_off_linked=written_off_linked,
        pending=pending,
        limit=limit,
        offset=offset,
    )
    found = report_views.list_reports(context(request), actor, query)
    return {"items": [asdict(r) for r in found.items], "more": found.more}


@router.get(
    "/reports/{force}/{reference}",
    response_model=ReportDetail,
    summary="One report with its persons, findings and history (logged)",
)
def get_report(
    request: Request, actor: ApiActor, why: ApiWhy, force: ForcePath, reference: ReferencePath
) -> dict[str, Any]:
    """One report in full, or pseudonymised for inspectors (complainants reduced to their role,
    no free text, places to about 1 km). The read is written to the access log first."""
    view = recording.show(context(request), actor, force, reference, why=why)
    return presenters.report_document(view)


@router.get(
    "/reports/{force}/{reference}/links",
    response_model=LinksOut,
    summary="Proposed links of a report in the latest linkage run (logged)",
)
def get_links(
    request: Request, actor: ApiActor, why: ApiWhy, force: ForcePath, reference: ReferencePath
) -> dict[str, Any]:
    """The latest run's candidates for this report with score and per-feature contributions,
    and its series; an empty list before the first run."""
    found: LinkSet = report_views.report_links(context(request), actor, force, reference, why=why)
    return {
        "run": _run(found.run),
        "series_id": found.series_id,
        "links": [asdict(link) for link in found.links],
    }


@router.get("/series", response_model=SeriesListOut, summary="Series of the latest linkage run")
def list_series(request: Request, actor: ApiActor) -> dict[str, Any]:
    """Series, largest first: size, how many are written off, span and forces."""
    overview = report_views.series_overview(context(request), actor)
    return {
        "run": _run(overview.run),
        "series": [{**asdict(s), "forces": list(s.forces)} for s in overview.series],
    }


@router.get(
    "/integrity/funnel",
    response_model=FunnelOut,
    summary="Rape write-off rates by force on a funnel plot",
)
def get_funnel(request: Request, actor: ApiActor) -> dict[str, Any]:
    """Each force's share of rape reports written off (cancelled or transferred), the national
    rate and 95% / 99.8% limits by the default method (`method`, named in `method_name`: the
    limits allowing for overdispersion when there is any), the flag by the other method
    (`compared_with`) beside each force and a `note` where the two disagree."""
    figure = report_views.write_off_funnel(context(request), actor)
    doc = figure.result.to_dict()
    doc.pop("dispersion", None)
    return {**doc, "measure": "rape reports written off"}


@router.get(
    "/access-log", response_model=list[AccessEntryOut], summary="The access log (administrators)"
)
def get_access_log(
    request: Request,
    actor: ApiActor,
    user: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> list[dict[str, Any]]:
    """Who consulted or disclosed which record, when and why, newest first."""
    entries = report_views.access_log(context(request), actor, limit=limit, user=user)
    return [asdict(e) for e in entries]
