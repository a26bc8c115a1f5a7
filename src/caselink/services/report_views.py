"""What the web pages and the JSON API show: recording a report from a form, the report list,
the authorisation queue, linkage and person read models, integrity figures and the access log.

Every function checks the actor's role first. Every read of personal data (a report, its
links, a series, a person) writes the access log with the justification before returning
(DPA 2018 s.62); lists that carry no personal data (references, statuses, codes) do not.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from caselink.domain.behaviours import Behaviour
from caselink.domain.errors import InvalidRequest, InvalidValue, NotFound
from caselink.domain.forces import canonical_force
from caselink.domain.offences import normalise_offence_code
from caselink.domain.person import Person, PersonRole
from caselink.domain.report import Report
from caselink.domain.roles import Action, Role, may
from caselink.domain.values import (
    Location,
    OccurredWindow,
    OffenderDescription,
    Relationship,
    check_reference,
)
from caselink.integrity import (
    Funnel,
    FunnelCurves,
    PChart,
    PeriodCount,
    funnel_curves,
    p_chart,
)
from caselink.services import recording
from caselink.services.access_requests import (
    owner_of,
    readable_split,
    require_acting,
    require_reading,
)
from caselink.services.consultation import log_consultation, stated_reason
from caselink.services.context import Actor, Context
from caselink.services.integrity.figures import FunnelResult, funnel_from_database
from caselink.services.recording import ReportView
from caselink.storage.access_log import AccessEntry
from caselink.storage.audit_queries import AuditItemRow, SampleRow
from caselink.storage.report_queries import (
    LinkRow,
    MemberRow,
    PairRow,
    PendingRow,
    PersonRow,
    ReportQuery,
    ReportRow,
    RunRow,
    SeriesRow,
)
from caselink.storage.unit_of_work import UnitOfWork

WEB_SOURCE = "web"
MAX_PAGE = 500

__all__ = [
    "AuditItemRow",
    "Funnel",
    "FunnelCurves",
    "LinkRow",
    "MemberRow",
    "PChart",
    "PairRow",
    "PendingRow",
    "PersonRow",
    "ReportQuery",
    "ReportRow",
    "RunRow",
    "SampleRow",
    "SeriesRow",
]


def _require_any(actor: Actor, *actions: Action) -> None:
    if not any(may(actor.role, a) for a in actions):
        actor.require(actions[0])


# -- recording a new report ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class NewReport:
    """A report as a form gives it; the domain checks every value when it is built."""

    force: str
    reference: str
    reported_at: datetime
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    offence_code: str | None = None
    narrative: str = ""
    relationship: str | None = None
    offender_sex: str | None = None
    offender_age_band: str | None = None
    behaviours: Mapping[str, Sequence[str]] = field(default_factory=dict)
    complainant_forename: str | None = None
    complainant_surname: str | None = None


def record_report(ctx: Context, actor: Actor, new: NewReport) -> Report:
    """Record a new report as an incident (and classify it as a crime when an offence code is
    given), with its recorded event, in one unit of work.

    Refused with the field at fault (``InvalidValue``) when a value cannot be what it claims,
    or when the force already holds the reference.
    """
    actor.require(Action.RECORD)
    now = ctx.clock()
    force = canonical_force(new.force)
    if force is None:
        raise InvalidValue("force", new.force, "not one of the 44 police force areas")
    require_acting(actor, force)
    reference = check_reference("reference", new.reference.strip())
    if new.reported_at > now:
        raise InvalidValue("reported_at", new.reported_at, "lies in the future")
    offence = None
    if new.offence_code:
        offence = normalise_offence_code(new.offence_code)
        if offence is None:
            raise InvalidValue("offence_code", new.offence_code, "not a Home Office offence code")
    relationship = None
    if new.relationship:
        try:
            relationship = Relationship(new.relationship)
        except ValueError:
            raise InvalidValue(
                "relationship", new.relationship, "not a known relationship"
            ) from None
    behaviours: set[Behaviour] = set()
    for domain, codes in new.behaviours.items():
        if not ctx.taxonomy.is_domain(domain):
            raise InvalidValue(f"mo.{domain}", domain, "not a behaviour domain")
        behaviours.update(ctx.taxonomy.behaviour(domain, c) for c in codes if c.strip())
    complainant = Person(
        role=PersonRole.COMPLAINANT,
        forename=(new.complainant_forename or "").strip() or None,
        surname=(new.complainant_surname or "").strip() or None,
    )
    report = Report(
        force=force,
        reference=reference,
        reported_at=new.reported_at,
        occurred=OccurredWindow(new.occurred_from, new.occurred_to),
        location=Location(latitude=new.latitude, longitude=new.longitude),
        narrative=new.narrative.strip(),
        relationship=relationship,
        offender=OffenderDescription(
            sex=new.offender_sex or None, age_band=(new.offender_age_band or "").strip() or None
        ),
        behaviours=frozenset(behaviours),
        persons=[complainant] if complainant.has_identity else [],
    )
    report.record(actor.name, now, WEB_SOURCE)
    if offence is not None:
        report.classify_crime(offence, actor.name, now, ctx.policy)
    with ctx.db.unit_of_work() as uow:
        if uow.queries.report_exists(force, reference):
            raise InvalidValue("reference", reference, f"{force} already holds this reference")
        report_id = uow.reports.add(report, WEB_SOURCE)
        uow.events.append((event, report_id) for event in report.events)
        uow.commit()
    report.events.clear()
    return report


# -- lists -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportList:
    items: list[ReportRow]
    more: bool
    query: ReportQuery
    linkage_run: int | None


def list_reports(ctx: Context, actor: Actor, query: ReportQuery) -> ReportList:
    """Reports matching the filters, newest first (no names, no free text: not logged)."""
    _require_any(actor, Action.VIEW_REPORT, Action.VIEW_PSEUDONYMISED)
    if not 1 <= query.limit <= MAX_PAGE or query.offset < 0:
        raise InvalidRequest(f"a page holds 1 to {MAX_PAGE} reports from an offset of 0 or more")
    with ctx.db.reader() as uow:
        run = uow.queries.latest_run_id()
        items, more = uow.queries.list_reports(query, run)
    return ReportList(items, more, query, run)


def report_summary(ctx: Context, actor: Actor, force: str, reference: str) -> ReportRow:
    """A report's key, status, offence code and version (what a decision form needs; no
    personal data, so not logged). Refused to a user who may not change the force's reports:
    the form would only lead to a refusal."""
    _require_any(
        actor, Action.VIEW_REPORT, Action.VIEW_PSEUDONYMISED, Action.RECORD, Action.CLASSIFY
    )
    with ctx.db.reader() as uow:
        require_acting(actor, owner_of(uow, force, reference))
        row = uow.queries.report_row(force, reference)
    if row is None:
        raise NotFound(f"no report {force} {reference}")
    return row


def pending_queue(ctx: Context, actor: Actor, force: str | None = None) -> list[PendingRow]:
    """Cancellations awaiting authorisation, oldest first: the registrar's queue."""
    actor.require(Action.AUTHORISE_CANCELLATION)
    with ctx.db.reader() as uow:
        return uow.queries.pending_cancellations(force)


