"""Person resolution runs and their entities: reading person records out, writing results in.

``PersonStore`` (``uow.persons``): person records leave as one Arrow table (what
``caselink.linkage.persons.resolution`` reads); a run comes back as a ``person_runs`` row (the
trained model and figures as JSON) and one ``person_entities`` row per person record. Reads for
the rest of the system — which reports name the same suspect — are here too
(``suspect_entities``).
"""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, func, insert, select

from caselink.storage.arrow_reads import read_arrow
from caselink.storage.bulk import BulkWriter
from caselink.storage.tables import person_entities, person_runs, persons, reports

PERSON_RECORD_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("report_id", pa.int64()),
        ("role", pa.string()),
        ("source_id", pa.string()),
        ("forename", pa.string()),
        ("surname", pa.string()),
        ("aliases", pa.string()),
        ("dob_as_given", pa.string()),
        ("dob", pa.date32()),
        ("address", pa.string()),
        ("postcode", pa.string()),
        ("phone", pa.string()),
        ("identifiers", pa.string()),
        ("force", pa.string()),
    ]
)
SUSPECT_ENTITY_SCHEMA = pa.schema([("report_id", pa.int64()), ("entity_id", pa.string())])
_BATCH = 100_000


@dataclass(frozen=True, slots=True)
class PersonRun:
    id: int
    created_at: datetime
    created_by: str
    threshold: float
    figures: dict[str, Any]


def _run(row: Any) -> PersonRun:
    return PersonRun(
        int(row.id), row.created_at, row.created_by, float(row.threshold), json.loads(row.figures)
    )


@dataclass(frozen=True, slots=True)
class EntityRecord:
    """One person record of an entity, with the report it is in."""

    person_id: int
    source_id: str | None
    role: str
    forename: str | None
    surname: str | None
    dob_as_given: str | None
    dob: date | None
    address: str | None
    postcode: str | None
    phone: str | None
    identifiers: str | None
    aliases: str | None
    match_probability: float | None
    force: str
    reference: str
    status: str
    reported_at: datetime


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
        ``match_probability``); returns the run's id."""
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
        columns = ("run_id", "person_id", "entity_id", "match_probability")
        # In person order, SQLite appends to the person index instead of splitting its pages at
        # random: a million rows shuffled took twice as long to write.
        ordered = entities.select(["person_id", "entity_id", "match_probability"]).sort_by(
            "person_id"
        )
        for batch in ordered.to_batches(_BATCH):
            ids, names, probs = (batch.column(i).to_pylist() for i in range(3))
            writer.insert_ready(
                person_entities,
                columns,
                [(run_id, i, e, p) for i, e, p in zip(ids, names, probs, strict=True)],
            )
        return run_id

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
            rows = self._conn.execute(
                select(persons.c.report_id, person_entities.c.entity_id)
                .select_from(
                    person_entities.join(persons, persons.c.id == person_entities.c.person_id)
                )
                .where(person_entities.c.run_id == run_id, persons.c.role == "suspect")
                .order_by(persons.c.report_id, person_entities.c.entity_id)
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
        found = self._conn.execute(
            select(
                person_entities.c.person_id, person_entities.c.entity_id, person_entities.c.run_id
            ).where(person_entities.c.person_id.in_(list(suspects)))
        ).all()
        return sorted((suspects[person], entity) for person, entity, run in found if run == run_id)

    def entity_records(self, run_id: int, entity_id: str) -> list[EntityRecord]:
        """Every record of one entity in one run, with its report's force, reference and status."""
        p, r, e = persons.c, reports.c, person_entities.c
        rows = self._conn.execute(
            select(
                p.id,
                p.source_id,
                p.role,
                p.forename,
                p.surname,
                p.dob_as_given,
                p.dob,
                p.address,
                p.postcode,
                p.phone,
                p.identifiers,
                p.aliases,
                e.match_probability,
                r.force,
                r.reference,
                r.status,
                r.reported_at,
            )
            .select_from(
                person_entities.join(persons, persons.c.id == e.person_id).join(
                    reports, reports.c.id == p.report_id
                )
            )
            .where(e.run_id == run_id, e.entity_id == entity_id)
            .order_by(r.reported_at, p.id)
        ).all()
        return [EntityRecord(*tuple[Any, ...](row)) for row in rows]

    def export_rows(
        self, run_id: int
    ) -> Iterator[tuple[str | None, str, str, str, str, float | None]]:
        """(source_id, force, reference, role, entity_id, match_probability) for every record."""
        p, r, e = persons.c, reports.c, person_entities.c
        result = self._conn.execute(
            select(p.source_id, r.force, r.reference, p.role, e.entity_id, e.match_probability)
            .select_from(
                person_entities.join(persons, persons.c.id == e.person_id).join(
                    reports, reports.c.id == p.report_id
                )
            )
            .where(e.run_id == run_id)
            .order_by(e.entity_id, p.id)
            .execution_options(yield_per=10_000)
        )
        for row in result:
            yield row[0], row[1], row[2], row[3], row[4], row[5]
