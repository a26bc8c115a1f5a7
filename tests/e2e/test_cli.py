"""The caselink command end to end, on both databases: exit codes, JSON documents, messages."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caselink.cli.app import app
from support.sample_files import report, write_persons, write_reports

runner = CliRunner()
PASSWORD = "correct horse battery staple\n"


@pytest.fixture
def cli(database: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run caselink against a fresh database with two users; returns (exit code, output)."""

    def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
        result = runner.invoke(app, [*args], input=stdin, env={"CASELINK_DATABASE_URL": database})
        return result.exit_code, result.output

    assert run("init")[0] == 0
    assert (
        run(
            "users",
            "add",
            "olive",
            "--role",
            "officer",
            "--force",
            "Kent",
            "--password-stdin",
            stdin=PASSWORD,
        )[0]
        == 0
    )
    assert (
        run(
            "users",
            "add",
            "rita",
            "--role",
            "registrar",
            "--force",
            "Kent",
            "--password-stdin",
            stdin=PASSWORD,
        )[0]
        == 0
    )
    return run


def test_import_stats_and_exit_codes(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reports = write_reports(
        tmp_path / "reports.csv", [report("K1"), report("K2", offence_code="20A")]
    )
    code, out = cli("import", "reports", str(reports), "--user", "olive", "--json")
    assert code == 0
    assert json.loads(out) == {
        "imported": 2,
        "unchanged": 0,
        "skipped": {},
        "rejected": 0,
    }
    persons = write_persons(
        tmp_path / "persons.csv",
        [{"reference": "K1", "force": "Kent", "role": "suspect", "surname": "Smith"}],
    )
    assert cli("import", "persons", str(persons), "--user", "olive")[0] == 0
    code, out = cli("stats")
    assert code == 1
    assert "say who you are" in out
    code, out = cli("stats", "--user", "olive", "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["reports"] == 2
    assert doc["persons"] == 1
    assert doc["by_status"] == {"crime": 2}
    code, out = cli("history", "verify", "--json")
    assert code == 0
    assert json.loads(out)["intact"] is True


def test_bad_file_is_refused_with_every_error_and_exit_1(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reports = write_reports(
        tmp_path / "reports.csv", [report("K1"), report("K2", force="Gotham", latitude="x")]
    )
    code, out = cli("import", "reports", str(reports), "--user", "olive", "--json")
    doc = json.loads(out)
    assert code == 1
    assert "nothing was imported" in doc["error"]
    assert {(e["line"], e["column"]) for e in doc["errors"]} == {(3, "force"), (3, "latitude")}
    assert json.loads(cli("stats", "--user", "rita", "--json")[1])["reports"] == 0
    code, out = cli("import", "reports", str(tmp_path / "missing.csv"), "--user", "olive")
    assert code == 1
    assert "No such file" in out
    code, out = cli("import", "reports", str(reports), "--user", "olive", "--skip-invalid")
    assert code == 1
    assert "--rejects" in out
    rejects = tmp_path / "rejects.csv"
    code, out = cli(
        "import",
        "reports",
        str(reports),
        "--user",
        "olive",
        "--skip-invalid",
        "--rejects",
        str(rejects),
        "--json",
    )
    assert code == 0
    assert json.loads(out)["rejected"] == 1
    assert rejects.exists()


def test_usage_errors_exit_2(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("import", "reports")[0] == 2
    assert cli("report", "cancel", "Kent", "K1", "--code", "C9", "--rationale", "x")[0] == 2
    assert cli("no-such-command")[0] == 2


def test_recording_decisions(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli(
        "import",
        "reports",
        str(write_reports(tmp_path / "r.csv", [report("K1")])),
        "--user",
        "olive",
    )
    code, out = cli(
        "report",
        "cancel",
        "Kent",
        "K1",
        "--code",
        "C2",
        "--rationale",
        "victim withdrew support",
        "--evidence",
        "statement",
        "--user",
        "olive",
    )
    assert code == 1
    assert "CAN-2" in out
    assert "not a ground to cancel" in out
    code, out = cli(
        "report",
        "cancel",
        "Kent",
        "K1",
        "--code",
        "C2",
        "--rationale",
        "alibi verified",
        "--evidence",
        "CCTV shows her at work",
        "--user",
        "olive",
        "--json",
    )
    assert code == 0
    assert json.loads(out)["pending_cancellation"] == "C2"
    code, out = cli("report", "authorise", "Kent", "K1", "--user", "olive")
    assert code == 1
    assert "may not authorise" in out
    code, out = cli(
        "report", "authorise", "Kent", "K1", "--user", "rita", "--expected-version", "0"
    )
    assert code == 1
    assert "version 1, not 0" in out
    code, out = cli("report", "authorise", "Kent", "K1", "--user", "rita", "--json")
    assert code == 0
    assert json.loads(out)["status"] == "cancelled"
    assert cli("report", "inform", "Kent", "K1", "--user", "olive", "--how", "letter")[0] == 0
    code, out = cli("report", "show", "Kent", "K1", "--user", "rita", "--why", "audit", "--json")
    doc = json.loads(out)
    assert code == 0
    assert [h["kind"] for h in doc["history"]] == [
        "recorded",
        "cancellation_requested",
        "cancellation_authorised",
        "complainant_informed",
    ]
    code, out = cli("report", "show", "Kent", "K1", "--user", "rita")
    assert code == 1
    assert "--why" in out
    assert cli("report", "show", "Kent", "K1", "--user", "nobody", "--why", "x")[0] == 1
    assert cli("report", "classify", "Kent", "K1", "--user", "olive")[0] == 1


def test_uninitialised_database_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats"], env={"CASELINK_DATABASE_URL": str(tmp_path / "new.db")})
    assert result.exit_code == 1
    assert "caselink init" in result.output


def test_exports(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli(
        "import",
        "reports",
        str(write_reports(tmp_path / "r.csv", [report("K1")])),
        "--user",
        "rita",
    )
    persons = write_persons(
        tmp_path / "p.csv",
        [{"reference": "K1", "force": "Kent", "role": "complainant", "surname": "Doe"}],
    )
    cli("import", "persons", str(persons), "--user", "rita")
    out_file = tmp_path / "all.jsonl"
    code, out = cli("export", "jsonl", str(out_file), "--user", "rita", "--why", "backup", "--json")
    assert code == 0
    assert json.loads(out) == {"reports": 1, "events": 2, "file": str(out_file)}
    assert "Doe" in out_file.read_text()
    key = tmp_path / "key"
    key.write_bytes(b"s" * 40)
    pseudo = tmp_path / "pseudo.jsonl"
    code, _ = cli(
        "export",
        "pseudonymised",
        str(pseudo),
        "--key-file",
        str(key),
        "--user",
        "rita",
        "--why",
        "inspection",
    )
    assert code == 0
    assert "Doe" not in pseudo.read_text()
    assert "K1" not in pseudo.read_text()
    assert cli("export", "jsonl", str(out_file), "--user", "rita")[0] == 1  # no --why


def test_a_force_taxonomy_replaces_the_default(database: str, tmp_path: Path) -> None:
    taxonomy = tmp_path / "force.toml"
    taxonomy.write_text(
        'name = "force scheme"\n[domains.approach]\n'
        'codes = { blitz = "Blitz" }\naliases = { A1 = "blitz" }\n'
    )
    env = {"CASELINK_DATABASE_URL": database, "CASELINK_TAXONOMY_PATH": str(taxonomy)}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    add = ["users", "add", "olive", "--role", "officer", "--force", "Kent", "--password-stdin"]
    assert runner.invoke(app, add, input=PASSWORD, env=env).exit_code == 0
    rows = [
        report("K1", **{"mo.approach": "A1", "mo.control": ""}),
        report("K2", **{"mo.control": ""}),
    ]
    path = write_reports(tmp_path / "r.csv", rows)
    result = runner.invoke(
        app, ["import", "reports", str(path), "--user", "olive", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    show = ["report", "show", "Kent", "K1", "--user", "olive", "--why", "testing", "--json"]
    doc = json.loads(runner.invoke(app, show, env=env).output)
    assert doc["behaviours"] == ["approach:blitz"]


def test_without_a_terminal_each_stage_says_when_it_is_done(database: str, tmp_path: Path) -> None:
    env = {"CASELINK_DATABASE_URL": database}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    added = runner.invoke(
        app,
        ["users", "add", "olive", "--role", "officer", "--force", "Kent", "--password-stdin"],
        input=PASSWORD,
        env=env,
    )
    assert added.exit_code == 0
    reports = write_reports(tmp_path / "reports.csv", [report("K1"), report("K2")])
    result = runner.invoke(app, ["import", "reports", str(reports), "--user", "olive"], env=env)
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"importing reports: done in \d+\.\d s\n", result.stderr)
    assert "done in" not in result.stdout
    again = runner.invoke(
        app, ["import", "reports", str(reports), "--user", "olive", "--json"], env=env
    )
    assert again.exit_code == 0
    assert json.loads(again.stdout)["unchanged"] == 2  # stdout stays one JSON document
