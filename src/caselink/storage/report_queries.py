"""Read queries behind the web pages and the JSON API: report lists, the authorisation queue,
linkage runs, series, person entities and the figures integrity pages draw.

Each returns plain rows (named tuples or dataclasses) and never personal data a caller did not
ask for: the report list carries no names, the queue no rationale text.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, exists, func, or_, select

from caselink.storage.persons.coverage import alone_id, covers, named_after
from caselink.storage.tables import (
    cancellations,
    journey_milestones,
    link_runs,
    link_series,
    person_entities,
    person_run_records,
    person_runs,
    persons,
    report_links,
    reports,
)

WRITE_OFF = ("cancelled", "transferred")


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """Filters of the report list; None means "any"."""

    force: str | None = None
    status: str | None = None
    offence_code: str | None = None
    reported_from: datetime | None = None
    reported_before: datetime | None = None
    reference: str | None = None  # a fragment of the reference, case-insensitive
    written_off_linked: bool = False  # written off, yet in a series or linked in the last run
    pending: bool = False  # a cancellation awaits authorisation
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One line of the report list: no names, no free text."""

    id: int
    force: str
    reference: str
    reported_at: datetime
    status: str
    offence_code: str | None
    decided_at: datetime | None
    version: int


_ROW_COLUMNS = (
    reports.c.id,
    reports.c.force,
    reports.c.reference,
    reports.c.reported_at,
    reports.c.status,
    reports.c.offence_code,
    reports.c.decided_at,
    reports.c.version,
)


def latest_run_id(conn: Connection, kind: str = "run") -> int | None:
    """The newest linkage run of that kind, or None before the first."""
    found = conn.execute(
        select(link_runs.c.id).where(link_runs.c.kind == kind).order_by(link_runs.c.id.desc())
    ).first()
    return None if found is None else int(found.id)


def list_reports(
    conn: Connection, query: ReportQuery, run_id: int | None = None
) -> tuple[list[ReportRow], bool]:
    """Reports matching the filters, newest first, and whether more follow the page.

    No total is counted: on a national store a count is a full scan per page view, and
    "more follow" is all the pager needs.
    """
    where: list[Any] = []
    if query.force:
        where.append(reports.c.force == query.force)
    if query.status:
        where.append(reports.c.status == query.status)
    if query.offence_code:
        where.append(reports.c.offence_code == query.offence_code)
    if query.reported_from is not None:
        where.append(reports.c.reported_at >= query.reported_from)
    if query.reported_before is not None:
        where.append(reports.c.reported_at < query.reported_before)
    if query.reference:
        fragment = query.reference.lower().replace("\\", "\\\\").replace("%", r"\%")
        fragment = fragment.replace("_", r"\_")
        where.append(func.lower(reports.c.reference).like(f"%{fragment}%", escape="\\"))
    if query.pending:
        where.append(
            exists().where(
                cancellations.c.report_id == reports.c.id, cancellations.c.state == "pending"
            )
        )
    if query.written_off_linked:
        if run_id is None:
            return [], False
        where.append(reports.c.status.in_(WRITE_OFF))
        where.append(
            or_(
                exists().where(
                    link_series.c.run_id == run_id, link_series.c.report_id == reports.c.id
                ),
                exists().where(
                    report_links.c.run_id == run_id,
                    or_(
                        report_links.c.report_id == reports.c.id,
                        report_links.c.other_id == reports.c.id,
                    ),
                ),
            )
        )
    rows = conn.execute(
        select(*_ROW_COLUMNS)
        .where(*where)
        .order_by(reports.c.reported_at.desc(), reports.c.id.desc())
        .limit(query.limit + 1)
        .offset(query.offset)
    ).all()
    return [ReportRow(*r) for r in rows[: query.limit]], len(rows) > query.limit


def report_row(conn: Connection, force: str, reference: str) -> ReportRow | None:
    found = conn.execute(
        select(*_ROW_COLUMNS).where(reports.c.force == force, reports.c.reference == reference)
    ).first()
    return None if found is None else ReportRow(*found)


@dataclass(frozen=True, slots=True)
class PendingRow:
    """A cancellation awaiting authorisation, without its rationale: opening the report (a
    logged consultation) shows that."""

    force: str
    reference: str
    offence_code: str | None
    status: str
    code: str
    requested_by: str
    requested_at: datetime


def pending_cancellations(
    conn: Connection, force: str | None = None, limit: int = 200
) -> list[PendingRow]:
    """The queue of cancellations awaiting a registrar, oldest request first."""
    query = (
        select(
            reports.c.force,
            reports.c.reference,
            reports.c.offence_code,
            reports.c.status,
            cancellations.c.code,
            cancellations.c.requested_by,
            cancellations.c.requested_at,
        )
        .join(reports, reports.c.id == cancellations.c.report_id)
        .where(cancellations.c.state == "pending")
        .order_by(cancellations.c.requested_at, cancellations.c.id)
        .limit(limit)
    )
    if force:
        query = query.where(reports.c.force == force)
    return [PendingRow(*r) for r in conn.execute(query)]