# -- one report ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkSet:
    """The latest linkage run's proposals for one report, and its series there."""

    run: RunRow | None
    links: list[LinkRow]
    series_id: int | None


@dataclass(frozen=True, slots=True)
class ReportPage:
    view: ReportView
    linkage: LinkSet | None  # None when the actor may not see linkage


def report_page(ctx: Context, actor: Actor, force: str, reference: str, *, why: str) -> ReportPage:
    """A report in full (pseudonymised for inspectors) with, for analysts, its proposed links
    and series. The consultation is logged by services.recording.show first."""
    view = recording.show(ctx, actor, force, reference, why=why)
    linkage = None
    if may(actor.role, Action.LINK):
        linkage = _links(ctx, force, reference)
    return ReportPage(view, linkage)


def _links(ctx: Context, force: str, reference: str) -> LinkSet:
    with ctx.db.reader() as uow:
        row = uow.queries.report_row(force, reference)
        if row is None:
            raise NotFound(f"no report {force} {reference}")
        run_id = uow.queries.latest_run_id()
        if run_id is None:
            return LinkSet(None, [], None)
        run = uow.queries.run_info(run_id)
        links = uow.queries.links_of(run_id, row.id)
        series = uow.queries.series_of_report(run_id, row.id)
    return LinkSet(run, links, series)


