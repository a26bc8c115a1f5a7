"""Read queries: figures and lists the entry points show, straight from the tables; and
``Queries`` (``uow.queries``), the one read side services ask, over these and the read queries
of ``report_queries``, ``audit_queries`` and ``integrity_queries``.

The queries are plain functions of a connection, each testable on its own; ``Queries`` binds
them to the unit of work's connection, so a service reads without holding one.
"""

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, select

from caselink.domain.offences import RAPE_CODES
from caselink.domain.report import Report
from caselink.domain.values import Scope
from caselink.storage import audit_queries, integrity_queries, report_queries
from caselink.storage.audit_queries import AuditItemRow, PeriodRow, SampleRow
from caselink.storage.integrity_queries import GroupCounts, WriteOffRow
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
from caselink.storage.tables import cancellations, events, offenders, persons, reports


@dataclass(frozen=True, slots=True)
class Stats:
    reports: int
    persons: int
    offenders: int
    events: int
    by_status: dict[str, int]
    by_force: dict[str, int]
    pending_cancellations: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "reports": self.reports,
            "persons": self.persons,
            "offender_labels": self.offenders,
            "events": self.events,
            "by_status": self.by_status,
            "by_force": self.by_force,
            "pending_cancellations": self.pending_cancellations,
        }


def stats(conn: Connection) -> Stats:
    def count(table: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    by_status = {
        r.status: int(r.n)
        for r in conn.execute(
            select(reports.c.status, func.count().label("n"))
            .group_by(reports.c.status)
            .order_by(reports.c.status)
        )
    }
    by_force = {
        r.force: int(r.n)
        for r in conn.execute(
            select(reports.c.force, func.count().label("n"))
            .group_by(reports.c.force)
            .order_by(reports.c.force)
        )
    }
    pending = int(
        conn.execute(
            select(func.count())
            .select_from(cancellations)
            .where(cancellations.c.state == "pending")
        ).scalar_one()
    )
    return Stats(
        count(reports),
        count(persons),
        count(offenders),
        count(events),
        by_status,
        by_force,
        pending,
    )


def report_exists(conn: Connection, force: str, reference: str) -> bool:
    found = conn.execute(
        select(reports.c.id).where(reports.c.force == force, reports.c.reference == reference)
    ).first()
    return found is not None


def report_history(conn: Connection, force: str, reference: str) -> list[dict[str, Any]]:
    """The report's events in order, as stored (the timeline)."""
    report_id = (
        select(reports.c.id)
        .where(reports.c.force == force, reports.c.reference == reference)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(events.c.seq, events.c.kind, events.c.actor, events.c.at, events.c.payload)
        .where(events.c.report_id == report_id)
        .order_by(events.c.seq)
    )
    return [
        {
            "seq": r.seq,
            "kind": r.kind,
            "actor": r.actor,
            "at": r.at,
            "payload": json.loads(r.payload),
        }
        for r in rows
    ]


def latest_report_time(conn: Connection) -> datetime | None:
    """When the newest report in the store was made (None for an empty store)."""
    found: datetime | None = conn.execute(select(func.max(reports.c.reported_at))).scalar()
    return found


@dataclass(frozen=True, slots=True)
class WriteOffCounts:
    """Per force: reports recorded under a rape code, how many are written off, how many wait."""

    force: str
    rape_reports: int
    written_off: int  # cancelled or transferred, in force
    pending: int  # cancellation awaiting authorisation: still counts as a crime


def rape_write_offs_by_force(
    conn: Connection, since: datetime | None = None
) -> list[WriteOffCounts]:
    """Rape write-off counts per force, the numerator and denominator of the published rate;
    of reports made at or after ``since`` when given."""
    written = func.sum(case((reports.c.status.in_(("cancelled", "transferred")), 1), else_=0))
    pending_ids = select(cancellations.c.report_id).where(cancellations.c.state == "pending")
    pending = func.sum(case((reports.c.id.in_(pending_ids), 1), else_=0))
    query = (
        select(reports.c.force, func.count().label("n"), written.label("w"), pending.label("p"))
        .where(reports.c.offence_code.in_(sorted(RAPE_CODES)))
        .group_by(reports.c.force)
        .order_by(reports.c.force)
    )
    if since is not None:
        query = query.where(reports.c.reported_at >= since)
    rows = conn.execute(query)
    return [WriteOffCounts(r.force, int(r.n), int(r.w or 0), int(r.p or 0)) for r in rows]


class Queries:
    """The read side in one unit of work (``uow.queries``): every method is the query of the
    same name in this module or in ``report_queries``, ``audit_queries`` or
    ``integrity_queries``, run on the unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- the store as a whole ---------------------------------------------------------------

    def stats(self) -> Stats:
        return stats(self._conn)

    def report_exists(self, force: str, reference: str) -> bool:
        return report_exists(self._conn, force, reference)

    def report_history(self, force: str, reference: str) -> list[dict[str, Any]]:
        return report_history(self._conn, force, reference)

    def latest_report_time(self) -> datetime | None:
        return latest_report_time(self._conn)

    def rape_write_offs_by_force(self, since: datetime | None = None) -> list[WriteOffCounts]:
        return rape_write_offs_by_force(self._conn, since)

    # -- reports, the queue, linkage and persons (report_queries) ----------------------------

    def latest_run_id(self, kind: str = "run") -> int | None:
        return report_queries.latest_run_id(self._conn, kind)

    def list_reports(
        self, query: ReportQuery, run_id: int | None = None
    ) -> tuple[list[ReportRow], bool]:
        return report_queries.list_reports(self._conn, query, run_id)

    def report_row(self, force: str, reference: str) -> ReportRow | None:
        return report_queries.report_row(self._conn, force, reference)

    def pending_cancellations(self, force: str | None = None, limit: int = 200) -> list[PendingRow]:
        return report_queries.pending_cancellations(self._conn, force, limit)

    def run_info(self, run_id: int) -> RunRow | None:
        return report_queries.run_info(self._conn, run_id)

    def links_of(self, run_id: int, report_id: int, limit: int = 50) -> list[LinkRow]:
        return report_queries.links_of(self._conn, run_id, report_id, limit)

    def series_of_report(self, run_id: int, report_id: int) -> int | None:
        return report_queries.series_of_report(self._conn, run_id, report_id)

    def series_list(self, run_id: int, limit: int = 500) -> list[SeriesRow]:
        return report_queries.series_list(self._conn, run_id, limit)

    def series_members(self, run_id: int, series_id: int) -> list[MemberRow]:
        return report_queries.series_members(self._conn, run_id, series_id)

    def links_among(self, run_id: int, report_ids: Sequence[int]) -> list[PairRow]:
        return report_queries.links_among(self._conn, run_id, report_ids)

    def latest_person_run_id(self) -> int | None:
        return report_queries.latest_person_run_id(self._conn)

    def persons_of_reports(
        self, report_ids: Sequence[int], person_run: int | None
    ) -> list[PersonRow]:
        return report_queries.persons_of_reports(self._conn, report_ids, person_run)

    def person(self, person_id: int, person_run: int | None) -> PersonRow | None:
        return report_queries.person(self._conn, person_id, person_run)

    def entity_members(self, person_run: int, entity_id: str) -> list[PersonRow]:
        return report_queries.entity_members(self._conn, person_run, entity_id)

    # -- audits (audit_queries) ---------------------------------------------------------------

    def rape_write_offs_by_month(self, force: str | None = None) -> list[PeriodRow]:
        return audit_queries.rape_write_offs_by_month(self._conn, force)

    def audit_samples_overview(self) -> list[SampleRow]:
        return audit_queries.audit_samples_overview(self._conn)

    def audit_items_of(self, sample_id: int) -> list[AuditItemRow]:
        return audit_queries.audit_items_of(self._conn, sample_id)

    # -- recording integrity (integrity_queries) ---------------------------------------------

    def group_counts(
        self,
        codes: Collection[str],
        *,
        with_n100: bool,
        deadline_seconds: float,
        scope: Scope = Scope(),
        by_quarter: bool = False,
    ) -> list[GroupCounts]:
        return integrity_queries.group_counts(
            self._conn,
            codes,
            with_n100=with_n100,
            deadline_seconds=deadline_seconds,
            scope=scope,
            by_quarter=by_quarter,
        )

    def write_off_population(
        self, codes: Collection[str], *, with_n100: bool, scope: Scope = Scope()
    ) -> list[WriteOffRow]:
        return integrity_queries.write_off_population(
            self._conn, codes, with_n100=with_n100, scope=scope
        )

    def write_off_reports(self, scope: Scope = Scope()) -> Iterator[tuple[int, Report]]:
        return integrity_queries.write_off_reports(self._conn, scope)

    def series_sizes(self) -> dict[int, int]:
        return integrity_queries.series_sizes(self._conn)

    def suspects_named_elsewhere(self) -> dict[int, int]:
        return integrity_queries.suspects_named_elsewhere(self._conn)
