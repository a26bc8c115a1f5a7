"""A person run stores rows only for records that did not stand alone, and its ranges of ids;
every read gives the same answers as if each record had its row. Both databases, and the
migration that adds the ranges to runs stored before them."""

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from alembic import command
from sqlalchemy import func, insert, select

from caselink.services.context import Actor, Context
from caselink.services.importing import Kind, import_file
from caselink.storage import schema
from caselink.storage.report_queries import entity_members, persons_of_reports
from caselink.storage.tables import person_entities, person_run_records, person_runs
from caselink.storage.tables import persons as persons_table
from support.sample_files import report, write_persons, write_reports

AT = datetime(2026, 12, 7, 12, tzinfo=UTC)


def _person(reference: str, role: str, forename: str, surname: str) -> dict[str, str]:
    return {
        "reference": reference,
        "force": "Kent",
        "role": role,
        "forename": forename,
        "surname": surname,
        "date_of_birth": "1980-01-02",
    }


def _store(ctx: Context, officer: Actor, tmp_path: Path) -> list[int]:
    write_reports(tmp_path / "r.csv", [report(f"K{i}") for i in range(1, 6)])
    write_persons(
        tmp_path / "p.csv",
        [
            _person("K1", "suspect", "Robert", "Quill"),  # with K2's suspect: one entity
            _person("K2", "suspect", "Rob", "Quill"),
            _person("K3", "suspect", "Adam", "Stone"),  # alone
            _person("K3", "complainant", "Jane", "Marsh"),  # alone, with a probability
            _person("K4", "witness", "Jane", "Marsh"),  # kept apart from her by the run
            _person("K5", "suspect", "Carl", "Vane"),  # alone, in an entity named otherwise
        ],
    )
    import_file(ctx, officer, Kind.REPORTS, tmp_path / "r.csv")
    import_file(ctx, officer, Kind.PERSONS, tmp_path / "p.csv")
    with ctx.db.reader() as uow:
        return list(
            uow.connection.execute(select(persons_table.c.id).order_by(persons_table.c.id))
            .scalars()
            .all()
        )


def _save(ctx: Context, entities: dict[int, tuple[str, float | None]]) -> int:
    table = pa.table(
        {
            "person_id": pa.array(list(entities), pa.int64()),
            "entity_id": pa.array([e for e, _ in entities.values()], pa.string()),
            "match_probability": pa.array([p for _, p in entities.values()], pa.float64()),
        }
    )
    with ctx.db.unit_of_work() as uow:
        run = uow.persons.save_run(
            created_at=AT, created_by="ann", threshold=0.9, model={}, figures={}, entities=table
        )
        uow.commit()
    return int(run)


def test_records_alone_are_read_back_without_rows_of_their_own(
    ctx: Context, officer: Actor, tmp_path: Path
) -> None:
    q1, q2, stone, marsh, witness, vane = _store(ctx, officer, tmp_path)
    expected = {
        q1: (f"P{q1}", 0.98),
        q2: (f"P{q1}", 0.98),
        stone: (f"P{stone}", None),
        marsh: (f"P{marsh}", 0.4),
        witness: (f"P{witness}", None),
        vane: ("V1", None),
    }
    run = _save(ctx, expected)
    # A record recorded after the run read: not covered.
    write_persons(tmp_path / "late.csv", [_person("K4", "suspect", "Jane", "Marsh")])
    import_file(ctx, officer, Kind.PERSONS, tmp_path / "late.csv")

    with ctx.db.reader() as uow:
        conn = uow.connection
        stored = dict(
            conn.execute(
                select(person_entities.c.person_id, person_entities.c.entity_id).where(
                    person_entities.c.run_id == run
                )
            ).all()
        )
        late = conn.execute(select(func.max(persons_table.c.id))).scalar_one()
        entity_of = uow.persons.entities_of(run, [q1, q2, stone, marsh, witness, vane, late])
        suspects = uow.persons.suspect_entities(run)
        some = uow.persons.suspect_entities(run, report_ids=[suspects["report_id"][2].as_py()])
        exported = list(uow.persons.export_rows(run))
        alone = uow.persons.entity_records(run, f"P{stone}")
        uncovered = uow.persons.entity_records(run, f"P{late}")
        shown = persons_of_reports(
            conn, list(conn.execute(select(persons_table.c.report_id)).scalars()), run
        )
        members = entity_members(conn, run, f"P{witness}")
        withheld = uow.persons.complainants_among([witness, late])

    assert stored == {q1: f"P{q1}", q2: f"P{q1}", marsh: f"P{marsh}", vane: "V1"}
    assert entity_of == {pid: e for pid, (e, _) in expected.items()}  # the late one is not covered
    assert suspects.to_pydict()["entity_id"] == [f"P{q1}", f"P{q1}", f"P{stone}", "V1"]
    assert some.to_pydict()["entity_id"] == [f"P{stone}"]
    assert Counter((e, p) for *_, e, p in exported) == Counter(expected.values())
    assert [(r.person_id, r.match_probability) for r in alone] == [(stone, None)]
    assert uncovered == []
    by_id = {row.id: (row.entity_id, row.match_probability) for row in shown}
    assert by_id == {**expected, late: (None, None)}
    assert [m.id for m in members] == [witness]
    # The run compared the witness with the complainant and kept them apart; the late record
    # it never saw is taken for her on name and date of birth.
    assert withheld == {late}


def test_runs_stored_before_the_ranges_get_them_and_get_rows_back_going_down(
    ctx: Context, officer: Actor, tmp_path: Path
) -> None:
    ids = _store(ctx, officer, tmp_path)
    engine = ctx.db.engine
    config = schema._config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0007")
        old = conn.execute(
            insert(person_runs).values(
                created_at=AT, created_by="ann", threshold=0.9, model="{}", figures="{}"
            )
        ).inserted_primary_key[0]
        # 0007 stored a row for every record a run read; this run read all but the fourth
        conn.execute(
            insert(person_entities),
            [
                {"run_id": old, "person_id": i, "entity_id": f"P{i}", "match_probability": None}
                for n, i in enumerate(ids)
                if n != 3
            ],
        )
        command.upgrade(config, "head")
        ranges = conn.execute(
            select(person_run_records.c.first_id, person_run_records.c.last_id)
            .where(person_run_records.c.run_id == old)
            .order_by(person_run_records.c.first_id)
        ).all()
    assert [tuple(r) for r in ranges] == [(ids[0], ids[2]), (ids[4], ids[5])]

    new = _save(ctx, {i: (f"P{i}", None) for i in ids})
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        assert (
            conn.execute(select(func.count()).where(person_entities.c.run_id == new)).scalar_one()
            == 0
        )
        command.downgrade(config, "0007")
        restored = conn.execute(
            select(person_entities.c.person_id, person_entities.c.entity_id)
            .where(person_entities.c.run_id == new)
            .order_by(person_entities.c.person_id)
        ).all()
        command.upgrade(config, "head")
    assert [tuple(r) for r in restored] == [(i, f"P{i}") for i in ids]
