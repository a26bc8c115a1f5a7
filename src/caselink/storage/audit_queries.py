"""Read queries behind the registrar's audit workbench and the monthly write-off figures."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, extract, func, select

from caselink.domain.offences import RAPE_CODES
from caselink.storage.tables import (
    audit_items,
    audit_samples,
    audit_verdicts,
    reports,
)

WRITE_OFF = ("cancelled", "transferred")


@dataclass(frozen=True, slots=True)
class PeriodRow:
    year: int
    month: int
    rape_reports: int
    written_off: int


def rape_write_offs_by_month(conn: Connection, force: str | None = None) -> list[PeriodRow]:
    """Rape reports and write-offs by month reported (the trend pages group them by quarter)."""
    year = extract("year", reports.c.reported_at)
    month = extract("month", reports.c.reported_at)
    query = (
        select(
            year.label("y"),
            month.label("m"),
            func.count().label("n"),
            func.count().filter(reports.c.status.in_(WRITE_OFF)).label("w"),
        )
        .where(reports.c.offence_code.in_(sorted(RAPE_CODES)))
        .group_by(year, month)
        .order_by(year, month)
    )
    if force:
        query = query.where(reports.c.force == force)
    return [PeriodRow(int(r.y), int(r.m), int(r.n), int(r.w or 0)) for r in conn.execute(query)]


@dataclass(frozen=True, slots=True)
class SampleRow:
    id: int
    created_at: datetime
    created_by: str
    description: str | None
    items: int
    judged: int
    wrong: int


def audit_samples_overview(conn: Connection) -> list[SampleRow]:
    """Audit samples, newest first, with how many items have a verdict and how many are wrong
    (the latest verdict per item counts)."""
    samples = conn.execute(
        select(
            audit_samples.c.id,
            audit_samples.c.created_at,
            audit_samples.c.created_by,
            audit_samples.c.description,
        ).order_by(audit_samples.c.id.desc())
    ).all()
    found: list[SampleRow] = []
    for s in samples:
        items = conn.execute(
            select(func.count()).select_from(audit_items).where(audit_items.c.sample_id == s.id)
        ).scalar_one()
        latest = latest_verdicts(conn, int(s.id))
        wrong = sum(1 for v in latest.values() if v[0] == "wrong")
        found.append(
            SampleRow(
                int(s.id), s.created_at, s.created_by, s.description, int(items), len(latest), wrong
            )
        )
    return found


def latest_verdicts(conn: Connection, sample_id: int) -> dict[int, tuple[str, str | None, str]]:
    """report id -> (verdict, reason, decided_by) of the latest verdict in a sample."""
    latest: dict[int, tuple[str, str | None, str]] = {}
    for v in conn.execute(
        select(
            audit_verdicts.c.report_id,
            audit_verdicts.c.verdict,
            audit_verdicts.c.reason,
            audit_verdicts.c.decided_by,
        )
        .where(audit_verdicts.c.sample_id == sample_id)
        .order_by(audit_verdicts.c.id)
    ):
        latest[int(v.report_id)] = (v.verdict, v.reason, v.decided_by)
    return latest


@dataclass(frozen=True, slots=True)
class AuditItemRow:
    report_id: int
    force: str
    reference: str
    status: str
    offence_code: str | None
    stratum: str
    verdict: str | None
    reason: str | None
    decided_by: str | None


def audit_items_of(conn: Connection, sample_id: int) -> list[AuditItemRow]:
    latest = latest_verdicts(conn, sample_id)
    rows = conn.execute(
        select(
            audit_items.c.report_id,
            reports.c.force,
            reports.c.reference,
            reports.c.status,
            reports.c.offence_code,
            audit_items.c.stratum,
        )
        .join(reports, reports.c.id == audit_items.c.report_id)
        .where(audit_items.c.sample_id == sample_id)
        .order_by(audit_items.c.stratum, audit_items.c.position)
    )
    found = []
    for r in rows:
        verdict, reason, by = latest.get(int(r.report_id), (None, None, None))
        found.append(AuditItemRow(*r, verdict, reason, by))
    return found
