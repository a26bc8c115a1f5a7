"""Person resolution through the service, on SQLite and PostgreSQL: a small synthetic country
with its truth, and records with nothing much in them."""

import csv
import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import case, func, select

from caselink.domain.errors import InvalidRequest, NotFound, NotPermitted
from caselink.services import persons, users
from caselink.services.context import Actor, Context
from caselink.services.importing import Kind, import_file
from caselink.storage.tables import access_log, person_entities, person_runs
from caselink.storage.tables import persons as persons_table
from caselink.synth import generate
from support.sample_files import report, write_persons, write_reports


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, scale=0.02, seed=11)
    return out


@pytest.fixture
def analyst(ctx: Context) -> Actor:
    return users.resolve_actor(ctx, "ann")


def _load(ctx: Context, officer: Actor, country: Path) -> None:
    import_file(ctx, officer, Kind.REPORTS, country / "reports.csv")
    import_file(ctx, officer, Kind.PERSONS, country / "persons.csv")


def test_a_run_on_synthetic_people_is_stored_evaluated_and_readable(
    ctx: Context, officer: Actor, analyst: Actor, inspector: Actor, country: Path, tmp_path: Path
) -> None:
    _load(ctx, officer, country)
    summary = persons.resolve(
        ctx, analyst, truth=country / "truth" / "person_identities.csv", why="test run"
    )
    evaluation = summary.evaluation
    assert evaluation is not None
    # A small country has few repeat appearances; the bar is what it can show reliably.
    assert evaluation["precision"] >= 0.98
    assert evaluation["recall"] >= 0.7
    assert evaluation["cluster_precision"] >= 0.97

    with ctx.db.reader() as uow:
        conn = uow.connection
        person_ids = list(conn.execute(select(persons_table.c.id)).scalars())
        n_persons = len(person_ids)
        entity_of = uow.persons.entities_of(summary.run_id, person_ids)
        n_rows = conn.execute(
            select(func.count())
            .select_from(person_entities)
            .where(person_entities.c.run_id == summary.run_id)
        ).scalar_one()
        model = json.loads(
            conn.execute(
                select(person_runs.c.model).where(person_runs.c.id == summary.run_id)
            ).scalar_one()
        )
        stored = json.loads(
            conn.execute(
                select(person_runs.c.figures).where(person_runs.c.id == summary.run_id)
            ).scalar_one()
        )
        combined = (
            conn.execute(select(access_log.c.action).where(access_log.c.actor == "ann"))
            .scalars()
            .all()
        )
        suspects = uow.persons.suspect_entities()
        again = uow.persons.suspect_entities(summary.run_id)
    assert len(entity_of) == n_persons == summary.figures["records"]
    assert len(set(entity_of.values())) == summary.figures["entities"]
    # only records that share their entity (or have a probability) need a row of their own
    sizes = Counter(entity_of.values())
    assert sum(n for n in sizes.values() if n > 1) <= n_rows < n_persons
    assert {c["output_column_name"] for c in model["comparisons"]} >= {
        "forename",
        "surname",
        "dob",
        "identifiers",
    }
    assert 0 < model["probability_two_random_records_match"] < 1
    assert stored["evaluation"]["precision"] == evaluation["precision"]
    assert combined == ["combine"]

    assert suspects.schema.field("report_id").type == pa.int64()
    assert suspects.schema.field("entity_id").type == pa.string()
    assert suspects.equals(again)
    entity_reports: dict[str, set[int]] = {}
    for rid, eid in zip(
        suspects["report_id"].to_pylist(), suspects["entity_id"].to_pylist(), strict=True
    ):
        entity_reports.setdefault(eid, set()).add(rid)
    serial = [e for e, rs in entity_reports.items() if len(rs) > 1]
    assert serial, "some suspect is named in more than one report"

    view = persons.show(ctx, analyst, serial[0], why="series check")
    assert {r.role for r in view.records} >= {"suspect"}
    assert len({(r.force, r.reference) for r in view.records}) > 1
    assert all(r.status for r in view.records)

    assert summary.figures["complainant_and_suspect"] > 0
    with ctx.db.reader() as uow:
        pe, pt = person_entities.c, persons_table.c
        both = uow.connection.execute(
            select(pe.entity_id)
            .select_from(person_entities.join(persons_table, pt.id == pe.person_id))
            .where(pe.run_id == summary.run_id)
            .group_by(pe.entity_id)
            .having(func.count(func.distinct(pt.role)) > 1)
            .having(func.sum(case((pt.role == "complainant", 1), else_=0)) > 0)
            .having(func.sum(case((pt.role == "suspect", 1), else_=0)) > 0)
            .limit(1)
        ).scalar_one()
    flagged = persons.show(ctx, analyst, both, why="both roles")
    assert flagged.several_roles
    assert {"complainant", "suspect"} <= set(flagged.roles)
    hidden = persons.show(ctx, inspector, both, why="inspection")
    assert hidden.withheld
    assert all(r.surname is None for r in hidden.records)

    out = persons.export(ctx, analyst, tmp_path / "entities.csv", why="analysis")
    with (tmp_path / "entities.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert out.records == len(rows) == n_persons
    assert list(rows[0]) == list(persons.EXPORT_COLUMNS)
    with pytest.raises(NotPermitted):
        persons.export(ctx, inspector, tmp_path / "no.csv", why="curious")
    assert not (tmp_path / "no.csv").exists()


def _tiny(ctx: Context, officer: Actor, tmp_path: Path) -> None:
    write_reports(tmp_path / "r.csv", [report(f"K{i}") for i in range(1, 5)])
    write_persons(
        tmp_path / "p.csv",
        [
            {
                "reference": "K1",
                "force": "Kent",
                "role": "complainant",
                "source_id": "S1",
                "forename": "Alice",
                "surname": "Moreton",
                "date_of_birth": "1990-05-17",
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
                "identifier": "18/123456A",
            },
            {
                "reference": "K2",
                "force": "Kent",
                "role": "suspect",
                "source_id": "S3",
                "forename": "Alice",
                "surname": "Moreton",
                "date_of_birth": "17/05/1990",
                "postcode": "ME141XX",
                "phone": "+447700900123",
            },
            {"reference": "K2", "force": "Kent", "role": "complainant", "source_id": "S4"},
            {
                "reference": "K3",
                "force": "Kent",
                "role": "witness",
                "source_id": "S5",
                "surname": "Quill",
            },
            {
                "reference": "K3",
                "force": "Kent",
                "role": "other",
                "source_id": "S6",
                "forename": "?",
                "surname": " ",
                "date_of_birth": "the 80s",
            },
            {
                "reference": "K4",
                "force": "Kent",
                "role": "suspect",
                "source_id": "S7",
                "forename": "Bob",
                "surname": "Quill",
                "date_of_birth": "2.1.80",
                "identifier": "18/123456A",
            },
        ],
    )
    import_file(ctx, officer, Kind.REPORTS, tmp_path / "r.csv")
    import_file(ctx, officer, Kind.PERSONS, tmp_path / "p.csv")


def test_bad_and_empty_records_never_fail_a_run(
    ctx: Context, officer: Actor, analyst: Actor, inspector: Actor, tmp_path: Path
) -> None:
    _tiny(ctx, officer, tmp_path)
    summary = persons.resolve(ctx, analyst, threshold=0.5)
    f = summary.figures
    assert f["records"] == 7
    assert f["unresolvable"] == 2  # nothing at all, and nothing readable
    assert f["thin"] == 1  # a surname alone
    assert f["dob_unreadable"] == 1
    assert f["entities"] == 7  # too few records to learn from: every one stands alone
    with ctx.db.reader() as uow:
        n = uow.connection.execute(
            select(func.count())
            .select_from(person_entities)
            .where(person_entities.c.run_id == summary.run_id)
        ).scalar_one()
        ids = list(uow.connection.execute(select(persons_table.c.id)).scalars())
        entity_of = uow.persons.entities_of(summary.run_id, ids)
    assert n == 0  # the run's range of ids says it all
    assert entity_of == {i: f"P{i}" for i in ids}


def test_show_logs_the_consultation_and_hides_a_complainant_from_inspectors(
    ctx: Context, officer: Actor, analyst: Actor, inspector: Actor, tmp_path: Path
) -> None:
    _tiny(ctx, officer, tmp_path)
    with pytest.raises(NotFound):
        persons.show(ctx, analyst, "P1", why="before any run")
    run = persons.resolve(ctx, analyst)
    with ctx.db.reader() as uow:
        person_id = uow.connection.execute(select(func.min(persons_table.c.id))).scalar_one()
        entity = uow.persons.entities_of(run.run_id, [person_id])[person_id]
    full = persons.show(ctx, officer, entity, why="enquiry 42")
    assert full.records[0].forename == "Alice"
    assert not full.withheld
    hidden = persons.show(ctx, inspector, entity, why="inspection")
    assert hidden.withheld
    assert all(r.forename is None and r.dob_as_given is None for r in hidden.records)
    # her complainant record is not shown at all: its report would say who she is
    assert hidden.records == []
    assert hidden.not_shown == len(full.records) == 1
    with ctx.db.reader() as uow:
        log = uow.connection.execute(
            select(access_log.c.actor, access_log.c.action, access_log.c.justification).where(
                access_log.c.action == "consult"
            )
        ).all()
    assert ("olive", "consult", "enquiry 42") in log
    assert ("ian", "consult", "inspection") in log
    with pytest.raises(NotPermitted):
        persons.show(ctx, users.resolve_actor(ctx, "ada"), entity, why="admin")
    with pytest.raises(NotFound):
        persons.show(ctx, analyst, "P999999", why="missing")
    assert person_id > 0


def test_labels_are_matched_to_records_by_source_id(
    ctx: Context, officer: Actor, analyst: Actor, tmp_path: Path
) -> None:
    _tiny(ctx, officer, tmp_path)
    labels = tmp_path / "labels.csv"
    # two known records, one unknown source id, one row without a label
    labels.write_text("source_id,label\nS5,NA\nS7,NA\nS99,y\nS4,\n", encoding="utf-8")
    summary = persons.resolve(ctx, analyst, labels=labels)
    assert summary.figures["labelled"] == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("source_id,name\nS5,x\n", "needs the columns"),
        ("", "needs the columns"),
        ("source_id,label\nS5,x,extra\n", "could not be read"),
    ],
)
def test_a_bad_labels_file_is_refused_before_the_run(
    ctx: Context, officer: Actor, analyst: Actor, tmp_path: Path, text: str, message: str
) -> None:
    _tiny(ctx, officer, tmp_path)
    labels = tmp_path / "labels.csv"
    labels.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidRequest, match=message):
        persons.resolve(ctx, analyst, labels=labels)
    assert persons.latest_run(ctx) is None
