"""`caselink integrity` end to end on both databases: counts files, audits through the command
line, refusals and exit codes."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caselink.bootstrap import App
from caselink.cli.integrity import integrity_app
from caselink.services.context import Actor
from caselink.services.importing import Kind, import_file
from support.funnel_store import write_spread_reports
from support.sample_files import report, write_reports

Run = Callable[..., tuple[int, str]]
CANCELLED = {
    "status": "cancelled",
    "cancellation_code": "C2",
    "cancellation_rationale": "CCTV places him elsewhere",
    "cancellation_evidence": "CCTV reference 7",
    "cancellation_authorised_by": "KEN-FCR01",
}


@pytest.fixture
def run(app: App, registrar: Actor, tmp_path: Path) -> Run:
    rows = [report(f"K{i}", **(CANCELLED if i % 3 == 0 else {})) for i in range(30)]
    rows += [report(f"S{i}", force="Surrey", **(CANCELLED if i < 2 else {})) for i in range(10)]
    import_file(app.context, registrar, Kind.REPORTS, write_reports(tmp_path / "r.csv", rows))

    def invoke(*args: str, user: str = "rita") -> tuple[int, str]:
        env = {"CASELINK_DATABASE_URL": app.database_url, "CASELINK_USER": user}
        result = CliRunner().invoke(integrity_app, list(args), env=env)
        return result.exit_code, result.output

    return invoke


@pytest.fixture
def spread(app: App, registrar: Actor, tmp_path: Path) -> Run:
    """The command line over eleven forces whose rates spread more than chance allows."""
    import_file(app.context, registrar, Kind.REPORTS, write_spread_reports(tmp_path / "s.csv"))

    def invoke(*args: str) -> tuple[int, str]:
        env = {"CASELINK_DATABASE_URL": app.database_url, "CASELINK_USER": "ian", "COLUMNS": "250"}
        result = CliRunner().invoke(integrity_app, list(args), env=env)
        return result.exit_code, result.output

    return invoke


def _counts(tmp_path: Path, text: str) -> str:
    path = tmp_path / "counts.csv"
    path.write_text(text)
    return str(path)


def test_funnel_from_a_counts_file(run: Run, tmp_path: Path) -> None:
    counts = _counts(tmp_path, "unit,events,total,note\nKent,300,1000,x\nGlos,12,500,\nA,90,800,\n")
    code, out = run("funnel", "--counts", counts, "--method", "binomial", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["national_rate"] == pytest.approx(402 / 2300)
    assert [u["unit"] for u in doc["units"]] == ["Kent", "Glos", "A"]
    kent = doc["units"][0]
    assert {"unit", "events", "total", "rate", "lower95", "upper95", "lower998", "upper998"} <= set(
        kent
    )
    assert kent["flag"] == "high"
    assert doc["units"][1]["flag"] == "low"
    assert run("funnel", "--counts", counts, "--method", "additive", "--json")[0] == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("unit,events\nKent,3\n", "missing: total"),
        ("unit,events,total\nKent,three,10\n", "line 2: events 'three' is not a whole number"),
        ("unit,events,total\nKent,3,10\nSurrey,11,10\n", "line 3: Surrey: events (11) exceed"),
        ("unit,events,total\nKent,-1,10\n", "events -1 is negative"),
        ("unit,events,total\nKent,1,2.5\n", "total '2.5' is not a whole number"),
        ("unit,events,total\n", "has no rows"),
    ],
)
def test_a_bad_counts_file_is_refused_with_its_reason(
    run: Run, tmp_path: Path, text: str, message: str
) -> None:
    code, out = run("funnel", "--counts", _counts(tmp_path, text), "--json")
    assert code == 1
    assert message in json.loads(out)["error"]


def test_sample_verdict_and_compliance_through_the_command_line(run: Run) -> None:
    code, out = run("sample", "--seed", "4", "--n", "3", "--json")
    assert code == 0
    drawn = json.loads(out)
    strata = {s["force"]: s for s in drawn["strata"]}
    assert strata["Kent"]["population"] == 10
    assert strata["Surrey"]["size"] == 2
    sample_id = str(drawn["sample_id"])
    kent = strata["Kent"]["references"]
    assert run("verdict", sample_id, "Kent", kent[0], "--correct", "--reason", "AVI")[0] == 0
    assert run("verdict", sample_id, "Kent", kent[1], "--wrong", "--reason", "no AVI")[0] == 0
    code, out = run("verdict", sample_id, "Kent", kent[2], "--reason", "x", "--json")
    assert code == 1
    assert "--correct or --wrong" in json.loads(out)["error"]
    code, out = run("verdict", sample_id, "Kent", "K999", "--correct", "--reason", "x", "--json")
    assert code == 1
    assert "not in audit sample" in json.loads(out)["error"]
    code, out = run("compliance", sample_id, "--json", user="ian")
    assert code == 0
    doc = json.loads(out)
    kent_result = next(s for s in doc["strata"] if s["force"] == "Kent")
    assert (kent_result["audited"], kent_result["correct"], kent_result["drawn"]) == (2, 1, 3)
    assert kent_result["share_correct"]["method"] == "wilson-fpc"
    assert doc["national"]["unaudited_population"] == 2  # Surrey has no verdict yet
    code, out = run("compliance", sample_id)
    assert code == 0
    assert "Kent" in out


def test_roles_are_enforced(run: Run) -> None:
    code, out = run("rates", "--json", user="olive")
    assert code == 1
    assert "may not audit" in json.loads(out)["error"]
    assert run("sample", "--n", "2", "--json", user="ian")[0] == 1  # inspectors do not sample
    assert run("rates", "--json", user="ian")[0] == 0
    code, out = run("rates", "--from", "2024-13-01", "--json")
    assert code == 1
    assert "not a day" in json.loads(out)["error"]
    code, out = run("rates", "--force", "Atlantis", "--json")
    assert code == 1


def test_every_command_prints_one_json_document(run: Run, tmp_path: Path) -> None:
    for args in (
        ("rates",),
        ("rates", "--group", "other"),
        ("funnel", "--measure", "late"),
        ("trend", "--force", "Kent"),
        ("screen", "--top", "3"),
        ("report", "--out", str(tmp_path / "r.html")),
    ):
        code, out = run(*args, "--json", user="ian")
        assert code == 0, (args, out)
        assert isinstance(json.loads(out), dict)
    code, out = run("screen", "--top", "3", "--json", user="ian")
    doc = json.loads(out)
    assert doc["write_offs"] == 12
    assert len(doc["ranked"]) == 3


DISAGREE = "outside the binomial limits; inside the limits allowing for overdispersion"


def test_the_funnel_allows_for_overdispersion_and_says_where_the_methods_disagree(
    spread: Run,
) -> None:
    code, out = spread("funnel", "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert (doc["method"], doc["adjusted"]) == ("additive", True)
    assert doc["method_name"].startswith("limits allowing for overdispersion (additive")
    assert doc["compared_with"] == "binomial"
    units = {u["unit"]: u for u in doc["units"]}
    assert {name for name, u in units.items() if u["flag"]} == {"Kent"}
    assert units["Gloucestershire"]["compared_flag"] == "low"
    assert units["Gloucestershire"]["note"] == DISAGREE
    assert units["Kent"]["note"] is None
    code, table = spread("funnel")
    assert code == 0
    assert f"— {doc['method_name']}" in table  # the title names the method
    assert "Flags use the " in table  # and the footer says what the other method found
    row = next(line for line in table.splitlines() if "Gloucestershire" in line)
    assert DISAGREE in row
    code, out = spread("funnel", "--method", "binomial", "--json")
    binomial = json.loads(out)
    assert binomial["method_name"] == "binomial limits"
    flagged = {u["unit"]: u for u in binomial["units"] if u["flag"]}
    assert set(flagged) == {"Kent", "Gloucestershire"}
    assert flagged["Gloucestershire"]["note"] == DISAGREE


def test_a_counts_file_needs_no_database(tmp_path: Path) -> None:
    counts = _counts(tmp_path, "unit,events,total\nKent,300,1000\nGlos,12,500\nA,90,800\n")
    missing = tmp_path / "never-made.db"
    result = CliRunner().invoke(
        integrity_app,
        ["funnel", "--counts", counts, "--json"],
        env={"CASELINK_DATABASE_URL": str(missing), "CASELINK_USER": None},
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["source"] == "counts.csv"
    assert doc["method"] == "additive"
    assert [u["flag"] for u in doc["units"]] == [None, None, None]  # three forces, far apart
    assert [u["compared_flag"] for u in doc["units"]] == ["high", "low", "low"]
    assert {u["note"] for u in doc["units"]} == {DISAGREE}
    assert not missing.exists()
    refused = CliRunner().invoke(
        integrity_app,
        ["funnel", "--counts", str(tmp_path / "absent.csv"), "--json"],
        env={"CASELINK_DATABASE_URL": str(missing)},
    )
    assert refused.exit_code == 1
    assert "absent.csv" in json.loads(refused.stdout)["error"]
