"""`caselink journey` and `caselink outcomes` end to end, on both databases: the documented JSON
keys, refusals that name their rule with exit code 1, and who may run what."""

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caselink.cli.app import app
from support.sample_files import report, write_reports

runner = CliRunner()
PASSWORD = "correct horse battery staple\n"
STAGES = ["reported", "recorded", "suspect_identified", "referred_to_cps", "charged", "convicted"]


@pytest.fixture
def cli(database: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """caselink on a fresh store with an officer, an inspector, two reports and a journey."""

    def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
        result = runner.invoke(app, [*args], input=stdin, env={"CASELINK_DATABASE_URL": database})
        return result.exit_code, result.output

    assert run("init")[0] == 0
    for name, role in (("olive", "officer"), ("ian", "inspector")):
        add = ("users", "add", name, "--role", role, "--national", "tests", "--password-stdin")
        assert run(*add, stdin=PASSWORD)[0] == 0
    reports = write_reports(tmp_path / "r.csv", [report("K1"), report("K2")])
    assert run("import", "reports", str(reports), "--user", "olive")[0] == 0
    path = tmp_path / "journey.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("force", "reference", "step", "at", "actor", "details"))
        for ref, step, at, details in (
            ("K1", "attended", "2024-03-08T01:00:00Z", {"trained_officer": "true"}),
            ("K1", "arrested", "2024-03-11T10:00:00Z", {}),
            ("K2", "outcome", "2024-03-20T10:00:00Z", {"code": "18"}),
        ):
            writer.writerow(("Kent", ref, step, at, "pc-1", json.dumps(details)))
    code, out = run("import", "journey", str(path), "--user", "olive", "--json")
    assert code == 0, out
    assert json.loads(out)["imported"] == 3
    return run


def test_record_show_and_duties(cli) -> None:  # type: ignore[no-untyped-def]
    code, out = cli(
        "journey", "record", "Kent", "K1", "victim_updated", "--at", "2024-03-11T15:00:00Z",
        "--detail", "decision=arrested", "--detail", "decision_at=2024-03-11T10:00:00Z",
        "--user", "olive", "--json",
    )  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["findings"] == []
    code, out = cli("journey", "show", "Kent", "K1", "--user", "olive", "--why", "review", "--json")
    doc = json.loads(out)
    assert [t["step"] for t in doc["timeline"]] == ["attended", "arrested", "victim_updated"]
    assert [d["state"] for d in doc["duties"]] == ["met"]
    code, out = cli("journey", "duties", "--user", "olive", "--json")
    assert (code, json.loads(out)) == (0, {"duties": []})


def test_refusals_name_the_rule(cli) -> None:  # type: ignore[no-untyped-def]
    code, out = cli(
        "journey", "record", "Kent", "K2", "verdict", "--at", "2024-03-21T10:00:00Z",
        "--detail", "verdict=acquitted", "--user", "olive",
    )  # fmt: skip
    assert code == 1
    assert "INV-2" in out or "OUT-2" in out
    code, out = cli(
        "journey", "record", "Kent", "K1", "charged", "--at", "2024-03-11", "--user", "olive"
    )
    assert code == 1
    assert "offset" in out
    code, out = cli("journey", "show", "Kent", "K1", "--user", "olive")
    assert code == 1
    assert "--why" in out
    assert cli("journey", "record", "Kent", "K1", "arrested", "--user", "ian")[0] == 1


def test_outcomes_documents(cli) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("outcomes", "attrition", "--user", "ian", "--json")
    doc = json.loads(out)
    assert code == 0
    assert [s["stage"] for s in doc["national"]["stages"]] == STAGES
    assert set(doc["national"]["stages"][4]) == {"stage", "count", "rate", "lower95", "upper95"}
    assert [u["unit"] for u in doc["units"]] == ["Kent"]
    doc = json.loads(cli("outcomes", "time-to-charge", "--user", "ian", "--json")[1])
    assert {"median_days", "lower95", "upper95", "n", "charged", "censored"} <= set(doc["national"])
    doc = json.loads(cli("outcomes", "mix", "--user", "ian", "--json")[1])
    assert doc["national"][0]["outcome"] == "18"
    assert {"outcome", "count", "share"} <= set(doc["national"][0])
    doc = json.loads(cli("outcomes", "compliance", "--user", "ian", "--json")[1])
    assert {"due", "met_on_time", "late", "overdue", "rate", "lower95", "upper95"} <= set(
        doc["national"]
    )
    doc = json.loads(cli("outcomes", "missed-chances", "--user", "ian", "--json")[1])
    assert doc["chances"] == []
    code, out = cli("outcomes", "attrition", "--user", "olive")
    assert code == 1
    assert "may not" in out


@pytest.mark.parametrize("edge", ["9999-12-31T23:59-05:00", "0001-01-01T00:00+05:00"])
def test_a_time_at_the_calendar_edge_is_refused_with_a_message(cli, edge: str) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("journey", "record", "Kent", "K1", "charged", "--at", edge, "--user", "olive")
    assert code == 1
    assert "out of range" in out