def report_links(ctx: Context, actor: Actor, force: str, reference: str, *, why: str) -> LinkSet:
    """The latest run's proposed links for a report with their reasons; logged as a
    consultation."""
    actor.require(Action.LINK)
    links = _links(ctx, force, reference)
    log_consultation(ctx, actor, [(force, reference)], why=why, detail="links")
    return links


# -- linkage ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeriesOverview:
    run: RunRow | None
    series: list[SeriesRow]


def series_overview(ctx: Context, actor: Actor) -> SeriesOverview:
    """The series of the latest linkage run, largest first (references and counts only)."""
    actor.require(Action.LINK)
    with ctx.db.reader() as uow:
        run_id = uow.queries.latest_run_id()
        if run_id is None:
            return SeriesOverview(None, [])
        return SeriesOverview(uow.queries.run_info(run_id), uow.queries.series_list(run_id))


def _withheld_rows(uow: UnitOfWork, actor: Actor, rows: list[PersonRow]) -> list[PersonRow]:
    """Person rows as the actor may see them: for a role that may not see complainants, every
    person who is a complainant in any report (``uow.persons.complainants_among``) keeps only
    the role, and complainant records are left out, since their report would tell who they
    are."""
    if may(actor.role, Action.VIEW_REPORT):
        return rows
    complainant = uow.persons.complainants_among([r.id for r in rows])
    return [
        replace(r, forename=None, surname=None, dob_as_given=None, postcode=None)
        if r.id in complainant
        else r
        for r in rows
        if r.role != PersonRole.COMPLAINANT.value
    ]


@dataclass(frozen=True, slots=True)
class SeriesView:
    run: RunRow
    series_id: int
    members: list[MemberRow]
    links: list[PairRow]
    persons: list[PersonRow]


def series_view(ctx: Context, actor: Actor, series_id: int, *, why: str) -> SeriesView:
    """One series: its reports (for the map and timeline), the links among them and the persons
    recorded with them (for the link chart). Each member's consultation is logged."""
    actor.require(Action.LINK)
    stated_reason(why)
    with ctx.db.reader() as uow:
        run_id = uow.queries.latest_run_id()
        run = None if run_id is None else uow.queries.run_info(run_id)
        if run is None:
            raise NotFound("no linkage run yet: run `caselink link run`")
        members = uow.queries.series_members(run.id, series_id)
        if not members:
            raise NotFound(f"no series {series_id} in linkage run {run.id}")
        ids = [m.id for m in members]
        pairs = uow.queries.links_among(run.id, ids)
        person_run = uow.queries.latest_person_run_id()
        people = _withheld_rows(uow, actor, uow.queries.persons_of_reports(ids, person_run))
    log_consultation(
        ctx, actor, [(m.force, m.reference) for m in members], why=why, detail=f"series {series_id}"
    )
    return SeriesView(run, series_id, members, pairs, people)


@dataclass(frozen=True, slots=True)
class PersonView:
    person: PersonRow
    person_run: int | None
    same_entity: list[PersonRow]  # other records resolved to the same person
    # Records of the same person in reports the reader may not read, counted by owning force
    elsewhere: dict[str, int] = field(default_factory=dict)


def person_view(ctx: Context, actor: Actor, person_id: int, *, why: str) -> PersonView:
    """A person record and every record person resolution put with it that the reader may read
    (the others counted by the force that owns them); logged per report."""
    actor.require(Action.LINK)
    stated_reason(why)
    with ctx.db.reader() as uow:
        run = uow.queries.latest_person_run_id()
        found = uow.queries.person(person_id, run)
        if found is None:
            raise NotFound(f"no person {person_id}")
        same: list[PersonRow] = []
        if run is not None and found.entity_id is not None:
            same = [p for p in uow.queries.entity_members(run, found.entity_id) if p.id != found.id]
        require_reading(uow, ctx, actor, found.force, found.reference)
        shown, elsewhere = readable_split(uow, ctx, actor, [(p.force, p.reference) for p in same])
        same = [p for p in same if (p.force, p.reference) in shown]
        if not may(actor.role, Action.VIEW_REPORT):
            if found.role == PersonRole.COMPLAINANT.value:
                raise NotFound(f"no person {person_id}")
            found, *same = _withheld_rows(uow, actor, [found, *same])
    keys = sorted({(p.force, p.reference) for p in [found, *same]})
    log_consultation(ctx, actor, keys, why=why, detail=f"person {person_id}")
    return PersonView(found, run, same, elsewhere)