# -- linkage ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunRow:
    id: int
    kind: str
    created_at: datetime
    created_by: str
    model_family: str | None
    model_version: str | None


def run_info(conn: Connection, run_id: int) -> RunRow | None:
    found = conn.execute(
        select(
            link_runs.c.id,
            link_runs.c.kind,
            link_runs.c.created_at,
            link_runs.c.created_by,
            link_runs.c.model_family,
            link_runs.c.model_version,
        ).where(link_runs.c.id == run_id)
    ).first()
    return None if found is None else RunRow(*found)


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A proposed link from one report to another, with the other's headline facts."""

    force: str
    reference: str
    status: str
    offence_code: str | None
    rank: int
    score: float
    components: dict[str, Any]


def links_of(conn: Connection, run_id: int, report_id: int, limit: int = 50) -> list[LinkRow]:
    """The links a run proposed for a report, in either direction, strongest first."""
    other = (
        select(
            report_links.c.other_id.label("other"),
            report_links.c.rank,
            report_links.c.score,
            report_links.c.components,
        )
        .where(report_links.c.run_id == run_id, report_links.c.report_id == report_id)
        .union_all(
            select(
                report_links.c.report_id.label("other"),
                report_links.c.rank,
                report_links.c.score,
                report_links.c.components,
            ).where(report_links.c.run_id == run_id, report_links.c.other_id == report_id)
        )
        .subquery()
    )
    rows = conn.execute(
        select(
            reports.c.force,
            reports.c.reference,
            reports.c.status,
            reports.c.offence_code,
            other.c.rank,
            other.c.score,
            other.c.components,
        )
        .join(reports, reports.c.id == other.c.other)
        .order_by(other.c.score.desc())
        .limit(limit)
    )
    seen: set[tuple[str, str]] = set()
    found: list[LinkRow] = []
    for r in rows:
        if (r.force, r.reference) in seen:  # a pair stored both ways shows once
            continue
        seen.add((r.force, r.reference))
        found.append(
            LinkRow(
                r.force,
                r.reference,
                r.status,
                r.offence_code,
                int(r.rank),
                float(r.score),
                _json(r.components),
            )
        )
    return found


def series_of_report(conn: Connection, run_id: int, report_id: int) -> int | None:
    found = conn.execute(
        select(link_series.c.series_id).where(
            link_series.c.run_id == run_id, link_series.c.report_id == report_id
        )
    ).first()
    return None if found is None else int(found.series_id)


@dataclass(frozen=True, slots=True)
class SeriesRow:
    """A series in a run: how many reports, how many written off, the span and the forces."""

    series_id: int
    size: int
    written_off: int
    first_reported: datetime
    last_reported: datetime
    forces: tuple[str, ...]


