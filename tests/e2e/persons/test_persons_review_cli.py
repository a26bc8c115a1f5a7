"""`caselink persons review`, `label`, `labels` and `repeat-suspects` end to end, on both
databases: an analyst's verdicts are stored with who, when and why, and the next run keeps to
them; the repeat-suspect list is pseudonymised for inspectors."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from caselink.bootstrap import App
from caselink.cli.persons import persons_app
from caselink.services.importing import Kind, import_file
from caselink.services.users import resolve_actor
from caselink.storage.tables import access_log, person_pair_labels
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

    def run(*args: str, given: str | None = None) -> tuple[int, str]:
        result = runner.invoke(
            persons_app, list(args), env={"CASELINK_DATABASE_URL": database}, input=given
        )
        return result.exit_code, result.output

    return run


def _entities(app: App, ids: list[int]) -> dict[int, str]:
    with app.context.db.reader() as uow:
        run = uow.persons.latest_run()
        assert run is not None
        return uow.persons.entities_of(run.id, ids)


def test_five_verdicts_are_stored_and_the_next_run_keeps_to_them(cli, app: App) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("resolve", "--user", "ann", "--json")
    assert code == 0, out
    code, out = cli("review", "--limit", "5", "--user", "ann", "--why", "review", "--json")
    assert code == 0, out
    sample = json.loads(out)
    pairs = [
        (p["left"]["person_id"], p["right"]["person_id"], p["linked"]) for p in sample["pairs"]
    ]
    assert len(pairs) == 5
    assert all(p["comparisons"] for p in sample["pairs"])
    # the opposite of what the run decided, so that keeping to it shows
    verdicts = ["different" if linked else "same" for _, _, linked in pairs]
    given = "".join(f"{v}\nread both records\n" for v in verdicts)
    code, out = cli("review", "--limit", "5", "--user", "ann", "--why", "review", given=given)
    assert code == 0, out
    assert "5 pair(s) labelled" in out
    assert "weight (bits)" in out

    with app.context.db.reader() as uow:
        rows = uow.connection.execute(select(person_pair_labels)).all()
        logged = uow.connection.execute(
            select(access_log.c.justification).where(access_log.c.actor == "ann")
        ).scalars()
        assert "review" in set(logged)
    assert len(rows) == 5
    assert {r.labelled_by for r in rows} == {"ann"}
    assert {r.reason for r in rows} == {"read both records"}

    code, out = cli("resolve", "--user", "ann", "--json")
    assert code == 0, out
    assert json.loads(out)["figures"]["labelled_pairs_different"] == verdicts.count("different")
    entity = _entities(app, [i for a, b, _ in pairs for i in (a, b)])
    for (a, b, _), verdict in zip(pairs, verdicts, strict=True):
        together = a in entity and entity.get(a) == entity.get(b)
        assert together == (verdict == "same"), (a, b, verdict)

    code, out = cli("labels", "--user", "ann", "--json")
    assert code == 0, out
    figures = json.loads(out)
    assert figures["labels"] == 5
    assert figures["same"] + figures["different"] == 5
    # five verdicts are too few to recalibrate: the run said so and kept the model's own
    assert figures["latest_run_calibration"]["used"] is False
    assert figures["latest_run_calibration"]["verdicts"] == 5
    assert figures["recalibration"]["enough"] is False
    code, out = cli("labels", "--user", "ann")
    assert code == 0, out
    assert "keeps the model's own probabilities until there are at least 10 same" in out
    assert "the latest run's threshold was chosen from the model's own probabilities" in out

    # labelled pairs are not offered again
    code, out = cli("review", "--limit", "50", "--user", "ann", "--why", "review", "--json")
    offered = {(p["left"]["person_id"], p["right"]["person_id"]) for p in json.loads(out)["pairs"]}
    assert not offered & {(a, b) for a, b, _ in pairs}


def test_a_label_given_directly_and_its_refusals(cli, app: App) -> None:  # type: ignore[no-untyped-def]
    code, out = cli(
        "label",
        "1",
        "2",
        "different",
        "--reason",
        "two people",
        "--user",
        "ann",
        "--why",
        "check",
        "--json",
    )
    assert code == 0, out
    assert json.loads(out)["verdict"] == "different"
    for args, words in (
        (("label", "1", "2", "maybe", "--reason", "r"), "verdict is one of"),
        (("label", "1", "2", "same"), "--reason"),
        (("label", "1", "1", "same", "--reason", "r"), "two different person records"),
        (("label", "1", "999999", "same", "--reason", "r"), "no person record 999999"),
    ):
        code, out = cli(*args, "--user", "ann", "--why", "check", "--json")
        assert code == 1, (args, out)
        assert words in json.loads(out)["error"], out
    code, out = cli(
        "label", "1", "2", "same", "--reason", "r", "--user", "olive", "--why", "x", "--json"
    )
    assert code == 1  # officers do not label
    code, out = cli("review", "--user", "ann", "--why", "review", "--json")
    assert code == 1
    assert "no person resolution run yet" in json.loads(out)["error"]


def test_repeat_suspects_named_for_analysts_and_numbered_for_inspectors(cli) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("resolve", "--user", "ann", "--json")
    assert code == 0, out
    code, out = cli("repeat-suspects", "--user", "ann", "--why", "soteria", "--json")
    assert code == 0, out
    named = json.loads(out)
    assert named["suspects"], "the synthetic country has repeat suspects"
    first = named["suspects"][0]
    assert len({(r["force"], r["reference"]) for r in first["reports"]}) >= 2
    assert first["entity_id"].startswith("P")
    assert all(r["status"] for s in named["suspects"] for r in s["reports"])
    sizes = [len(s["reports"]) for s in named["suspects"]]
    assert sizes == sorted(sizes, reverse=True)

    code, out = cli("repeat-suspects", "--user", "ian", "--why", "inspection", "--json")
    assert code == 0, out
    numbered = json.loads(out)
    assert numbered["pseudonymised"]
    assert len(numbered["suspects"]) == len(named["suspects"])
    assert all(s["name"] is None and s["entity_id"] is None for s in numbered["suspects"])
    assert numbered["suspects"][0]["label"] == "person 1"
    text = out
    for s in named["suspects"]:
        if s["name"]:
            assert s["name"] not in text

    code, out = cli("repeat-suspects", "--user", "ann")
    assert code == 1  # no reason given
    code, out = cli(
        "repeat-suspects", "--user", "ann", "--why", "series check", "--min-reports", "3"
    )
    assert code == 0, out
