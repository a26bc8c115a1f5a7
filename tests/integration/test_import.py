"""Importing files on SQLite and PostgreSQL: all or nothing, rejects, idempotence, persons,
labels.
"""

import csv
from pathlib import Path

import pytest

from caselink.domain.errors import NotPermitted
from caselink.services import users
from caselink.services.context import Actor, Context
from caselink.services.importing import Format, ImportRefused, Kind, import_file
from caselink.storage import queries
from support.sample_files import report, write_csv, write_persons, write_reports


def snapshot(ctx: Context) -> dict[str, object]:
    with ctx.db.reader() as uow:
        return queries.stats(uow.connection).to_dict()


def test_import_then_again_changes_nothing(ctx: Context, officer: Actor, tmp_path: Path) -> None:
    path = write_reports(tmp_path / "reports.csv", [report(f"K{i}") for i in range(7)])
    first = import_file(ctx, officer, Kind.REPORTS, path, batch_size=3)
    assert first.to_dict() == {"imported": 7, "unchanged": 0, "skipped": {}, "rejected": 0}
    before = snapshot(ctx)
    again = import_file(ctx, officer, Kind.REPORTS, path, batch_size=3)
    assert again.to_dict() == {"imported": 0, "unchanged": 7, "skipped": {}, "rejected": 0}
    assert snapshot(ctx) == before
    with ctx.db.reader() as uow:
        assert uow.events.verify().intact
        assert uow.reports.get("Kent", "K3").offence_code == "19C"


def test_any_invalid_row_refuses_the_whole_file(
    ctx: Context, officer: Actor, tmp_path: Path
) -> None:
    rows = [report(f"K{i}") for i in range(10)]
    rows[7]["force"] = "Gotham"
    rows[8]["reported_at"] = "soon"
    path = write_reports(tmp_path / "reports.csv", rows)
    before = snapshot(ctx)
    with pytest.raises(ImportRefused) as caught:
        import_file(ctx, officer, Kind.REPORTS, path, batch_size=4)
    assert caught.value.total == 2
    assert [(e.line, e.column) for e in caught.value.errors] == [(9, "force"), (10, "reported_at")]
    assert snapshot(ctx) == before  # nothing written: not the rows before the bad ones either


def test_skip_invalid_imports_the_rest_and_writes_rejects(
    ctx: Context, officer: Actor, tmp_path: Path
) -> None:
    rows = [report(f"K{i}") for i in range(5)]
    rows[2]["latitude"] = "north"
    path = write_reports(tmp_path / "reports.csv", rows)
    rejects = tmp_path / "rejects.csv"
    summary = import_file(ctx, officer, Kind.REPORTS, path, skip_invalid=True, rejects=rejects)
    assert (summary.imported, summary.rejected) == (4, 1)
    with rejects.open() as handle:
        [rejected] = list(csv.DictReader(handle))
    assert rejected["reference"] == "K2"
    assert rejected["rejected_line"] == "4"
    assert "latitude" in rejected["rejected_reasons"]


def test_same_key_with_other_content_is_refused(
    ctx: Context, officer: Actor, tmp_path: Path
) -> None:
    import_file(ctx, officer, Kind.REPORTS, write_reports(tmp_path / "a.csv", [report("K1")]))
    changed = write_reports(tmp_path / "b.csv", [report("K1", narrative="another account")])
    with pytest.raises(ImportRefused, match="1 invalid") as caught:
        import_file(ctx, officer, Kind.REPORTS, changed)
    assert "already recorded with other content" in caught.value.errors[0].reason
    twice = write_reports(tmp_path / "c.csv", [report("K5"), report("K5", narrative="other")])
    with pytest.raises(ImportRefused) as caught:
        import_file(ctx, officer, Kind.REPORTS, twice)
    assert "appears again" in caught.value.errors[0].reason


