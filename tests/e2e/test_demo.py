"""The main job end to end, on a small scale: everything it promises is where it says, and it
says how far it has got as it goes."""

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from caselink.cli.app import app


def test_demo_builds_everything_and_says_where(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(
        app, ["demo", "--out", str(out), "--scale", "0.02", "--no-serve", "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)  # the stage lines go to stderr, so stdout stays JSON
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
    assert json.loads(again.stdout)["stats"]["reports"] == doc["stats"]["reports"]


STAGES = (
    "generating a national year of synthetic reports",
    "importing reports",
    "importing persons",
    "importing offenders",
    "importing journey",
    "resolving person records into people (Splink)",
    "training the offence-link model on solved reports",
    "linking offences: candidates, scores, series",
    "verifying the history's hash chain (begun beside the linkage)",
    "recording-integrity figures and the inspection report",
    "the justice path: attrition, time to charge, Victims' Code, missed chances",
)


def test_demo_off_a_terminal_says_each_stage_as_it_ends(tmp_path: Path) -> None:
    # CliRunner's output is not a terminal, as in CI or `make demo | tee demo.log`
    for extra in ([], ["--json"]):
        result = CliRunner().invoke(
            app, ["demo", "--out", str(tmp_path / "demo"), "--scale", "0.005", "--no-serve", *extra]
        )
        assert result.exit_code == 0, result.output
        lines = result.stderr.splitlines()
        done = [re.fullmatch(r"(.+): done in (\d+\.\d) s", line) for line in lines]
        assert all(done), lines  # nothing else on stderr: one line a stage
        assert tuple(m.group(1) for m in done if m) == STAGES
        if extra:
            assert json.loads(result.stdout)["history_intact"] is True
        else:
            assert "ready in" in result.stdout
