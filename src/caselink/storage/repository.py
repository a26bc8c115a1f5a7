"""The report repository: load and save Report aggregates, and the bulk paths import uses."""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select, text, update

from caselink.domain.errors import ConcurrentUpdate
from caselink.domain.journey import Step
from caselink.domain.report import Report
from caselink.storage import report_rows
from caselink.storage.bulk import BulkWriter
from caselink.storage.journeys import JourneyRepository, bump_read_versions
from caselink.storage.prepared import (
    CANCELLATION_COLUMNS,
    PERSON_COLUMNS,
    REPORT_COLUMNS,
    PreparedReport,
    Preparer,
)
from caselink.storage.report_rows import person_key
from caselink.storage.tables import cancellations, offenders, persons, reports

Key = tuple[str, str]  # (force, reference)


@dataclass(slots=True)
class _Loaded:
    report_id: int
    version: int
    cancellation_ids: list[int] = field(default_factory=list)
    persons: int = 0


class ReportRepository:
    """Reports in one transaction. Saving checks the version read, so a concurrent change is
    refused.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._bulk = BulkWriter(conn)
        self._loaded: dict[int, _Loaded] = {}  # by id(report)

    # -- single aggregates ------------------------------------------------------------------

    def get(self, force: str, reference: str) -> Report | None:
        row = self._conn.execute(
            select(reports).where(reports.c.force == force, reports.c.reference == reference)
        ).first()
        if row is None:
            return None
        rid = row.id
        canc = self._conn.execute(
            select(cancellations)
            .where(cancellations.c.report_id == rid)
            .order_by(cancellations.c.id)
        ).all()
        pers = self._conn.execute(
            select(persons).where(persons.c.report_id == rid).order_by(persons.c.id)
        ).all()
        report = report_rows.report_from_rows(row, list(canc), list(pers))
        report.journey = _journeys(self._conn, [rid]).get(rid, [])
        self._loaded[id(report)] = _Loaded(rid, row.version, [c.id for c in canc], len(pers))
        return report

    def get_many(self, keys: Iterable[Key]) -> dict[Key, Report]:
        """The stored reports among these keys, loaded whole (persons, cancellations, journey),
        a few queries for the lot instead of several a report."""
        wanted = sorted(set(keys))
        found: dict[Key, Report] = {}
        if not wanted:
            return found
        by_force: dict[str, list[str]] = {}
        for force, reference in wanted:
            by_force.setdefault(force, []).append(reference)
        rows: list[Any] = []
        for force, references in by_force.items():
            for start in range(0, len(references), 1000):
                rows.extend(
                    self._conn.execute(
                        select(reports).where(
                            reports.c.force == force,
                            reports.c.reference.in_(references[start : start + 1000]),
                        )
                    )
                )
        ids = [r.id for r in rows]
        canc: dict[int, list[Any]] = {}
        pers: dict[int, list[Any]] = {}
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            canc.update(
                _grouped(
                    self._conn.execute(
                        select(cancellations)
                        .where(cancellations.c.report_id.in_(chunk))
                        .order_by(cancellations.c.id)
                    )
                )
            )
            pers.update(
                _grouped(
                    self._conn.execute(
                        select(persons).where(persons.c.report_id.in_(chunk)).order_by(persons.c.id)
                    )
                )
            )
        steps = _journeys(self._conn, ids)
        for r in rows:
            c, p = canc.get(r.id, []), pers.get(r.id, [])
            report = report_rows.report_from_rows(r, c, p)
            report.journey = steps.get(r.id, [])
            self._loaded[id(report)] = _Loaded(r.id, r.version, [x.id for x in c], len(p))
            found[(r.force, r.reference)] = report
        return found

    def bump_versions(self, changed: Iterable[Report]) -> None:
        """Move loaded reports whose only change is new journey steps (written by the journey
        repository) to their next version; refused whole if any was changed meanwhile."""
        reports_ = list(changed)
        if not reports_:
            return
        loaded = [self._loaded[id(r)] for r in reports_]
        bump_read_versions(self._conn, {x.report_id: x.version for x in loaded})
        for report, x in zip(reports_, loaded, strict=True):
            x.version += 1
            report.version = x.version

    def iterate(self, batch: int = 2000) -> Iterator[Report]:
        """Every report in id order, loaded a batch at a time so memory stays flat."""
        last = 0
        while True:
            rows = self._conn.execute(
                select(reports).where(reports.c.id > last).order_by(reports.c.id).limit(batch)
            ).all()
            if not rows:
                return
            ids = [r.id for r in rows]
            canc = _grouped(
                self._conn.execute(
                    select(cancellations)
                    .where(cancellations.c.report_id.in_(ids))
                    .order_by(cancellations.c.id)
                )
            )
            pers = _grouped(
                self._conn.execute(
                    select(persons).where(persons.c.report_id.in_(ids)).order_by(persons.c.id)
                )
            )
            steps = _journeys(self._conn, ids)
            for r in rows:
                report = report_rows.report_from_rows(r, canc.get(r.id, []), pers.get(r.id, []))
                report.journey = steps.get(r.id, [])
                yield report
            last = ids[-1]

    def id_of(self, report: Report) -> int:
        return self._loaded[id(report)].report_id

    def add(self, report: Report, source: str, digest: str = "") -> int:
        """Insert a new report (fails on an existing force and reference)."""
        preparer = Preparer(self._conn.dialect.name, source)
        return self.insert_prepared([preparer(report, digest)])[0]

    def save(self, report: Report) -> None:
        """Write a loaded report's changes; refuse if someone else saved it since it was read."""
        loaded = self._loaded[id(report)]
        values = report_rows.report_values(report)
        values["version"] = loaded.version + 1
        done = self._conn.execute(
            update(reports)
            .where(reports.c.id == loaded.report_id, reports.c.version == loaded.version)
            .values(values)
        )
        if done.rowcount != 1:
            raise ConcurrentUpdate(
                f"{report.force} {report.reference} was changed by someone else since it was read "
                f"(version {loaded.version}); reload it and try again"
            )
        for index, c in enumerate(report.cancellations):
            row = report_rows.cancellation_values(c, loaded.report_id)
            if index < len(loaded.cancellation_ids):
                self._conn.execute(
                    update(cancellations)
                    .where(cancellations.c.id == loaded.cancellation_ids[index])
                    .values(row)
                )
            else:
                new_id = self._conn.execute(insert(cancellations).values(row)).inserted_primary_key
                assert new_id is not None
                loaded.cancellation_ids.append(int(new_id[0]))
        for p in report.persons[loaded.persons :]:
            self._conn.execute(
                insert(persons).values(
                    report_rows.person_values(p, loaded.report_id, person_key(p))
                )
            )
        loaded.persons = len(report.persons)
        loaded.version += 1
        report.version = loaded.version

    # -- bulk paths -------------------------------------------------------------------------

    def digests(self, keys: Sequence[Key]) -> dict[Key, tuple[int, str | None]]:
        """For the keys already stored: (row id, source digest)."""
        if not keys:
            return {}
        if self._conn.dialect.name == "postgresql":
            # Joined to the keys as an array, the unique (force, reference) index serves each
            # key; an IN list on a table the import is growing got a plan that read every
            # report of the force per batch, slower and slower as the import went on.
            rows = self._conn.execute(
                text(
                    "SELECT r.id, r.force, r.reference, r.source_digest FROM reports r "
                    "JOIN unnest(CAST(:forces AS text[]), CAST(:refs AS text[])) AS k(force, ref) "
                    "ON r.force = k.force AND r.reference = k.ref"
                ),
                {"forces": [k[0] for k in keys], "refs": [k[1] for k in keys]},
            )
            return {(r.force, r.reference): (r.id, r.source_digest) for r in rows}
        by_force: dict[str, list[str]] = {}
        for force, reference in keys:
            by_force.setdefault(force, []).append(reference)
        found: dict[Key, tuple[int, str | None]] = {}
        # One query per force, so each is an index range scan on (force, reference).
        for force, references in by_force.items():
            result = self._conn.execute(
                select(reports.c.id, reports.c.reference, reports.c.source_digest).where(
                    reports.c.force == force, reports.c.reference.in_(references)
                )
            )
            found.update(((force, r.reference), (r.id, r.source_digest)) for r in result)
        return found

    def insert_prepared(self, items: Sequence[PreparedReport]) -> list[int]:
        """Insert reports prepared by a Preparer for this dialect; returns their new row ids in
        order.
        """
        ids = self._bulk.allocate_ids(reports, len(items))
        if not ids:
            return ids
        self._bulk.insert_ready(
            reports,
            ("id", *REPORT_COLUMNS),
            [(rid, *p.report) for rid, p in zip(ids, items, strict=True)],
        )
        canc = [(rid, *c) for rid, p in zip(ids, items, strict=True) for c in p.cancellations]
        if canc:
            canc_ids = self._bulk.allocate_ids(cancellations, len(canc))
            self._bulk.insert_ready(
                cancellations,
                ("id", "report_id", *CANCELLATION_COLUMNS),
                [(i, *c) for i, c in zip(canc_ids, canc, strict=True)],
            )
        self.insert_persons_ready(
            [(rid, *x) for rid, p in zip(ids, items, strict=True) for x in p.persons]
        )
        return ids

    def insert_persons_ready(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert person records made ready for this dialect: (report id, *PERSON_COLUMNS)."""
        if rows:
            ids = self._bulk.allocate_ids(persons, len(rows))
            self._bulk.insert_ready(
                persons,
                ("id", "report_id", *PERSON_COLUMNS),
                [(i, *x) for i, x in zip(ids, rows, strict=True)],
            )

    def person_keys(self, report_ids: Iterable[int]) -> set[tuple[int, str]]:
        ids = sorted(set(report_ids))
        if not ids:
            return set()
        rows = self._conn.execute(
            select(persons.c.report_id, persons.c.person_key).where(persons.c.report_id.in_(ids))
        )
        return {(r.report_id, r.person_key) for r in rows}

    def offender_labels(self, report_ids: Iterable[int]) -> set[tuple[str, int]]:
        ids = sorted(set(report_ids))
        if not ids:
            return set()
        rows = self._conn.execute(
            select(offenders.c.offender_id, offenders.c.report_id).where(
                offenders.c.report_id.in_(ids)
            )
        )
        return {(r.offender_id, r.report_id) for r in rows}

    def insert_offender_labels(self, rows: Sequence[dict[str, Any]]) -> None:
        self._bulk.insert_dicts(offenders, rows)


def _journeys(conn: Connection, report_ids: Sequence[int]) -> dict[int, list[Step]]:
    return JourneyRepository(conn).steps(report_ids)


def _grouped(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.report_id, []).append(row)
    return grouped
