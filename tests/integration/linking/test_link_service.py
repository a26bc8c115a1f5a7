"""Offence linkage through its service, on SQLite and PostgreSQL, on a small synthetic dataset."""

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caselink.domain.errors import InvalidRequest, NotFound, NotPermitted
from caselink.services import linkage, persons, users
from caselink.services.context import Actor, Context
from caselink.services.importing import Kind, import_file
from caselink.storage.tables import access_log, link_feedback, report_links
from caselink.synth import SynthSummary, generate


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(tmp_path_factory.mktemp("synth"), scale=0.02, seed=11)


def _split(dataset: SynthSummary, folder: Path) -> tuple[Path, Path]:
    """The reports before and after a cut-off, so a later run finds reports joining series."""
    with dataset.reports_csv.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows, header = list(reader), reader.fieldnames or []
    rows.sort(key=lambda r: r["reported_at"])
    cut = int(len(rows) * 0.8)
    paths = []
    for name, part in (("early.csv", rows[:cut]), ("late.csv", rows[cut:])):
        path = folder / name
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, header)
            writer.writeheader()
            writer.writerows(part)
        paths.append(path)
    return paths[0], paths[1]


@pytest.fixture
def analyst(ctx: Context) -> Actor:
    return users.resolve_actor(ctx, "ann")


def test_train_run_query_series_and_alerts(
    ctx: Context, registrar: Actor, analyst: Actor, dataset: SynthSummary, tmp_path: Path
) -> None:
    early, late = _split(dataset, tmp_path)
    import_file(ctx, registrar, Kind.REPORTS, early)
    import_file(
        ctx,
        registrar,
        Kind.OFFENDERS,
        dataset.offenders_csv,
        skip_invalid=True,
        rejects=tmp_path / "r.csv",
    )
    trained = linkage.train(ctx, analyst)
    assert trained.model.family in {"naive_bayes", "logistic"}
    heard: list[tuple[int, int]] = []
    first = linkage.run(
        ctx, analyst, top=5, progress=lambda done, total: heard.append((done, total))
    )
    assert heard
    assert heard[-1][0] == heard[-1][1], "progress reaches every report"
    assert [d for d, _ in heard] == sorted(d for d, _ in heard)
    assert first.links > 0
    assert first.series.num_rows > 0
    assert first.alerts == []

    import_file(ctx, registrar, Kind.REPORTS, late)
    second = linkage.run(ctx, analyst, top=5)
    assert second.run_id > first.run_id
    assert second.alerts, "reports reported later join series found earlier"
    assert second.series_with_write_offs > 0, "written-off reports stay in series"

    with ctx.db.reader() as uow:
        stored = uow.connection.execute(
            select(report_links.c.report_id, func.max(report_links.c.rank))
            .where(report_links.c.run_id == second.run_id)
            .group_by(report_links.c.report_id)
        ).all()
        assert max(r[1] for r in stored) <= 5
        anchor = uow.connection.execute(
            select(report_links.c.report_id).where(report_links.c.run_id == second.run_id).limit(1)
        ).scalar_one()
        force, reference = (
            uow.connection.execute(
                select(report_links.c.report_id).where(report_links.c.report_id == anchor)
            ).first(),
            None,
        )
        from caselink.storage.tables import reports

        force, reference = uow.connection.execute(
            select(reports.c.force, reports.c.reference).where(reports.c.id == anchor)
        ).one()
    result = linkage.query(ctx, analyst, force, reference, k=5, why="series review")
    assert 1 <= len(result.candidates) <= 5
    assert [c.rank for c in result.candidates] == sorted(c.rank for c in result.candidates)
    assert all(c.reasons for c in result.candidates)
    with ctx.db.reader() as uow:
        logged = (
            uow.connection.execute(
                select(access_log.c.justification).where(access_log.c.reference == reference)
            )
            .scalars()
            .all()
        )
    assert "series review" in logged

    run_id, summary, keys = linkage.series(ctx, analyst)
    assert run_id == second.run_id
    assert summary.num_rows == second.series.num_rows
    assert all(m in keys for members in summary.column("members").to_pylist() for m in members)


