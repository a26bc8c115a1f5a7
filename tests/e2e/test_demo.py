"""The main job end to end, on a small scale: everything it promises is where it says."""

import json
from pathlib import Path

from typer.testing import CliRunner

from caselink.cli.app import app


def test_demo_builds_everything_and_says_where(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(
        app, ["demo", "--out", str(out), "--scale", "0.02", "--no-serve", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["history_intact"] is True
    assert doc["stats"]["reports"] == doc["imports"]["reports"]["imported"] > 2000
    assert doc["imports"]["persons"]["rejected"] == 0
    assert Path(doc["database"]).exists()
    assert Path(doc["integrity_report"]).exists()
    assert (out / "data" / "truth" / "report_offenders.csv").exists()
    assert {u["role"] for u in doc["users"]} == {
        "officer",
        "registrar",
        "analyst",
        "inspector",
        "admin",
    }
    assert doc["integrity"]["national"]["denominator"] > 0
    assert doc["linkage"]["run"]["series"] > 0
    again = CliRunner().invoke(
        app, ["demo", "--out", str(out), "--scale", "0.02", "--no-serve", "--json"]
    )
    assert again.exit_code == 0  # a second run replaces the first demo's database
    assert json.loads(again.output)["stats"]["reports"] == doc["stats"]["reports"]
