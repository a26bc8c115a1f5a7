"""Screening write-offs: flags from the record's findings and from linkage and person resolution,
their weights, and the comparison with a random audit, on SQLite and PostgreSQL."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from caselink.domain.roles import Role
from caselink.integrity import screening_at
from caselink.services.context import Actor, Context
from caselink.services.importing import Kind, import_file
from caselink.services.integrity.screening import WEIGHTS, screen
from caselink.storage.tables import (
    link_runs,
    link_series,
    person_entities,
    person_runs,
    persons,
    reports,
)
from support.sample_files import report, write_csv, write_persons, write_reports

AT = datetime(2024, 5, 1, tzinfo=UTC)
INFORMED = "2024-03-20T10:00:00"
CANCELLED = {"status": "cancelled", "cancellation_code": "C2", "complainant_informed_at": INFORMED}


@pytest.fixture
def write_offs(ctx: Context, tmp_path: Path) -> Context:
    rows = [
        # invalid grounds and no evidence, authorised and told
        report(
            "K1",
            **CANCELLED,
            cancellation_rationale="victim withdrew support",
            cancellation_evidence="none",
            cancellation_authorised_by="KEN-FCR01",
        ),
        # a proper cancellation: no flag of its own
        report(
            "K2",
            **CANCELLED,
            cancellation_rationale="CCTV places the named man in another city at the time",
            cancellation_evidence="CCTV footage reference 4411",
            cancellation_authorised_by="KEN-FCR01",
        ),
        # awaiting a registrar's authorisation
        report(
            "K3",
            **CANCELLED,
            cancellation_rationale="CCTV shows no contact between them",
            cancellation_evidence="CCTV footage reference 4412",
        ),
        # an N100 resting on a ground that is no ground
        report("K4", offence_code="", status="n100", recording_rationale="insufficient evidence"),
        report("K5"),  # a recorded crime: not a write-off
    ]
    registrar = Actor("rita", Role.REGISTRAR)
    import_file(ctx, registrar, Kind.REPORTS, write_reports(tmp_path / "r.csv", rows))
    suspects = [
        {"reference": ref, "force": "Kent", "role": "suspect", "surname": "Stone"}
        for ref in ("K2", "K5")
    ]
    import_file(ctx, registrar, Kind.PERSONS, write_persons(tmp_path / "p.csv", suspects))
    return ctx


def _flags(result: object) -> dict[str, list[str]]:
    return {i.reference: [f.rule for f in i.flags] for i in result.items}  # type: ignore[attr-defined]


def test_flags_cite_their_rules_and_scores_are_the_weights(
    write_offs: Context, inspector: Actor
) -> None:
    result = screen(write_offs, inspector)
    assert result.total == 4  # K5 is no write-off
    flags = _flags(result)
    assert flags == {"K1": ["CAN-1", "CAN-2"], "K4": ["CAN-2"], "K3": ["CAN-3"], "K2": []}
    scores = {i.reference: i.score for i in result.items}
    assert scores["K1"] == WEIGHTS["CAN-1"] + WEIGHTS["CAN-2"]
    assert [i.reference for i in result.items] == ["K1", "K4", "K3", "K2"]
    assert next(i for i in result.items if i.reference == "K3").pending
    assert all(f.citation for i in result.items for f in i.flags)


def test_links_and_named_suspects_raise_flags_once_their_runs_exist(
    write_offs: Context, inspector: Actor
) -> None:
    assert _flags(screen(write_offs, inspector))["K2"] == []  # empty tables: no such flags
    with write_offs.db.unit_of_work() as uow:
        conn = uow.connection
        ids = dict(conn.execute(select(reports.c.reference, reports.c.id)).all())
        suspect_ids = [
            r.id
            for r in conn.execute(
                select(persons.c.id).where(persons.c.role == "suspect").order_by(persons.c.id)
            )
        ]
        for kind in ("run", "train"):
            conn.execute(
                insert(link_runs).values(
                    kind=kind, created_at=AT, created_by="ann", settings="{}", figures="{}"
                )
            )
        run_id = conn.execute(select(link_runs.c.id).where(link_runs.c.kind == "run")).scalar()
        conn.execute(
            insert(link_series),
            [{"run_id": run_id, "series_id": 1, "report_id": ids[r]} for r in ("K2", "K5")]
            + [{"run_id": run_id, "series_id": 2, "report_id": ids["K3"]}],  # a series of one
        )
        conn.execute(
            insert(person_runs).values(
                created_at=AT, created_by="ann", threshold=0.9, model="{}", figures="{}"
            )
        )
        person_run = conn.execute(select(person_runs.c.id)).scalar()
        conn.execute(
            insert(person_entities),
            [{"run_id": person_run, "person_id": p, "entity_id": "E1"} for p in suspect_ids],
        )
        uow.commit()
    result = screen(write_offs, inspector)
    flags = _flags(result)
    assert flags["K2"] == ["LNK-1", "LNK-2"]
    assert flags["K3"] == ["CAN-3"]  # a series of one is no series
    k2 = next(i for i in result.items if i.reference == "K2")
    assert "1 other report" in k2.flags[0].message
    assert "series of 2" in k2.flags[1].message


def test_the_screen_against_known_answers_and_a_random_audit(
    write_offs: Context, inspector: Actor, tmp_path: Path
) -> None:
    truth = write_csv(
        tmp_path / "truth.csv",
        ("reference", "force", "valid"),
        [
            {"reference": "K1", "force": "Kent", "valid": "false"},
            {"reference": "K2", "force": "Kent", "valid": "true"},
            {"reference": "K3", "force": "Kent", "valid": "true"},
            {"reference": "K4", "force": "Kent", "valid": "false"},
        ],
    )
    result = screen(write_offs, inspector, truth=truth, at=(1, 2, 10))
    assert result.truth is not None
    assert (result.truth.matched, result.truth.wrong, result.truth.unmatched) == (4, 2, 0)
    scores = [6.0, 0.0, 0.5, 3.0]
    labels = [True, False, False, True]
    assert list(result.truth.at) == [screening_at(scores, labels, n) for n in (1, 2, 4)]
    at2 = result.truth.at[1]
    assert at2.ranked.precision == 1.0
    assert at2.ranked.recall == 1.0
    assert at2.random.precision == 0.5