# -- integrity -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FunnelFigure:
    result: FunnelResult
    curves: FunnelCurves | None

    @property
    def funnel(self) -> Funnel:
        return self.result.funnel


def write_off_funnel(ctx: Context, actor: Actor) -> FunnelFigure:
    """Rape write-off rates by force on a funnel around the national rate, with limit curves:
    the same funnel, by the same default method, as `caselink integrity funnel`."""
    result = funnel_from_database(ctx, actor)
    f = result.funnel
    curves = None
    if f.national_rate is not None and any(u.total for u in f.units):
        curves = funnel_curves(
            f.national_rate,
            max_total=max(u.total for u in f.units),
            points=120,
            phi=f.phi or 1.0,
            tau2=f.tau2 or 0.0,
        )
    return FunnelFigure(result, curves)


def write_off_trend(ctx: Context, actor: Actor, force: str | None = None) -> PChart | None:
    """The rape write-off rate by quarter as a p-chart, nationally or for one force; None when
    there are no rape reports yet."""
    actor.require(Action.AUDIT)
    with ctx.db.reader() as uow:
        months = uow.queries.rape_write_offs_by_month(force)
    quarters: dict[str, list[int]] = {}
    for m in months:
        key = f"{m.year}Q{(m.month - 1) // 3 + 1}"
        counts = quarters.setdefault(key, [0, 0])
        counts[0] += m.written_off
        counts[1] += m.rape_reports
    if not quarters:
        return None
    return p_chart([PeriodCount(k, w, n) for k, (w, n) in sorted(quarters.items())])


def audit_overview(ctx: Context, actor: Actor) -> list[SampleRow]:
    """Audit samples with their progress (items judged, found wrong)."""
    actor.require(Action.AUDIT)
    with ctx.db.reader() as uow:
        return uow.queries.audit_samples_overview()


# -- administration and dashboards -----------------------------------------------------------


def access_log(
    ctx: Context, actor: Actor, *, limit: int = 200, user: str | None = None
) -> list[AccessEntry]:
    """The latest entries of the access log, optionally of one user: for administrators. A
    force's administrator sees every read of their force's reports, whoever made it (the
    force's access report); a national administrator sees every entry."""
    actor.require(Action.READ_ACCESS_LOG)
    if not 1 <= limit <= 5000:
        raise InvalidRequest("ask for 1 to 5000 entries")
    with ctx.db.reader() as uow:
        return uow.access_log.recent(limit, user or None, actor.home.force)


@dataclass(frozen=True, slots=True)
class Dashboard:
    """What a role's home page counts: no personal data, only figures and queue lengths."""

    role: Role
    figures: dict[str, Any]


def dashboard(ctx: Context, actor: Actor) -> Dashboard:
    """Figures for the actor's home page, chosen by role."""
    figures: dict[str, Any] = {}
    with ctx.db.reader() as uow:
        if actor.role is Role.ADMIN:
            figures["users"] = len(uow.users.all())
            figures["recent_access"] = len(uow.access_log.recent(1000))
            return Dashboard(actor.role, figures)
        if actor.role in (Role.OFFICER, Role.REGISTRAR):
            recent, _ = uow.queries.list_reports(ReportQuery(status="incident", limit=10))
            figures["awaiting_decision"] = recent
        if may(actor.role, Action.AUTHORISE_CANCELLATION):
            figures["pending"] = len(uow.queries.pending_cancellations())
        if may(actor.role, Action.AUDIT):
            # The latest year in the store, not all of it: a home page must open quickly on
            # ten years of reports, and the year is the period rates are published for.
            latest = uow.queries.latest_report_time()
            since = None if latest is None else latest - timedelta(days=365)
            counts = uow.queries.rape_write_offs_by_force(since)
            figures["write_offs_since"] = since
            figures["rape_reports"] = sum(c.rape_reports for c in counts)
            figures["written_off"] = sum(c.written_off for c in counts)
            figures["audit_samples"] = len(uow.queries.audit_samples_overview())
        if may(actor.role, Action.LINK):
            run = uow.queries.latest_run_id()
            figures["linkage_run"] = None if run is None else uow.queries.run_info(run)
            figures["series"] = 0 if run is None else len(uow.queries.series_list(run))
    return Dashboard(actor.role, figures)
