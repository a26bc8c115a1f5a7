"""Read queries behind the justice-path figures: per-force counts of each stage, outcomes, duties
and referrals computed by the database with GROUP BY over each report's milestones, the times
to charge (or to censoring), and the members of linked series a missed-chance review reads.
Plain counts and rows; the statistics are done in caselink.outcomes.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select, true

from caselink.domain.values import Scope
from caselink.storage.in_lists import in_lists
from caselink.storage.integrity_queries import scoped, universe
from caselink.storage.tables import (
    journey_milestones,
    link_series,
    report_links,
    reports,
    victim_duties,
)

CONVICTED = ("convicted_rape", "convicted_other")


def _in_group(codes: Collection[str] | None, with_n100: bool) -> ColumnElement[bool]:
    """The reports of an offence group; every report when `codes` is None (police.uk crimes,
    for one, carry no Home Office offence code)."""
    return true() if codes is None else universe(codes, with_n100)


def _recorded_in(codes: Collection[str] | None) -> ColumnElement[bool]:
    """Recorded crimes under these codes (of any code when None). An N100 is never a crime, so
    the codes alone say the group. The status is compared as an expression (``|| ''``) so that
    SQLite, which keeps no statistics, reads the offence index, which holds the code, force,
    status and time, instead of visiting every crime's row through the status index."""
    recorded = (reports.c.status + "") == "crime"
    return recorded if codes is None else and_(reports.c.offence_code.in_(sorted(codes)), recorded)


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_m = journey_milestones
_joined = reports.outerjoin(_m, _m.c.report_id == reports.c.id)
_recorded = reports.c.status == "crime"


@dataclass(frozen=True, slots=True)
class StageCounts:
    """One force's reports at each stage of the path; every stage after `recorded` counts
    recorded crimes only (a written-off report leaves the crime count)."""

    force: str
    reported: int
    recorded: int
    suspect_identified: int
    referred_to_cps: int
    charged: int
    convicted: int
    closed: int  # recorded crimes closed with a Home Office outcome
    outcome16: int  # of those: closed with outcome 16


def stage_counts(
    conn: Connection, codes: Collection[str] | None, *, with_n100: bool, scope: Scope = Scope()
) -> list[StageCounts]:
    """Counts per force of the reports under `codes` (and N100s when asked) at each stage."""
    query = scoped(
        select(
            reports.c.force,
            func.count().label("reported"),
            _count(_recorded).label("recorded"),
            _count(and_(_recorded, _m.c.suspect_identified_at.is_not(None))).label("suspect"),
            _count(and_(_recorded, _m.c.cps_referred_at.is_not(None))).label("cps"),
            _count(and_(_recorded, _m.c.charged_at.is_not(None))).label("charged"),
            _count(and_(_recorded, _m.c.verdict.in_(CONVICTED))).label("convicted"),
            _count(and_(_recorded, _m.c.outcome.is_not(None))).label("closed"),
            _count(and_(_recorded, _m.c.outcome == "16")).label("outcome16"),
        )
        .select_from(_joined)
        .where(_in_group(codes, with_n100)),
        scope,
    ).group_by(reports.c.force)
    return [
        StageCounts(
            r.force,
            int(r.reported),
            int(r.recorded),
            int(r.suspect),
            int(r.cps),
            int(r.charged),
            int(r.convicted),
            int(r.closed),
            int(r.outcome16),
        )
        for r in conn.execute(query.order_by(reports.c.force))
    ]


def outcome_counts(
    conn: Connection, codes: Collection[str] | None, *, with_n100: bool, scope: Scope = Scope()
) -> list[tuple[str, str, int]]:
    """(force, outcome, count) over recorded crimes that are closed: the Home Office outcome
    type in force, or, for a crime known only from police.uk, its published category."""
    outcome = func.coalesce(_m.c.outcome, _m.c.police_uk_outcome)
    query = scoped(
        select(reports.c.force, outcome.label("outcome"), func.count().label("n"))
        .select_from(_joined)
        .where(_recorded_in(codes), outcome.is_not(None)),
        scope,
    ).group_by(reports.c.force, outcome)
    return [
        (r.force, str(r.outcome), int(r.n))
        for r in conn.execute(query.order_by(reports.c.force, outcome))
    ]


