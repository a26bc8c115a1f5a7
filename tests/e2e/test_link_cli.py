"""`caselink link` end to end: JSON documents and exit codes."""

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from caselink.cli.app import app
from caselink.synth import generate

PASSWORD = "correct horse battery staple\n"


def test_link_commands(database: str, tmp_path: Path) -> None:
    data = generate(tmp_path / "data", scale=0.01, seed=5)
    env = {"CASELINK_DATABASE_URL": database, "CASELINK_USER": "ann"}

    def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
        result = CliRunner().invoke(app, list(args), input=stdin, env=env)
        return result.exit_code, result.output

    assert run("init")[0] == 0
    for name, role in (("ann", "analyst"), ("rita", "registrar")):
        assert (
            run(
                "users",
                "add",
                name,
                "--role",
                role,
                "--national",
                "tests",
                "--password-stdin",
                stdin=PASSWORD,
            )[0]
            == 0
        )
    for kind, path in (("reports", data.reports_csv), ("offenders", data.offenders_csv)):
        assert run("import", kind, str(path), "--user", "rita")[0] == 0
    code, out = run("link", "query", "Kent", "X", "--why", "checking a report")
    assert code == 1
    assert "no report Kent X" in out
    code, out = run("link", "series")
    assert code == 1
    assert "no linkage run" in out
    code, out = run("link", "train", "--json")
    assert code == 0
    assert json.loads(out)["family"] in {"naive_bayes", "logistic"}
    code, out = run("link", "run", "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["series"] > 0
    assert doc["links"] > 0
    code, out = run("link", "series", "--json")
    series = json.loads(out)["series"]
    assert code == 0
    assert len(series) == doc["series"]
    member = series[0]["members"][0]
    code, out = run(
        "link",
        "query",
        member["force"],
        member["reference"],
        "--k",
        "3",
        "--why",
        "review",
        "--json",
    )
    candidates = json.loads(out)["candidates"]
    assert code == 0
    assert 1 <= len(candidates) <= 3
    assert candidates[0]["reasons"]
    code, out = run(
        "link", "evaluate", "--labels", str(data.offenders_csv), "--folds", "3", "--json"
    )
    assert code == 0
    assert set(json.loads(out)) >= {
        "auc",
        "top1",
        "top5",
        "top10",
        "top50",
        "n_pairs",
        "n_linked_pairs",
    }
    with data.reports_csv.open(newline="") as handle:
        a, b = [
            (r["force"], r["reference"])
            for r, _ in zip(csv.DictReader(handle), range(2), strict=False)
        ]
    assert run("link", "confirm", *a, *b, "--note", "same van")[0] == 0
    assert run("link", "reject", *a, "Kent", "NOPE")[0] == 1