def test_persons_and_offender_labels(ctx: Context, officer: Actor, tmp_path: Path) -> None:
    import_file(
        ctx, officer, Kind.REPORTS, write_reports(tmp_path / "r.csv", [report("K1"), report("K2")])
    )
    persons = write_persons(
        tmp_path / "p.csv",
        [
            {
                "reference": "K1",
                "force": "Kent",
                "role": "complainant",
                "source_id": "P1",
                "forename": "Jane",
            },
            {
                "reference": "K1",
                "force": "Kent",
                "role": "suspect",
                "forename": "John",
                "date_of_birth": "07/03/1984",
            },
        ],
    )
    assert import_file(ctx, officer, Kind.PERSONS, persons).imported == 2
    assert import_file(ctx, officer, Kind.PERSONS, persons).unchanged == 2
    orphan = write_persons(
        tmp_path / "q.csv", [{"reference": "K9", "force": "Kent", "role": "suspect"}]
    )
    with pytest.raises(ImportRefused) as caught:
        import_file(ctx, officer, Kind.PERSONS, orphan)
    assert "no report Kent K9" in caught.value.errors[0].reason
    labels = write_csv(
        tmp_path / "o.csv",
        ["offender_id", "reference", "force"],
        [
            {"offender_id": "X1", "reference": "K1", "force": "Kent"},
            {"offender_id": "X1", "reference": "K2", "force": "Kent"},
        ],
    )
    assert import_file(ctx, officer, Kind.OFFENDERS, labels).imported == 2
    unknown = write_csv(
        tmp_path / "u.csv",
        ["offender_id", "reference", "force"],
        [{"offender_id": "X1", "reference": "NOPE", "force": "Kent"}],
    )
    with pytest.raises(ImportRefused, match="1 invalid"):
        import_file(ctx, officer, Kind.OFFENDERS, unknown)
    with ctx.db.reader() as uow:
        k1 = uow.reports.get("Kent", "K1")
        assert [p.forename for p in k1.persons] == ["Jane", "John"]
        assert k1.persons[1].date_of_birth.as_given == "07/03/1984"
        assert uow.events.verify().events == 2 + 2 + 2


def test_police_uk_and_jsonl_formats(ctx: Context, officer: Actor, tmp_path: Path) -> None:
    header = [
        "Crime ID",
        "Month",
        "Reported by",
        "Falls within",
        "Longitude",
        "Latitude",
        "Location",
        "LSOA code",
        "LSOA name",
        "Crime type",
        "Last outcome category",
        "Context",
    ]
    rows = [
        {
            "Crime ID": "a1",
            "Month": "2024-03",
            "Reported by": "Kent Police",
            "Longitude": "0.5",
            "Latitude": "51.2",
            "Crime type": "Violence and sexual offences",
        },
        {
            "Crime ID": "",
            "Month": "2024-03",
            "Reported by": "Kent Police",
            "Crime type": "Anti-social behaviour",
        },
        {
            "Crime ID": "a2",
            "Month": "2024-03",
            "Reported by": "Kent Police",
            "Crime type": "Robbery",
        },
    ]
    path = write_csv(tmp_path / "street.csv", header, rows)
    summary = import_file(ctx, officer, Kind.REPORTS, path, Format.POLICE_UK)
    assert summary.to_dict() == {
        "imported": 2,
        "unchanged": 0,
        "skipped": {"no_crime_id": 1},
        "rejected": 0,
        "without_location": 1,
    }


def test_only_recording_roles_import(ctx: Context, tmp_path: Path) -> None:
    analyst = users.resolve_actor(ctx, "ann")
    with pytest.raises(NotPermitted):
        import_file(ctx, analyst, Kind.REPORTS, write_reports(tmp_path / "r.csv", [report("K1")]))


def test_parsing_in_worker_processes_gives_the_same_result(
    ctx: Context, officer: Actor, tmp_path: Path
) -> None:
    rows = [report(f"W{i}", latitude=f"51.{i:03d}") for i in range(40)]
    rows[13]["mo.approach"] = "teleport"
    path = write_reports(tmp_path / "r.csv", rows)
    rejects = tmp_path / "rej.csv"
    summary = import_file(
        ctx,
        officer,
        Kind.REPORTS,
        path,
        workers=2,
        parallel_from_bytes=0,
        batch_size=7,
        skip_invalid=True,
        rejects=rejects,
    )
    assert (summary.imported, summary.rejected) == (39, 1)
    with ctx.db.reader() as uow:
        assert uow.reports.get("Kent", "W39").location.latitude == pytest.approx(51.039)
        assert uow.events.verify().intact
