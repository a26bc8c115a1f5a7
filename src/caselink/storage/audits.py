"""Integrity audits in the database: the samples drawn, the reports in each (in draw order), and
the registrars' verdicts on them, appended and never changed."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Subquery, and_, case, func, insert, select

from caselink.storage.tables import audit_items, audit_samples, audit_verdicts, reports


@dataclass(frozen=True, slots=True)
class StoredSample:
    sample_id: int
    created_at: datetime
    created_by: str
    seed: int
    spec: str  # JSON
    description: str | None


@dataclass(frozen=True, slots=True)
class SampleItem:
    """One sampled report, where it was drawn, and its latest verdict (None before one)."""

    report_id: int
    force: str
    reference: str
    stratum: str
    position: int
    population: int
    verdict: str | None
    decided_by: str | None


@dataclass(frozen=True, slots=True)
class StratumTally:
    """A stratum of a sample: its population when drawn, how many were drawn, how many have a
    verdict and how many of those say the write-off was correct."""

    stratum: str
    population: int
    drawn: int
    audited: int
    correct: int


class AuditStore:
    """Audit samples and verdicts in one transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_sample(
        self,
        *,
        created_at: datetime,
        created_by: str,
        seed: int,
        spec: str,
        description: str | None,
        items: Sequence[tuple[int, str, int, int]],
    ) -> int:
        """Store a sample and its items (report id, stratum, position, population); its id."""
        key = self._conn.execute(
            insert(audit_samples).values(
                created_at=created_at,
                created_by=created_by,
                seed=seed,
                spec=spec,
                description=description,
            )
        ).inserted_primary_key
        assert key is not None
        sample_id = int(key[0])
        if items:
            self._conn.execute(
                insert(audit_items),
                [
                    {
                        "sample_id": sample_id,
                        "report_id": rid,
                        "stratum": stratum,
                        "position": position,
                        "population": population,
                    }
                    for rid, stratum, position, population in items
                ],
            )
        return sample_id

    def sample(self, sample_id: int) -> StoredSample | None:
        row = self._conn.execute(
            select(audit_samples).where(audit_samples.c.id == sample_id)
        ).first()
        if row is None:
            return None
        return StoredSample(
            int(row.id), row.created_at, row.created_by, int(row.seed), row.spec, row.description
        )

    def latest_sample_id(self) -> int | None:
        """The most recently drawn sample, or None before any."""
        found = self._conn.execute(select(func.max(audit_samples.c.id))).scalar()
        return None if found is None else int(found)

    def item_report_id(self, sample_id: int, force: str, reference: str) -> int | None:
        """The report's id if that report is in the sample."""
        found = self._conn.execute(
            select(audit_items.c.report_id)
            .join(reports, reports.c.id == audit_items.c.report_id)
            .where(
                audit_items.c.sample_id == sample_id,
                reports.c.force == force,
                reports.c.reference == reference,
            )
        ).first()
        return None if found is None else int(found.report_id)

    def add_verdict(
        self,
        *,
        sample_id: int,
        report_id: int,
        verdict: str,
        reason: str,
        decided_by: str,
        decided_at: datetime,
    ) -> None:
        self._conn.execute(
            insert(audit_verdicts).values(
                sample_id=sample_id,
                report_id=report_id,
                verdict=verdict,
                reason=reason,
                decided_by=decided_by,
                decided_at=decided_at,
            )
        )

    def _latest(self, sample_id: int) -> Subquery:
        # Verdicts are appended; the one with the highest id for a report is the one that counts.
        last = (
            select(audit_verdicts.c.report_id, func.max(audit_verdicts.c.id).label("id"))
            .where(audit_verdicts.c.sample_id == sample_id)
            .group_by(audit_verdicts.c.report_id)
            .subquery()
        )
        return (
            select(
                audit_verdicts.c.report_id, audit_verdicts.c.verdict, audit_verdicts.c.decided_by
            )
            .join(last, last.c.id == audit_verdicts.c.id)
            .subquery()
        )

    def items(self, sample_id: int) -> list[SampleItem]:
        """The sample's reports by stratum and draw order, each with its latest verdict."""
        latest = self._latest(sample_id)
        rows = self._conn.execute(
            select(
                audit_items.c.report_id,
                reports.c.force,
                reports.c.reference,
                audit_items.c.stratum,
                audit_items.c.position,
                audit_items.c.population,
                latest.c.verdict,
                latest.c.decided_by,
            )
            .join(reports, reports.c.id == audit_items.c.report_id)
            .outerjoin(latest, latest.c.report_id == audit_items.c.report_id)
            .where(audit_items.c.sample_id == sample_id)
            .order_by(audit_items.c.stratum, audit_items.c.position)
        )
        return [
            SampleItem(
                int(r.report_id),
                r.force,
                r.reference,
                r.stratum,
                int(r.position),
                int(r.population),
                r.verdict,
                r.decided_by,
            )
            for r in rows
        ]

    def tallies(self, sample_id: int) -> list[StratumTally]:
        """Per stratum: population, drawn, audited (with a verdict) and correct, counted by the
        database."""
        latest = self._latest(sample_id)
        has = latest.c.verdict.is_not(None)
        ok = latest.c.verdict == "correct"
        rows = self._conn.execute(
            select(
                audit_items.c.stratum,
                func.max(audit_items.c.population).label("population"),
                func.count().label("drawn"),
                func.coalesce(func.sum(_one_if(has)), 0).label("audited"),
                func.coalesce(func.sum(_one_if(and_(has, ok))), 0).label("correct"),
            )
            .outerjoin(latest, latest.c.report_id == audit_items.c.report_id)
            .where(audit_items.c.sample_id == sample_id)
            .group_by(audit_items.c.stratum)
            .order_by(audit_items.c.stratum)
        )
        return [
            StratumTally(r.stratum, int(r.population), int(r.drawn), int(r.audited), int(r.correct))
            for r in rows
        ]


def _one_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)
