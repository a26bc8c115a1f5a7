"""Read queries behind the recording-integrity figures: counts per force (and quarter) computed
by the database with GROUP BY, the write-offs an audit or a screen looks at, and what linkage and
person resolution found about them. Plain counts and rows; the statistics are done elsewhere.
"""

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
)

from caselink.domain.report import Report
from caselink.domain.values import Scope
from caselink.storage import report_rows
from caselink.storage.in_lists import in_lists
from caselink.storage.tables import (
    cancellations,
    link_runs,
    link_series,
    person_entities,
    person_runs,
    persons,
    reports,
)

WRITE_OFF_STATUSES = ("cancelled", "transferred")
_BATCH = 1000  # ids per IN list: well inside every backend's parameter limit


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """The counts of one force (and one quarter, for a trend) for one offence group.

    `recorded` counts reports under a code of the group, whatever became of them; the write-off
    counts are among those. For the rape group, N100s (which carry no offence code) are counted
    in `n100` and join the recorded ones in the denominators of the decision-level measures.
    """

    force: str
    period: str | None  # "2017Q2" when counted by quarter
    recorded: int  # reports under a code of the group
    written_off: int  # of those: cancelled or transferred, in force
    transferred: int  # C1
    cancelled_c2: int
    cancelled_c3: int
    cancelled_c4: int
    n100: int  # N100s, written-off ones included (rape group only)
    decided: int  # recorded + N100s with a recording decision time
    late: int  # of those decided: after the policy deadline
    applied: int  # write-offs in force, N100s included
    not_told: int  # of those: no record that the complainant was told
    pending: int  # cancellations awaiting authorisation (the report still counts)


def _delay_beyond(dialect: str, seconds: float) -> ColumnElement[bool]:
    """decided_at more than `seconds` after reported_at, in the database's own date arithmetic."""
    if dialect == "sqlite":
        # Stored as naive UTC text; julianday differences are days.
        delay: ColumnElement[Any] = (
            func.julianday(reports.c.decided_at) - func.julianday(reports.c.reported_at)
        ) * 86400.0
    else:
        delay = extract("epoch", reports.c.decided_at - reports.c.reported_at)
    return and_(reports.c.decided_at.is_not(None), delay > seconds)


def _year_quarter(dialect: str) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """The UTC calendar year and quarter of reported_at."""
    if dialect == "sqlite":
        year = cast(func.strftime("%Y", reports.c.reported_at), Integer)
        month = cast(func.strftime("%m", reports.c.reported_at), Integer)
        return year, (month + 2) // 3
    utc = func.timezone("UTC", reports.c.reported_at)
    return cast(extract("year", utc), Integer), cast(extract("quarter", utc), Integer)


def scoped(query: Select[Any], scope: Scope) -> Select[Any]:
    if scope.start is not None:
        query = query.where(reports.c.reported_at >= scope.start)
    if scope.end is not None:
        query = query.where(reports.c.reported_at < scope.end)
    if scope.forces:
        query = query.where(reports.c.force.in_(scope.forces))
    return query


def universe(codes: Collection[str], with_n100: bool) -> ColumnElement[bool]:
    coded = reports.c.offence_code.in_(sorted(codes))
    if not with_n100:
        return coded
    # An N100 carries no offence code, and keeps none when it is later written off (only crimes
    # and N100s can be written off, and crimes carry their code).
    n100 = and_(
        reports.c.offence_code.is_(None),
        or_(
            reports.c.status == "n100",
            and_(
                reports.c.status.in_(WRITE_OFF_STATUSES),
                reports.c.recording_rationale.is_not(None),
            ),
        ),
    )
    return or_(coded, n100)


def group_counts(
    conn: Connection,
    codes: Collection[str],
    *,
    with_n100: bool,
    deadline_seconds: float,
    scope: Scope = Scope(),
    by_quarter: bool = False,
) -> list[GroupCounts]:
    """Counts per force (and per quarter of reported_at when `by_quarter`) for the reports under
    `codes`, and the N100s too when `with_n100`: one GROUP BY query, sorted by force and period.
    """
    dialect = conn.dialect.name
    applied = cancellations.alias("applied")
    pending = cancellations.alias("pending")
    coded = reports.c.offence_code.in_(sorted(codes))
    written = reports.c.status.in_(WRITE_OFF_STATUSES)

    def count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    def code_is(code: str) -> ColumnElement[bool]:
        return and_(coded, written, applied.c.code == code)

    columns: list[ColumnElement[Any]] = [
        reports.c.force.label("force"),
        count(coded).label("recorded"),
        count(and_(coded, written)).label("written_off"),
        count(code_is("C1")).label("c1"),
        count(code_is("C2")).label("c2"),
        count(code_is("C3")).label("c3"),
        count(code_is("C4")).label("c4"),
        count(reports.c.offence_code.is_(None)).label("n100"),
        count(reports.c.decided_at.is_not(None)).label("decided"),
        count(_delay_beyond(dialect, deadline_seconds)).label("late"),
        count(written).label("applied"),
        count(and_(written, applied.c.complainant_informed_at.is_(None))).label("not_told"),
        count(pending.c.id.is_not(None)).label("pending"),
    ]
    keys: list[ColumnElement[Any]] = [reports.c.force]
    if by_quarter:
        year, quarter = _year_quarter(dialect)
        columns += [year.label("year"), quarter.label("quarter")]
        keys += [year, quarter]
    else:
        columns += [literal(0).label("year"), literal(0).label("quarter")]
    # A report has at most one applied cancellation (only a crime or N100 can be written off)
    # and at most one pending one (a second request waits for the first), so these joins never
    # multiply a report.
    joined = reports.outerjoin(
        applied, and_(applied.c.report_id == reports.c.id, applied.c.state == "applied")
    ).outerjoin(pending, and_(pending.c.report_id == reports.c.id, pending.c.state == "pending"))
    query = scoped(
        select(*columns).select_from(joined).where(universe(codes, with_n100)), scope
    ).group_by(*keys)
    rows = conn.execute(query.order_by(*keys))
    return [
        GroupCounts(
            r.force,
            f"{int(r.year)}Q{int(r.quarter)}" if by_quarter else None,
            int(r.recorded),
            int(r.written_off),
            int(r.c1),
            int(r.c2),
            int(r.c3),
            int(r.c4),
            int(r.n100),
            int(r.decided),
            int(r.late),
            int(r.applied),
            int(r.not_told),
            int(r.pending),
        )
        for r in rows
    ]