def series_list(conn: Connection, run_id: int, limit: int = 500) -> list[SeriesRow]:
    """Every series of a run, largest first."""
    rows = conn.execute(
        select(
            link_series.c.series_id,
            func.count().label("size"),
            func.min(reports.c.reported_at).label("first"),
            func.max(reports.c.reported_at).label("last"),
        )
        .join(reports, reports.c.id == link_series.c.report_id)
        .where(link_series.c.run_id == run_id)
        .group_by(link_series.c.series_id)
        .order_by(func.count().desc(), link_series.c.series_id)
        .limit(limit)
    ).all()
    if not rows:
        return []
    ids = [int(r.series_id) for r in rows]
    detail: dict[int, tuple[int, set[str]]] = {i: (0, set()) for i in ids}
    for r in conn.execute(
        select(link_series.c.series_id, reports.c.force, reports.c.status)
        .join(reports, reports.c.id == link_series.c.report_id)
        .where(link_series.c.run_id == run_id, link_series.c.series_id.in_(ids))
    ):
        count, forces = detail[int(r.series_id)]
        forces.add(r.force)
        detail[int(r.series_id)] = (count + (r.status in WRITE_OFF), forces)
    return [
        SeriesRow(
            int(r.series_id),
            int(r.size),
            detail[int(r.series_id)][0],
            r.first,
            r.last,
            tuple(sorted(detail[int(r.series_id)][1])),
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A report of a series with what the map and timeline need."""

    id: int
    force: str
    reference: str
    status: str
    offence_code: str | None
    reported_at: datetime
    occurred_from: datetime | None
    latitude: float | None
    longitude: float | None
    # The Home Office outcome type closing it (police.uk's category when that is all there is);
    # None while it is open.
    outcome: str | None = None


def series_members(conn: Connection, run_id: int, series_id: int) -> list[MemberRow]:
    m = journey_milestones
    rows = conn.execute(
        select(
            reports.c.id,
            reports.c.force,
            reports.c.reference,
            reports.c.status,
            reports.c.offence_code,
            reports.c.reported_at,
            reports.c.occurred_from,
            reports.c.latitude,
            reports.c.longitude,
            func.coalesce(m.c.outcome, m.c.police_uk_outcome).label("outcome"),
        )
        .join(link_series, link_series.c.report_id == reports.c.id)
        .outerjoin(m, m.c.report_id == reports.c.id)
        .where(link_series.c.run_id == run_id, link_series.c.series_id == series_id)
        .order_by(reports.c.reported_at, reports.c.id)
    )
    return [MemberRow(**r._mapping) for r in rows]


@dataclass(frozen=True, slots=True)
class PairRow:
    report_id: int
    other_id: int
    score: float


def links_among(conn: Connection, run_id: int, report_ids: Sequence[int]) -> list[PairRow]:
    """The proposed links whose both ends are among the given reports (a series' link chart)."""
    if not report_ids:
        return []
    ids = list(report_ids)
    rows = conn.execute(
        select(report_links.c.report_id, report_links.c.other_id, report_links.c.score).where(
            report_links.c.run_id == run_id,
            report_links.c.report_id.in_(ids),
            report_links.c.other_id.in_(ids),
        )
    )
    best: dict[tuple[int, int], float] = {}
    for r in rows:
        key = (min(r.report_id, r.other_id), max(r.report_id, r.other_id))
        best[key] = max(best.get(key, float("-inf")), float(r.score))
    return [PairRow(a, b, s) for (a, b), s in sorted(best.items())]


# -- persons ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonRow:
    """A person as one report records them, with the report's key and the resolved entity."""

    id: int
    report_id: int
    force: str
    reference: str
    role: str
    forename: str | None
    surname: str | None
    dob_as_given: str | None
    postcode: str | None
    entity_id: str | None
    match_probability: float | None


def latest_person_run_id(conn: Connection) -> int | None:
    found = conn.execute(select(person_runs.c.id).order_by(person_runs.c.id.desc())).first()
    return None if found is None else int(found.id)


def _person_select(person_run: int | None) -> Any:
    run = person_run if person_run is not None else -1
    entity = (
        select(
            person_entities.c.person_id,
            person_entities.c.entity_id,
            person_entities.c.match_probability,
        )
        .where(person_entities.c.run_id == run)
        .subquery()
    )
    covering = person_run_records.c
    # a record the run covers without a row of its own stood alone (see persons.coverage)
    entity_id = case(
        (entity.c.entity_id.is_not(None), entity.c.entity_id),
        (covering.run_id.is_not(None), named_after(persons.c.id)),
    )
    return (
        select(
            persons.c.id,
            persons.c.report_id,
            reports.c.force,
            reports.c.reference,
            persons.c.role,
            persons.c.forename,
            persons.c.surname,
            persons.c.dob_as_given,
            persons.c.postcode,
            entity_id,
            entity.c.match_probability,
        )
        .join(reports, reports.c.id == persons.c.report_id)
        .outerjoin(entity, entity.c.person_id == persons.c.id)
        .outerjoin(person_run_records, covers(run))
    )


def persons_of_reports(
    conn: Connection, report_ids: Sequence[int], person_run: int | None
) -> list[PersonRow]:
    if not report_ids:
        return []
    query = _person_select(person_run).where(persons.c.report_id.in_(list(report_ids)))
    return [PersonRow(*r) for r in conn.execute(query.order_by(persons.c.id))]


def person(conn: Connection, person_id: int, person_run: int | None) -> PersonRow | None:
    found = conn.execute(_person_select(person_run).where(persons.c.id == person_id)).first()
    return None if found is None else PersonRow(*found)


def entity_members(conn: Connection, person_run: int, entity_id: str) -> list[PersonRow]:
    """Every person record resolved to one entity, across reports."""
    query = _person_select(person_run).where(
        persons.c.id.in_(
            select(person_entities.c.person_id).where(
                person_entities.c.run_id == person_run, person_entities.c.entity_id == entity_id
            )
        )
    )
    members = [PersonRow(*r) for r in conn.execute(query.order_by(reports.c.reported_at))]
    alone = alone_id(entity_id)
    if members or alone is None:
        return members
    found = person(conn, alone, person_run)  # an entity of one record, stored as its coverage
    return [found] if found is not None and found.entity_id == entity_id else []


def _json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