@dataclass(frozen=True, slots=True)
class ChargeTimes:
    """Every recorded crime on the way to a charge, as arrays: its force, when it was recorded
    (its recording decision, else first contact) and when it was charged (NaN if it was not),
    in seconds since 1970 UTC."""

    forces: list[str]
    recorded: NDArray[np.float64]
    charged: NDArray[np.float64]


def _epoch(dialect: str, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A time as seconds since 1970 UTC, computed by the database: hundreds of thousands of
    times cross as plain numbers instead of a datetime object each."""
    if dialect == "sqlite":  # stored as naive UTC text; julianday counts days
        return (func.julianday(column) - 2440587.5) * 86400.0
    return func.extract("epoch", column)


def charge_times(
    conn: Connection, codes: Collection[str] | None, *, with_n100: bool, scope: Scope = Scope()
) -> ChargeTimes:
    """Every recorded crime's recording time and charge time."""
    dialect = conn.dialect.name
    recorded_at = func.coalesce(reports.c.decided_at, reports.c.reported_at)
    query = scoped(
        select(
            reports.c.force,
            _epoch(dialect, recorded_at).label("recorded"),
            _epoch(dialect, _m.c.charged_at).label("charged"),
        )
        .select_from(_joined)
        .where(_recorded_in(codes)),
        scope,
    )
    rows = conn.execute(query).all()
    return ChargeTimes(
        [r[0] for r in rows],
        np.fromiter((r[1] for r in rows), np.float64, len(rows)),
        np.fromiter((np.nan if r[2] is None else r[2] for r in rows), np.float64, len(rows)),
    )


@dataclass(frozen=True, slots=True)
class DutyRow:
    """One force's Victims' Code duties at a moment: met on time, late, overdue (not met and
    past due), not yet due, and declined (the victim asked not to be updated)."""

    force: str
    met_on_time: int
    late: int
    overdue: int
    not_yet_due: int
    declined: int


def duty_counts(
    conn: Connection,
    codes: Collection[str] | None,
    *,
    with_n100: bool,
    now: datetime,
    scope: Scope = Scope(),
) -> list[DutyRow]:
    """Per force, the duties of the reports in scope by their state at `now`."""
    d = victim_duties
    live = d.c.declined.is_(False)
    query = scoped(
        select(
            reports.c.force,
            _count(and_(live, d.c.told_at.is_not(None), d.c.told_at <= d.c.due_at)).label("met"),
            _count(and_(live, d.c.told_at.is_not(None), d.c.told_at > d.c.due_at)).label("late"),
            _count(and_(live, d.c.told_at.is_(None), d.c.due_at < now)).label("overdue"),
            _count(and_(live, d.c.told_at.is_(None), d.c.due_at >= now)).label("pending"),
            _count(d.c.declined.is_(True)).label("declined"),
        )
        .select_from(reports.join(d, d.c.report_id == reports.c.id))
        .where(_in_group(codes, with_n100)),
        scope,
    ).group_by(reports.c.force)
    return [
        DutyRow(
            r.force,
            int(r.met),
            int(r.late),
            int(r.overdue),
            int(r.pending),
            int(r.declined),
        )
        for r in conn.execute(query.order_by(reports.c.force))
    ]


@dataclass(frozen=True, slots=True)
class ReferralRow:
    """One force's referrals to a service: reports with a first response, and how the
    referrals among them were answered."""

    force: str
    service: str
    attended: int
    accepted: int
    declined: int
    not_appropriate: int


def referral_counts(
    conn: Connection, codes: Collection[str] | None, *, with_n100: bool, scope: Scope = Scope()
) -> list[ReferralRow]:
    """Per force, SARC and ISVA referrals among the reports that had a first response: one
    pass over the reports for both services."""
    services = (("sarc", _m.c.sarc_answer), ("isva", _m.c.isva_answer))
    answers = ("accepted", "declined", "not_appropriate")
    columns = [
        _count(answer == value).label(f"{service}_{value}")
        for service, answer in services
        for value in answers
    ]
    query = scoped(
        select(reports.c.force, func.count().label("attended"), *columns)
        .select_from(reports.join(_m, _m.c.report_id == reports.c.id))
        .where(_in_group(codes, with_n100), _m.c.attended_at.is_not(None)),
        scope,
    ).group_by(reports.c.force)
    rows = conn.execute(query.order_by(reports.c.force)).all()
    return [
        ReferralRow(
            r.force,
            service,
            int(r.attended),
            *(int(r._mapping[f"{service}_{value}"]) for value in answers),
        )
        for service, _ in services
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class SeriesMemberRow:
    """A member of a linked series with what the justice path knows of it."""

    report_id: int
    force: str
    reference: str
    status: str
    outcome: str | None
    suspect_identified: bool
    charged: bool
    series_id: int
    series_score: float | None


def series_members_with_outcomes(conn: Connection, run_id: int) -> list[SeriesMemberRow]:
    """Every member of the run's series that has, or shares a series with, a suspect: the rows a
    missed-chance review needs. The series score is the mean score of the run's stored links
    between its members."""
    s = link_series
    with_suspect = (
        select(s.c.series_id)
        .select_from(s.join(_m, _m.c.report_id == s.c.report_id))
        .where(
            s.c.run_id == run_id,
            or_(_m.c.suspect_identified_at.is_not(None), _m.c.charged_at.is_not(None)),
        )
        .distinct()
        .subquery()
    )
    query = (
        select(
            reports.c.id,
            reports.c.force,
            reports.c.reference,
            reports.c.status,
            func.coalesce(_m.c.outcome, _m.c.police_uk_outcome).label("outcome"),
            _m.c.suspect_identified_at,
            _m.c.charged_at,
            s.c.series_id,
        )
        .select_from(
            s.join(reports, reports.c.id == s.c.report_id).outerjoin(
                _m, _m.c.report_id == reports.c.id
            )
        )
        .where(s.c.run_id == run_id, s.c.series_id.in_(select(with_suspect.c.series_id)))
        .order_by(s.c.series_id, reports.c.id)
    )
    rows = conn.execute(query).all()
    scores = _series_scores(conn, run_id, {int(r.id): int(r.series_id) for r in rows})
    return [
        SeriesMemberRow(
            int(r.id),
            r.force,
            r.reference,
            r.status,
            r.outcome,
            r.suspect_identified_at is not None,
            r.charged_at is not None,
            int(r.series_id),
            scores.get(int(r.series_id)),
        )
        for r in rows
    ]


def _series_scores(conn: Connection, run_id: int, series_of: dict[int, int]) -> dict[int, float]:
    """The mean score of the run's stored links between members of one series, by series.

    Read link by link from the members' own links: joined in SQL to the series a second time,
    SQLite looked each link's other end up among all its series' members, every pair of members
    of a large series, and took twenty seconds on a national year.
    """
    totals: dict[int, list[float]] = {}
    links = report_links
    for part in in_lists(sorted(series_of)):
        for report_id, other_id, score in conn.execute(
            select(links.c.report_id, links.c.other_id, links.c.score).where(
                links.c.run_id == run_id, links.c.report_id.in_(part)
            )
        ):
            series = series_of[int(report_id)]
            if series_of.get(int(other_id)) == series:
                total = totals.setdefault(series, [0.0, 0])
                total[0] += float(score)
                total[1] += 1
    return {series: total / count for series, (total, count) in totals.items()}


class JourneyFigures:
    """The justice path's read side in one unit of work (``uow.journey_figures``): each method
    is the query of the same name in this module, run on the unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def stage_counts(
        self, codes: Collection[str] | None, *, with_n100: bool, scope: Scope = Scope()
    ) -> list[StageCounts]:
        return stage_counts(self._conn, codes, with_n100=with_n100, scope=scope)

    def outcome_counts(
        self, codes: Collection[str] | None, *, with_n100: bool, scope: Scope = Scope()
    ) -> list[tuple[str, str, int]]:
        return outcome_counts(self._conn, codes, with_n100=with_n100, scope=scope)

    def charge_times(
        self, codes: Collection[str] | None, *, with_n100: bool, scope: Scope = Scope()
    ) -> ChargeTimes:
        return charge_times(self._conn, codes, with_n100=with_n100, scope=scope)

    def duty_counts(
        self,
        codes: Collection[str] | None,
        *,
        with_n100: bool,
        now: datetime,
        scope: Scope = Scope(),
    ) -> list[DutyRow]:
        return duty_counts(self._conn, codes, with_n100=with_n100, now=now, scope=scope)

    def referral_counts(
        self, codes: Collection[str] | None, *, with_n100: bool, scope: Scope = Scope()
    ) -> list[ReferralRow]:
        return referral_counts(self._conn, codes, with_n100=with_n100, scope=scope)

    def series_members_with_outcomes(self, run_id: int) -> list[SeriesMemberRow]:
        return series_members_with_outcomes(self._conn, run_id)
