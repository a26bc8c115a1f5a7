"""Person resolution runs and their entities: reading person records out, writing results in.

``PersonStore`` (``uow.persons``): person records leave as one Arrow table (what
``caselink.linkage.persons.resolution`` reads); a run comes back as a ``person_runs`` row (the
trained model and figures as JSON), the ranges of person ids it read, and a ``person_entities``
row for each record that did not stand alone (``coverage``); analysts' verdicts on pairs are
in ``verdicts``. Reads for the rest of the system — which reports name the same suspect — are
here too (``suspect_entities``), and whose identity is a complainant's
(``complainants_among``, ``complainant_flags``).
"""

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection, and_, func, insert, select

from caselink.domain.person import entity_name
from caselink.storage.arrow_reads import read_arrow
from caselink.storage.bulk import BulkWriter, driver_connection
from caselink.storage.in_lists import in_lists
from caselink.storage.persons.coverage import (
    Coverage,
    alone_id,
    covered_ranges,
    covers,
    named_after,
    rows_to_store,
)
from caselink.storage.persons.rows import (
    PERSON_RECORD_SCHEMA,
    SUSPECT_ENTITY_SCHEMA,
    EntityRecord,
    PersonRun,
    SuspectAppearance,
)
from caselink.storage.tables import (
    journey_milestones,
    person_entities,
    person_run_records,
    person_runs,
    persons,
    reports,
)

_BATCH = 100_000
_CHUNK = 1000  # values in one IN list: PostgreSQL and SQLite both take this many comfortably
COMPLAINANT = "complainant"
# An EntityRecord's columns: the record's own, then (after its probability) its report's.
_RECORD = (
    persons.c.id,
    persons.c.source_id,
    persons.c.role,
    persons.c.forename,
    persons.c.surname,
    persons.c.dob_as_given,
    persons.c.dob,
    persons.c.address,
    persons.c.postcode,
    persons.c.phone,
    persons.c.identifiers,
    persons.c.aliases,
)
_REPORT = (reports.c.force, reports.c.reference, reports.c.status, reports.c.reported_at)


