"""A person who is the complainant in one report and a suspect in another, for the tests of
complainant anonymity: K1 records Alice Moreton as its complainant; K2 records her, written
differently, as its suspect, beside its own complainant and a witness (Robert Quill, K1's
suspect). A person resolution run can be stored that puts records together as the tests say.
"""

from pathlib import Path

import pyarrow as pa
from sqlalchemy import select

from caselink.domain.roles import Role
from caselink.services.context import Actor, Context
from caselink.services.importing import Kind, import_file
from caselink.storage.tables import persons
from support.sample_files import PERSON_HEADER, report, write_csv, write_reports

# Every identifying value of hers, as either record gives it: none may reach an inspector.
ALICE = (
    "Alice",
    "Ally",
    "Moreton",
    "Ally Mo",
    "1990-05-17",
    "17/05/1990",
    "ME14 1XX",
    "ME141XX",
    "Orchard",
    "07700 900123",
    "+447700900123",
)

PERSONS = [
    {
        "reference": "K1",
        "force": "Kent",
        "role": "complainant",
        "source_id": "S1",
        "forename": "Alice",
        "surname": "Moreton",
        "date_of_birth": "1990-05-17",
        "address": "12 Orchard Lane, Maidstone",
        "postcode": "ME14 1XX",
        "phone": "07700 900123",
    },
    {
        "reference": "K1",
        "force": "Kent",
        "role": "suspect",
        "source_id": "S2",
        "forename": "Robert",
        "surname": "Quill",
        "date_of_birth": "1980-01-02",
    },
    {
        "reference": "K2",
        "force": "Kent",
        "role": "complainant",
        "source_id": "S3",
        "forename": "Dana",
        "surname": "Pryce",
    },
    {
        "reference": "K2",
        "force": "Kent",
        "role": "suspect",
        "source_id": "S4",
        "forename": "Ally",
        "surname": "Moreton",
        "aliases": "Ally Mo",
        "date_of_birth": "17/05/1990",
        "address": "12 Orchard Ln",
        "postcode": "ME141XX",
        "phone": "+447700900123",
    },
    {
        "reference": "K2",
        "force": "Kent",
        "role": "witness",
        "source_id": "S5",
        "forename": "Robert",
        "surname": "Quill",
        "date_of_birth": "1980-01-02",
    },
]


def record(ctx: Context, tmp_path: Path, extra: list[dict[str, str]] | None = None) -> None:
    """Import K1 and K2 with their persons (and ``extra`` person rows)."""
    officer = Actor("olive", Role.OFFICER)
    reports = write_reports(tmp_path / "k_reports.csv", [report("K1"), report("K2")])
    people = write_csv(
        tmp_path / "k_persons.csv", (*PERSON_HEADER, "aliases"), [*PERSONS, *(extra or [])]
    )
    import_file(ctx, officer, Kind.REPORTS, reports)
    import_file(ctx, officer, Kind.PERSONS, people)


def person_run(ctx: Context, *groups: tuple[str, ...]) -> dict[str, str]:
    """Store a person resolution run in which each group of source ids is one entity and every
    other record stands alone; returns each source id's entity."""
    with ctx.db.unit_of_work() as uow:
        ids = dict(uow.connection.execute(select(persons.c.source_id, persons.c.id)).all())
        entity = {s: f"P{ids[s]}" for s in ids}
        for group in groups:
            for s in group:
                entity[s] = f"P{min(ids[g] for g in group)}"
        uow.persons.save_run(
            created_at=ctx.clock(),
            created_by="ann",
            threshold=0.95,
            model={},
            figures={"records": len(ids)},
            entities=pa.table(
                {
                    "person_id": pa.array([ids[s] for s in ids], pa.int64()),
                    "entity_id": pa.array([entity[s] for s in ids], pa.string()),
                    "match_probability": pa.array(
                        [0.99 if any(s in g for g in groups) else None for s in ids],
                        pa.float64(),
                    ),
                }
            ),
        )
        uow.commit()
    return entity
