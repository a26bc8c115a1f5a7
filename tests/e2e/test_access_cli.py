"""`caselink users add --force`, `users move` and `caselink access` from the terminal: a Kent
officer is refused Surrey's report, asks, Surrey's registrar grants, the officer reads it; a
move ends the user's tokens at once."""

import json
from pathlib import Path

from typer.testing import CliRunner

from caselink.cli.app import app
from support.sample_files import report, write_reports

runner = CliRunner()
PASSWORD = "correct horse battery staple\n"
WHY = "checking a possible link to our series"


def test_ask_grant_read_and_move(database: str, tmp_path: Path) -> None:
    env = {"CASELINK_DATABASE_URL": database}

    def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
        result = runner.invoke(app, [*args], input=stdin, env=env)
        return result.exit_code, result.output

    assert run("init")[0] == 0
    for name, role, where in (
        ("nora", "registrar", ("--national", "national-data")),
        ("kate", "officer", ("--force", "kent")),  # any spelling caselink knows
        ("sam", "registrar", ("--force", "Surrey")),
    ):
        assert (
            run("users", "add", name, "--role", role, *where, "--password-stdin", stdin=PASSWORD)[0]
            == 0
        )
    code, out = run("users", "add", "x1", "--role", "officer", "--password-stdin", stdin=PASSWORD)
    assert code == 1
    assert "--force" in out
    rows = [report("K1"), report("S1", force="Surrey")]
    path = str(write_reports(tmp_path / "r.csv", rows))
    assert run("import", "reports", path, "--user", "nora")[0] == 0
    code, out = run("import", "reports", path, "--user", "kate", "--json")
    assert code == 1
    assert "records only for their own force" in out

    code, out = run("report", "show", "Surrey", "S1", "--user", "kate", "--why", WHY)
    assert code == 1
    assert "Ask Surrey for access" in out
    code, out = run("access", "request", "Surrey", "S1", "--user", "kate", "--why", WHY, "--json")
    assert code == 0, out
    number = json.loads(out)["id"]
    code, out = run("access", "list", "--user", "sam", "--json")
    assert [r["id"] for r in json.loads(out)] == [number]
    code, out = run("access", "decide", str(number), "--refuse", "--user", "sam")
    assert code == 1
    assert "say why" in out
    code, out = run("access", "decide", str(number), "--grant", "--days", "2", "--user", "sam")
    assert code == 0, out
    assert "granted" in out
    code, out = run("report", "show", "Surrey", "S1", "--user", "kate", "--why", WHY, "--json")
    assert code == 0, out
    assert json.loads(out)["reference"] == "S1"
    code, out = run("report", "classify", "Surrey", "S1", "--offence", "19D", "--user", "kate")
    assert code == 1
    assert "may not change Surrey's reports" in out

    assert run("users", "token", "kate", "--json")[0] == 0
    code, out = run("users", "move", "kate", "--force", "Surrey", "--json")
    assert code == 0, out
    assert json.loads(out)["tokens_revoked"] == 1
    code, out = run("users", "list", "--json")
    assert {u["user"]: u["force"] for u in json.loads(out)}["kate"] == "Surrey"
