"""`caselink persons` end to end through its Typer app, on both databases."""

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caselink.bootstrap import App
from caselink.cli.persons import persons_app
from caselink.services.importing import Kind, import_file
from caselink.services.users import resolve_actor
from caselink.synth import generate

runner = CliRunner()


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, scale=0.01, seed=3)
    return out


@pytest.fixture
def cli(app: App, database: str, country: Path):  # type: ignore[no-untyped-def]
    ctx = app.context
    olive = resolve_actor(ctx, "olive")
    import_file(ctx, olive, Kind.REPORTS, country / "reports.csv")
    import_file(ctx, olive, Kind.PERSONS, country / "persons.csv")

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(persons_app, list(args), env={"CASELINK_DATABASE_URL": database})
        return result.exit_code, result.output

    return run


def test_resolve_show_and_export(cli, country: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    truth = country / "truth" / "person_identities.csv"
    code, out = cli("resolve", "--truth", str(truth), "--user", "ann", "--json")
    assert code == 0, out
    doc = json.loads(out)
    # the threshold is chosen so the model expects the links to be 99.9% precise
    assert 0.5 <= doc["threshold"] < 1.0
    assert doc["figures"]["target_precision"] == 0.999
    assert doc["figures"]["expected_precision"] >= 0.999
    assert "precision_interval" in doc["evaluation"]
    assert doc["evaluation"]["precision"] >= 0.97
    assert {"records", "entities", "unresolvable", "complainant_and_suspect"} <= set(doc["figures"])

    code, out = cli("resolve", "--threshold", "0.99", "--user", "ann")
    assert code == 0, out
    assert "at threshold 0.99" in out

    code, out = cli("export", str(tmp_path / "e.csv"), "--user", "ann", "--why", "analysis")
    assert code == 0, out
    with (tmp_path / "e.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "source_id",
        "force",
        "reference",
        "role",
        "entity_id",
        "match_probability",
    ]
    linked = next(r for r in rows if r["match_probability"])
    entity = linked["entity_id"]

    code, out = cli("show", entity, "--user", "olive", "--why", "enquiry", "--json")
    assert code == 0, out
    view = json.loads(out)
    assert view["entity_id"] == entity
    assert len(view["records"]) >= 2
    assert all(r["status"] for r in view["records"])

    code, out = cli("show", entity, "--user", "olive", "--why", "enquiry", "--run", "1")
    assert code == 0, out
    assert f"person entity {entity} (run 1)" in out


def test_refusals_exit_1_with_a_reason(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("show", "P1", "--user", "olive", "--why", "enquiry")
    assert code == 1
    code, out = cli("resolve", "--user", "olive", "--json")
    assert code == 1
    assert "may not link" in json.loads(out)["error"]
    code, out = cli("show", "P1", "--user", "olive", "--json")
    assert code == 1
    assert "--why" in json.loads(out)["error"]
    code, out = cli("resolve", "--threshold", "1", "--user", "ann", "--json")
    assert code == 1
    code, out = cli("export", str(tmp_path / "x.csv"), "--user", "ian", "--why", "a look")
    assert code == 1
    assert not (tmp_path / "x.csv").exists()
