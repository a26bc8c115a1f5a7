"""`caselink history key | checkpoint | verify` from the terminal: a key made once, checkpoints
signed with it, and a report changed behind caselink's back named with exit code 1."""

import json
import stat
from pathlib import Path

from sqlalchemy import create_engine, update
from typer.testing import CliRunner

from caselink.cli.app import app
from caselink.storage.engine import database_url
from caselink.storage.tables import reports
from support.sample_files import report, write_reports

runner = CliRunner()


def test_key_checkpoint_and_verify(database: str, tmp_path: Path) -> None:
    key = tmp_path / "keys" / "history.key"
    key.parent.mkdir()
    env = {"CASELINK_DATABASE_URL": database, "CASELINK_CHECKPOINT_KEY_FILE": str(key)}

    def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
        result = runner.invoke(app, [*args], input=stdin, env=env)
        return result.exit_code, result.output

    assert run("init")[0] == 0
    password = "correct horse battery staple\n"
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
            stdin=password,
        )[0]
        == 0
    )
    rows = [report("K1"), report("K2")]
    assert (
        run("import", "reports", str(write_reports(tmp_path / "r.csv", rows)), "--user", "olive")[0]
        == 0
    )

    code, out = run("history", "checkpoint")
    assert code == 1
    assert "no checkpoint key" not in out
    code, out = run("history", "key", str(key))
    assert code == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert run("history", "key", str(key))[0] == 1  # never overwritten

    code, out = run("history", "checkpoint", "--json")
    assert code == 0, out
    signed = json.loads(out)
    code, out = run("history", "verify", "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["intact"]
    assert doc["checkpoints"] == {
        "configured": True,
        "checked": 1,
        "latest_seq": signed["seq"],
        "problems": [],
    }

    engine = create_engine(database_url(database))
    with engine.begin() as conn:
        conn.execute(update(reports).where(reports.c.reference == "K2").values(status="cancelled"))
    engine.dispose()
    code, out = run("history", "verify")
    assert code == 1
    assert "1 reports differ from their events" in out
    assert "K2: status is cancelled but its events say crime" in out
    code, out = run("history", "verify", "--json")
    doc = json.loads(out)
    assert doc["reports_differing"] == 1
    assert doc["reports"][0]["reference"] == "K2"
