"""Read queries: figures and lists the entry points show, straight from the tables."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, select

from caselink.domain.offences import RAPE_CODES
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
