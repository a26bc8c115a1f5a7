"""`caselink report show` and `caselink persons show` as an inspector, on both databases: a
complainant in one report is withheld in every report, whatever her role there."""

import json
from pathlib import Path

from typer.testing import CliRunner

from caselink.bootstrap import App
from caselink.cli.app import app as caselink
from support import complainant_elsewhere as k

runner = CliRunner()


def _run(database: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(caselink, list(args), env={"CASELINK_DATABASE_URL": database})
    return result.exit_code, result.output


def _leaked(text: str) -> list[str]:
    return [v for v in k.ALICE if v in text]


def test_report_show_withholds_her_suspect_record_from_an_inspector(
    app: App, database: str, tmp_path: Path
) -> None:
    k.record(app.context, tmp_path)
    k.person_run(app.context, ("S1", "S4"))
    show = ("report", "show", "Kent", "K2", "--why", "inspection")
    code, out = _run(database, *show, "--user", "ian", "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["pseudonymised"] is True
    assert not _leaked(out)
    (suspect,) = [p for p in doc["persons"] if p["role"] == "suspect"]
    assert not any(v for key, v in suspect.items() if key != "role")
    code, out = _run(database, *show, "--user", "ian")
    assert code == 0, out
    assert not _leaked(out)

    code, out = _run(database, *show, "--user", "rita", "--json")
    assert code == 0, out
    (suspect,) = [p for p in json.loads(out)["persons"] if p["role"] == "suspect"]
    assert (suspect["forename"], suspect["surname"]) == ("Ally", "Moreton")
    assert "12 Orchard Ln" in out
    assert "+447700900123" in out


def test_persons_show_tells_an_inspector_neither_who_nor_where(
    app: App, database: str, tmp_path: Path
) -> None:
    k.record(app.context, tmp_path)
    entity = k.person_run(app.context, ("S1", "S4"))["S4"]
    show = ("persons", "show", entity, "--why", "inspection")
    code, out = _run(database, *show, "--user", "ian", "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["identity_withheld"] is True
    assert [r["reference"] for r in doc["records"]] == ["K2"]
    assert doc["complainant_records_not_shown"] == 1
    assert not _leaked(out)
    code, out = _run(database, *show, "--user", "ian")
    assert code == 0, out
    assert not _leaked(out)
    assert "K1" not in out

    code, out = _run(database, *show, "--user", "olive", "--json")
    assert code == 0, out
    assert sorted(r["reference"] for r in json.loads(out)["records"]) == ["K1", "K2"]
    assert "Alice" in out
    assert "Ally" in out