# -- write-offs: what an audit samples and a screen ranks ------------------------------------


@dataclass(frozen=True, slots=True)
class WriteOffRow:
    report_id: int
    force: str
    reference: str


def write_off_population(
    conn: Connection, codes: Collection[str], *, with_n100: bool, scope: Scope = Scope()
) -> list[WriteOffRow]:
    """The reports an audit of write-offs samples from: cancelled and transferred reports under
    `codes`, and (with `with_n100`) every N100, written off or not. Sorted by force, reference.
    """
    coded_off = and_(
        reports.c.offence_code.in_(sorted(codes)), reports.c.status.in_(WRITE_OFF_STATUSES)
    )
    condition = or_(coded_off, universe((), True)) if with_n100 else coded_off
    query = scoped(
        select(reports.c.id, reports.c.force, reports.c.reference).where(condition), scope
    ).order_by(reports.c.force, reports.c.reference)
    return [WriteOffRow(int(r.id), r.force, r.reference) for r in conn.execute(query)]


def write_off_reports(conn: Connection, scope: Scope = Scope()) -> Iterator[tuple[int, Report]]:
    """Every write-off in scope as a Report aggregate (without its persons): cancelled,
    transferred and N100 reports, and reports whose cancellation awaits authorisation."""
    awaiting = select(cancellations.c.report_id).where(cancellations.c.state == "pending")
    query = scoped(
        select(reports.c.id).where(
            or_(reports.c.status.in_(("n100", *WRITE_OFF_STATUSES)), reports.c.id.in_(awaiting))
        ),
        scope,
    ).order_by(reports.c.id)
    ids = [int(r.id) for r in conn.execute(query)]
    for chunk in in_lists(ids, _BATCH):
        rows = conn.execute(select(reports).where(reports.c.id.in_(chunk)).order_by(reports.c.id))
        canc: dict[int, list[Any]] = {}
        for c in conn.execute(
            select(cancellations)
            .where(cancellations.c.report_id.in_(chunk))
            .order_by(cancellations.c.id)
        ):
            canc.setdefault(c.report_id, []).append(c)
        for row in rows:
            yield int(row.id), report_rows.report_from_rows(row, canc.get(row.id, []), [])


# -- what linkage and person resolution found ------------------------------------------------


def series_sizes(conn: Connection) -> dict[int, int]:
    """For the reports in a series of two or more in the latest linkage run (kind 'run'): the
    size of their series. Empty when linkage has not run."""
    latest = select(func.max(link_runs.c.id)).where(link_runs.c.kind == "run").scalar_subquery()
    sizes = (
        select(link_series.c.series_id, func.count().label("size"))
        .where(link_series.c.run_id == latest)
        .group_by(link_series.c.series_id)
        .having(func.count() > 1)
        .subquery()
    )
    rows = conn.execute(
        select(link_series.c.report_id, func.max(sizes.c.size).label("size"))
        .join(sizes, sizes.c.series_id == link_series.c.series_id)
        .where(link_series.c.run_id == latest)
        .group_by(link_series.c.report_id)
    )
    return {int(r.report_id): int(r.size) for r in rows}


def suspects_named_elsewhere(conn: Connection) -> dict[int, int]:
    """For each report whose suspect is the same person (one entity of the latest person
    resolution run) as a suspect in other reports: how many other reports. Empty when person
    resolution has not run."""
    latest = select(func.max(person_runs.c.id)).scalar_subquery()
    suspects = (
        select(persons.c.report_id, person_entities.c.entity_id)
        .join(person_entities, person_entities.c.person_id == persons.c.id)
        .where(person_entities.c.run_id == latest, persons.c.role == "suspect")
        .distinct()
        .subquery()
    )
    # Grouped here rather than by a self-join: SQLite would join the subquery to itself
    # without an index, quadratic in the number of suspects.
    reports_of: dict[str, set[int]] = {}
    entities_of: dict[int, set[str]] = {}
    for report_id, entity_id in conn.execute(select(suspects.c.report_id, suspects.c.entity_id)):
        reports_of.setdefault(entity_id, set()).add(int(report_id))
        entities_of.setdefault(int(report_id), set()).add(entity_id)
    named: dict[int, int] = {}
    for report_id, entities in entities_of.items():
        others = set().union(*(reports_of[e] for e in entities)) - {report_id}
        if others:
            named[report_id] = len(others)
    return named