def _folded(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def _cases(surname: str) -> set[str]:
    # The surname index is used with the spellings a name is usually written in; comparing
    # lower(surname) instead would read every person record.
    s = " ".join(surname.split())
    return {surname, s, s.lower(), s.upper(), s.title(), s.capitalize()}


def _run(row: Any) -> PersonRun:
    return PersonRun(
        int(row.id), row.created_at, row.created_by, float(row.threshold), json.loads(row.figures)
    )


class PersonStore:
    """Person resolution runs and their entities, and the person records they are made from."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def records(self) -> pa.Table:
        """Every committed person record with its report's force, as ``PERSON_RECORD_SCHEMA``.

        Read through the database's Arrow driver on a connection of its own (see
        ``arrow_reads``), so it sees what is committed, not what this unit of work has yet to
        commit: a million records in about three seconds.
        """
        p, r = persons.c, reports.c
        query = (
            select(
                p.id,
                p.report_id,
                p.role,
                p.source_id,
                p.forename,
                p.surname,
                p.aliases,
                p.dob_as_given,
                p.dob,
                p.address,
                p.postcode,
                p.phone,
                p.identifiers,
                r.force,
            )
            .select_from(persons.join(reports, reports.c.id == persons.c.report_id))
            .order_by(p.id)
        )
        return read_arrow(self._conn.engine, query, PERSON_RECORD_SCHEMA)

    def save_run(
        self,
        *,
        created_at: datetime,
        created_by: str,
        threshold: float,
        model: dict[str, Any],
        figures: dict[str, Any],
        entities: pa.Table,
    ) -> int:
        """Write a run and every record's entity (``person_id``, ``entity_id``,
        ``match_probability``; rows of records alone are implied, see ``coverage``);
        returns the run's id."""
        run_id = int(
            self._conn.execute(
                insert(person_runs)
                .values(
                    created_at=created_at,
                    created_by=created_by,
                    threshold=threshold,
                    model=json.dumps(model, sort_keys=True),
                    figures=json.dumps(figures, sort_keys=True, default=str),
                )
                .returning(person_runs.c.id)
            ).scalar_one()
        )
        writer = BulkWriter(self._conn)
        writer.insert_ready(
            person_run_records,
            ("run_id", "first_id", "last_id"),
            [(run_id, a, b) for a, b in covered_ranges(entities.column("person_id"))],
        )
        columns = ("run_id", "person_id", "entity_id", "match_probability")
        # In person order, SQLite appends to the person index instead of splitting its pages at
        # random: a million rows shuffled took twice as long to write.
        ordered = rows_to_store(
            entities.select(["person_id", "entity_id", "match_probability"])
        ).sort_by("person_id")
        if self._conn.dialect.name == "postgresql":
            self._copy_entities(run_id, ordered)
            return run_id
        for batch in ordered.to_batches(_BATCH):
            ids, names, probs = (batch.column(i).to_pylist() for i in range(3))
            writer.insert_ready(
                person_entities,
                columns,
                [(run_id, i, e, p) for i, e, p in zip(ids, names, probs, strict=True)],
            )
        return run_id

    def _copy_entities(self, run_id: int, ordered: pa.Table) -> None:
        """A run's entity rows into PostgreSQL as CSV written by Arrow, one COPY: a million
        rows went row by row through the driver in about 10 s of Python alone."""
        rows = pa.table(
            {
                "run_id": pa.repeat(pa.scalar(run_id, pa.int64()), ordered.num_rows),
                "person_id": ordered.column("person_id").cast(pa.int64()),
                "entity_id": ordered.column("entity_id").cast(pa.string()),
                "match_probability": ordered.column("match_probability").cast(pa.float64()),
            }
        )
        names = ", ".join(f'"{c}"' for c in rows.column_names)
        raw = driver_connection(self._conn)
        with (
            raw.cursor() as cursor,
            cursor.copy(f'COPY "{person_entities.name}" ({names}) FROM STDIN (FORMAT csv)') as copy,
        ):
            for batch in rows.to_batches(_BATCH):
                sink = pa.BufferOutputStream()
                # an empty unquoted field is NULL to COPY: a record alone has no probability
                pacsv.write_csv(
                    batch, sink, pacsv.WriteOptions(include_header=False, quoting_style="needed")
                )
                copy.write(sink.getvalue().to_pybytes())

    def latest_run(self) -> PersonRun | None:
        """The newest person resolution run, or None before the first."""
        row = self._conn.execute(
            select(person_runs).order_by(person_runs.c.id.desc()).limit(1)
        ).first()
        return _run(row) if row else None

    def get_run(self, run_id: int) -> PersonRun | None:
        """Run ``run_id``, or None if there is no such run."""
        row = self._conn.execute(select(person_runs).where(person_runs.c.id == run_id)).first()
        return _run(row) if row else None

    def run_model(self, run_id: int) -> dict[str, Any]:
        """The trained model a run stored (its Splink settings and parameters), as a dict."""
        text = self._conn.execute(
            select(person_runs.c.model).where(person_runs.c.id == run_id)
        ).scalar()
        return dict(json.loads(text)) if text else {}

    def _latest_id(self) -> int | None:
        found = self._conn.execute(select(func.max(person_runs.c.id))).scalar()
        return int(found) if found is not None else None

    def suspect_entities(
        self, run_id: int | None = None, report_ids: Sequence[int] | None = None
    ) -> pa.Table:
        """Each report's named suspects as person entities: ``report_id`` (int64), ``entity_id``
        (string), one row per suspect record, from ``run_id`` or the latest run; of the reports
        ``report_ids`` only when given.

        Two reports sharing an ``entity_id`` name the same person as suspect (offence linkage's
        evidence "same person named as suspect"). Cancelled and N100 reports are included, as
        the linkage index keeps them. Empty when no run exists.
        """
        run_id = run_id if run_id is not None else self._latest_id()
        if run_id is None:
            return SUSPECT_ENTITY_SCHEMA.empty_table()
        if report_ids is None:
            p, e = persons.c, person_entities.c
            entity = func.coalesce(e.entity_id, named_after(p.id))
            rows = self._conn.execute(
                select(p.report_id, entity)
                .select_from(
                    person_run_records.join(persons, covers(run_id)).outerjoin(
                        person_entities, and_(e.person_id == p.id, e.run_id == run_id)
                    )
                )
                .where(p.role == "suspect")
                .order_by(p.report_id, entity)
            ).all()
        else:
            rows = self._suspects_of(run_id, report_ids)
        return pa.table(
            {
                "report_id": pa.array([int(r[0]) for r in rows], pa.int64()),
                "entity_id": pa.array([str(r[1]) for r in rows], pa.string()),
            },
            schema=SUSPECT_ENTITY_SCHEMA,
        )

    def _suspects_of(self, run_id: int, report_ids: Sequence[int]) -> list[Any]:
        # Two lookups by key, persons by report then entities by person, with the run picked out
        # here: given the run in SQL, SQLite started from the run's index and read every entity of
        # the run (180 ms a query on a national year).
        suspects = dict(
            self._conn.execute(
                select(persons.c.id, persons.c.report_id).where(
                    persons.c.report_id.in_(list(report_ids)), persons.c.role == "suspect"
                )
            ).all()
        )
        if not suspects:
            return []
        entity_of = self._entities_in(run_id, list(suspects))
        return sorted((suspects[person], entity) for person, entity in entity_of.items())

    def complainants_among(self, person_ids: Sequence[int]) -> set[int]:
        """Of these person records, those whose human is a complainant in some report, so whose
        identity is withheld everywhere from roles that may not see complainants.

        A record is one when it is a complainant record itself, or when the latest person
        resolution run put it in an entity holding a complainant record. Where that run does not
        cover a record or a complainant record (no run yet, or recorded since), the two are
        taken for one human when their forenames and surnames are equal (case and spacing
        aside) and their dates of birth, where both were read, agree; an entity one of whose
        records is taken so is withheld whole. Between two records the run covers, the run
        decides: the same name and date of birth do not make them one human.
        """
        ids = sorted(set(person_ids))
        if not ids:
            return set()
        p, e = persons.c, person_entities.c
        rows: list[Any] = []
        for chunk in in_lists(ids, _CHUNK):
            rows.extend(
                self._conn.execute(
                    select(p.id, p.role, p.forename, p.surname, p.dob).where(p.id.in_(chunk))
                )
            )
        run_id = self._latest_id()
        entity_of = self._entities_in(run_id, ids)
        # every record of those entities, so that one record taken for a complainant's below
        # withholds the whole entity
        members: dict[int, Any] = {int(r.id): r for r in rows}
        if run_id is not None:
            for names in in_lists(sorted(set(entity_of.values())), _CHUNK):
                for r in self._conn.execute(
                    select(p.id, p.role, p.forename, p.surname, p.dob, e.entity_id)
                    .select_from(person_entities.join(persons, p.id == e.person_id))
                    .where(e.run_id == run_id, e.entity_id.in_(names))
                ):
                    members[int(r.id)] = r
                    entity_of[int(r.id)] = str(r.entity_id)
        flagged = {pid for pid, r in members.items() if r.role == COMPLAINANT}
        named = [
            r
            for pid, r in members.items()
            if pid not in flagged and _folded(r.forename) and _folded(r.surname)
        ]
        if named:
            flagged |= self._named_like_a_complainant(run_id, named, entity_of)
        holding = {entity_of[pid] for pid in flagged if pid in entity_of}
        return {pid for pid in ids if pid in flagged or entity_of.get(pid, None) in holding}

    def _named_like_a_complainant(
        self, run_id: int | None, named: Sequence[Any], entity_of: dict[int, str]
    ) -> set[int]:
        p = persons.c
        spellings = sorted({v for r in named for v in _cases(r.surname)})
        candidates: list[Any] = []
        for chunk in in_lists(spellings, _CHUNK):
            candidates.extend(
                self._conn.execute(
                    select(p.id, p.forename, p.surname, p.dob).where(
                        p.role == COMPLAINANT, p.surname.in_(chunk)
                    )
                )
            )
        covered = self._entities_in(run_id, [int(c.id) for c in candidates])
        by_name: dict[tuple[str, str], list[Any]] = {}
        for c in candidates:
            by_name.setdefault((_folded(c.forename), _folded(c.surname)), []).append(c)
        found: set[int] = set()
        for r in named:
            for c in by_name.get((_folded(r.forename), _folded(r.surname)), []):
                if int(r.id) in entity_of and int(c.id) in covered:
                    continue  # the run compared them and kept them apart
                if r.dob is None or c.dob is None or r.dob == c.dob:
                    found.add(int(r.id))
                    break
        return found

    def complainant_flags(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[bool]]:
        """For each report (force, reference), one flag per person record in the order the
        report's persons are loaded (by record id): whether the person is a complainant
        anywhere (``complainants_among``). Reports without persons are left out."""
        by_force: dict[str, list[str]] = {}
        for force, reference in sorted(set(keys)):
            by_force.setdefault(force, []).append(reference)
        rows: list[Any] = []
        for force, references in by_force.items():
            for chunk in in_lists(references, _CHUNK):
                rows.extend(
                    self._conn.execute(
                        select(persons.c.id, reports.c.force, reports.c.reference)
                        .select_from(persons.join(reports, reports.c.id == persons.c.report_id))
                        .where(reports.c.force == force, reports.c.reference.in_(chunk))
                        .order_by(persons.c.id)
                    )
                )
        withheld = self.complainants_among([int(r.id) for r in rows])
        flags: dict[tuple[str, str], list[bool]] = {}
        for r in rows:
            flags.setdefault((r.force, r.reference), []).append(int(r.id) in withheld)
        return flags

    def entities_of(self, run_id: int, person_ids: Sequence[int]) -> dict[int, str]:
        """The entity of each of these person records in run ``run_id`` (those it covers)."""
        return self._entities_in(run_id, person_ids)

    def _coverage(self, run_id: int) -> Coverage:
        c = person_run_records.c
        ranges = self._conn.execute(
            select(c.first_id, c.last_id).where(c.run_id == run_id).order_by(c.first_id)
        )
        return Coverage([(int(first), int(last)) for first, last in ranges])

    def _entities_in(self, run_id: int | None, person_ids: Sequence[int]) -> dict[int, str]:
        # By person, with the run picked out here (see _suspects_of); a covered record without
        # a row stood alone.
        if run_id is None:
            return {}
        coverage = self._coverage(run_id)
        wanted = sorted(set(person_ids))
        found = {pid: entity_name(pid) for pid in wanted if pid in coverage}
        for chunk in in_lists(wanted, _CHUNK):
            for person, entity, run in self._conn.execute(
                select(
                    person_entities.c.person_id,
                    person_entities.c.entity_id,
                    person_entities.c.run_id,
                ).where(person_entities.c.person_id.in_(chunk))
            ):
                if run == run_id:
                    found[int(person)] = str(entity)
        return found

    def entity_records(self, run_id: int, entity_id: str) -> list[EntityRecord]:
        """Every record of one entity in one run, with its report's force, reference and status."""
        p, r, e = persons.c, reports.c, person_entities.c
        rows = self._conn.execute(
            select(*_RECORD, e.match_probability, *_REPORT)
            .select_from(
                person_entities.join(persons, persons.c.id == e.person_id).join(
                    reports, reports.c.id == p.report_id
                )
            )
            .where(e.run_id == run_id, e.entity_id == entity_id)
            .order_by(r.reported_at, p.id)
        ).all()
        if not rows:  # an entity of one record the run stored no row for
            alone = alone_id(entity_id)
            if alone is not None and alone in self._coverage(run_id):
                return list(self.records_by_id(run_id, [alone]).values())
        return [EntityRecord(*tuple[Any, ...](row)) for row in rows]

    def export_rows(
        self, run_id: int
    ) -> Iterator[tuple[str | None, str, str, str, str, float | None]]:
        """(source_id, force, reference, role, entity_id, match_probability) for every record."""
        p, r, e = persons.c, reports.c, person_entities.c
        entity = func.coalesce(e.entity_id, named_after(p.id))
        result = self._conn.execute(
            select(p.source_id, r.force, r.reference, p.role, entity, e.match_probability)
            .select_from(
                person_run_records.join(persons, covers(run_id))
                .join(reports, reports.c.id == p.report_id)
                .outerjoin(person_entities, and_(e.person_id == p.id, e.run_id == run_id))
            )
            .order_by(entity, p.id)
            .execution_options(yield_per=10_000)
        )
        for row in result:
            yield row[0], row[1], row[2], row[3], row[4], row[5]

    def records_by_id(
        self, run_id: int | None, person_ids: Sequence[int]
    ) -> dict[int, EntityRecord]:
        """Person records with their report, and their match probability in ``run_id``."""
        p = persons.c
        found: dict[int, EntityRecord] = {}
        entity_probability: dict[int, float | None] = {}
        if run_id is not None:
            for chunk in in_lists(sorted(set(person_ids)), _CHUNK):
                for person, probability in self._conn.execute(
                    select(person_entities.c.person_id, person_entities.c.match_probability).where(
                        person_entities.c.run_id == run_id, person_entities.c.person_id.in_(chunk)
                    )
                ):
                    entity_probability[int(person)] = probability
        for chunk in in_lists(sorted(set(person_ids)), _CHUNK):
            for row in self._conn.execute(
                select(*_RECORD, *_REPORT)
                .select_from(persons.join(reports, reports.c.id == p.report_id))
                .where(p.id.in_(chunk))
            ):
                person, own = int(row.id), len(_RECORD)
                values: tuple[Any, ...] = (person, *row[1:own], entity_probability.get(person))
                found[person] = EntityRecord(*values, *row[own:])
        return found

    def repeat_suspects(self, run_id: int, min_reports: int = 2) -> list[SuspectAppearance]:
        """Every suspect record of the person entities named as suspect in at least
        ``min_reports`` reports in run ``run_id``, with each report's status and outcome;
        cancelled and N100 reports included. Ordered by entity, then by when reported."""
        p, r, e, m = persons.c, reports.c, person_entities.c, journey_milestones.c
        suspects = person_entities.join(persons, p.id == e.person_id)
        repeated = (
            select(e.entity_id)
            .select_from(suspects)
            .where(e.run_id == run_id, p.role == "suspect")
            .group_by(e.entity_id)
            .having(func.count(func.distinct(p.report_id)) >= min_reports)
        )
        rows = self._conn.execute(
            select(
                e.entity_id,
                p.id,
                p.forename,
                p.surname,
                p.dob_as_given,
                r.force,
                r.reference,
                r.status,
                r.reported_at,
                m.outcome,
            )
            .select_from(
                suspects.join(reports, r.id == p.report_id).outerjoin(
                    journey_milestones, m.report_id == r.id
                )
            )
            .where(
                e.run_id == run_id,
                p.role == "suspect",
                e.entity_id.in_(repeated),
            )
            .order_by(e.entity_id, r.reported_at, p.id)
        ).all()
        return [SuspectAppearance(*tuple[Any, ...](row)) for row in rows]