def test_evaluate_labels_feedback_and_roles(
    ctx: Context,
    registrar: Actor,
    analyst: Actor,
    officer: Actor,
    dataset: SynthSummary,
    tmp_path: Path,
) -> None:
    import_file(ctx, registrar, Kind.REPORTS, dataset.reports_csv)
    figures = linkage.evaluate(ctx, analyst, labels=dataset.offenders_csv, folds=3)
    assert {"auc", "top1", "top5", "top10", "top50", "n_pairs", "n_linked_pairs"} <= set(figures)
    assert figures["auc"] > 0.8
    bad = tmp_path / "labels.csv"
    bad.write_text("offender_id,reference,force\nX,NOPE-1,Kent\n")
    with pytest.raises(InvalidRequest, match="no report Kent NOPE-1"):
        linkage.evaluate(ctx, analyst, labels=bad)
    with pytest.raises(NotPermitted):
        linkage.train(ctx, officer)
    with pytest.raises(NotFound, match="no linkage run"):
        linkage.series(ctx, analyst)

    with dataset.reports_csv.open(newline="") as handle:
        first, second = [
            (r["force"], r["reference"])
            for r, _ in zip(csv.DictReader(handle), range(2), strict=False)
        ]
    linkage.verdict(ctx, analyst, first, second, confirmed=False, note="different offenders")
    linkage.verdict(ctx, analyst, first, second, confirmed=True, note="same car, same words")
    with ctx.db.reader() as uow:
        verdicts = (
            uow.connection.execute(select(link_feedback.c.verdict).order_by(link_feedback.c.id))
            .scalars()
            .all()
        )
    assert verdicts == ["rejected", "confirmed"]  # kept, never overwritten
    trained = linkage.train(ctx, analyst, labels=dataset.offenders_csv)
    with ctx.db.reader() as uow:
        run = uow.links.latest_run("train")
    assert run is not None
    assert run.figures["feedback"] == 1
    assert json.loads(run.model_spec or "{}")["version"] == trained.model.version


def test_the_same_person_named_is_evidence(
    ctx: Context, registrar: Actor, analyst: Actor, dataset: SynthSummary, tmp_path: Path
) -> None:
    import_file(ctx, registrar, Kind.REPORTS, dataset.reports_csv)
    import_file(ctx, registrar, Kind.PERSONS, dataset.persons_csv)
    import_file(ctx, registrar, Kind.OFFENDERS, dataset.offenders_csv)
    persons.resolve(ctx, analyst)
    trained = linkage.train(ctx, analyst)
    with ctx.db.reader() as uow:
        run = uow.links.latest_run("train")
    assert run is not None
    assert run.figures["named_suspects"] > 0
    features = {f["name"]: f for f in json.loads(run.model_spec or "{}")["features"]}
    assert "same_person" in features, trained.model.feature_names
    # Bins: unknown, different, same. Naming the same resolved suspect is evidence for a link.
    _unknown, different, same = features["same_person"]["weights"]
    assert same > different


def test_a_run_explained_and_written_in_small_batches_stores_the_same_links(
    ctx: Context,
    registrar: Actor,
    analyst: Actor,
    dataset: SynthSummary,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_file(ctx, registrar, Kind.REPORTS, dataset.reports_csv)
    import_file(ctx, registrar, Kind.OFFENDERS, dataset.offenders_csv)
    linkage.train(ctx, analyst)
    whole = linkage.run(ctx, analyst, top=5)
    monkeypatch.setattr(linkage, "_EXPLAIN_BATCH", 7)
    monkeypatch.setattr(linkage, "_LINK_BATCH", 11)
    batched = linkage.run(ctx, analyst, top=5)

    def stored(run_id: int) -> list[tuple[object, ...]]:
        c = report_links.c
        with ctx.db.reader() as uow:
            rows = uow.connection.execute(
                select(c.report_id, c.other_id, c.rank, c.score, c.components)
                .where(c.run_id == run_id)
                .order_by(c.report_id, c.rank)
            ).all()
        return [tuple(r) for r in rows]

    assert batched.links == whole.links > 50
    assert stored(batched.run_id) == stored(whole.run_id)
    assert any(json.loads(r[4]) for r in stored(whole.run_id))
