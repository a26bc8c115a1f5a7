"""`link run` on Spark through the service, on SQLite and PostgreSQL: the same links and series
stored as a run on this machine, stamped with the engine; a failed Spark run stores nothing."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from caselink.linkage.spark.session import SparkUnavailable
from caselink.services import linkage, users
from caselink.services.context import Actor, Context
from caselink.services.importing import Kind, import_file
from caselink.services.spark import SparkOptions
from caselink.storage.tables import link_series, report_links
from caselink.synth import SynthSummary, generate

from .conftest import MASTER

TOP = 5


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(tmp_path_factory.mktemp("synth"), scale=0.01, seed=11)


@pytest.fixture(scope="module")
def ten_years(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    # ten years, ending two years before today as the generator asks: windows by time matter
    return generate(
        tmp_path_factory.mktemp("synth10"), years=10, scale=0.0015, seed=12, start=date(2014, 1, 1)
    )


def _trained(ctx: Context, registrar: Actor, data: SynthSummary, tmp_path: Path) -> Actor:
    import_file(ctx, registrar, Kind.REPORTS, data.reports_csv)
    import_file(
        ctx,
        registrar,
        Kind.OFFENDERS,
        data.offenders_csv,
        skip_invalid=True,
        rejects=tmp_path / "rejects.csv",
    )
    actor = users.resolve_actor(ctx, "ann")
    linkage.train(ctx, actor)
    return actor


@pytest.fixture
def analyst(ctx: Context, registrar: Actor, dataset: SynthSummary, tmp_path: Path) -> Actor:
    return _trained(ctx, registrar, dataset, tmp_path)


def _stored(ctx: Context, run_id: int) -> tuple[dict[tuple[int, int], tuple[int, float]], set]:
    with ctx.db.engine.connect() as conn:
        links = conn.execute(
            select(report_links.c.report_id, report_links.c.other_id, report_links.c.rank,
                   report_links.c.score).where(report_links.c.run_id == run_id)
        ).all()  # fmt: skip
        series = conn.execute(
            select(link_series.c.series_id, link_series.c.report_id).where(
                link_series.c.run_id == run_id
            )
        ).all()
    return {(r, o): (k, s) for r, o, k, s in links}, {tuple(row) for row in series}


def test_a_spark_run_stores_the_links_and_series_of_one_machine(
    spark: object, ctx: Context, analyst: Actor, tmp_path: Path
) -> None:
    here = linkage.run(ctx, analyst, top=TOP)
    options = SparkOptions(master=MASTER, tile_reports=300, staging=tmp_path / "staging")
    there = linkage.run(ctx, analyst, top=TOP, spark=options)

    assert (there.pairs, there.links, there.series.num_rows) == (
        here.pairs,
        here.links,
        here.series.num_rows,
    )
    mine, my_series = _stored(ctx, here.run_id)
    theirs, their_series = _stored(ctx, there.run_id)
    assert len(mine) > 100
    assert set(theirs) == set(mine)
    assert all(theirs[k][0] == mine[k][0] for k in mine)  # the same rank
    assert max(abs(theirs[k][1] - mine[k][1]) for k in mine) <= 1e-9
    assert their_series == my_series
    with ctx.db.reader() as uow:
        run = uow.links.latest_run("run")
    assert run is not None
    assert run.id == there.run_id
    assert run.settings["engine"] == "spark"
    assert run.settings["spark_master"] == MASTER
    assert run.figures["tiles"] > 1


def test_a_failed_spark_run_stores_nothing(
    spark: object, ctx: Context, analyst: Actor, tmp_path: Path
) -> None:
    staging = tmp_path / "staging"
    options = SparkOptions(master="spark://127.0.0.1:9", staging=staging)
    with pytest.raises(SparkUnavailable, match="does not answer"):
        linkage.run(ctx, analyst, top=TOP, spark=options)
    with ctx.db.reader() as uow:
        assert uow.links.latest_run("run") is None
    assert not list(staging.iterdir())  # nor is anything left behind


def test_a_spark_run_over_ten_years_cut_in_windows_stores_what_one_machine_does(
    spark: object, ctx: Context, registrar: Actor, ten_years: SynthSummary, tmp_path: Path
) -> None:
    analyst = _trained(ctx, registrar, ten_years, tmp_path)
    here = linkage.run(ctx, analyst, top=TOP)
    options = SparkOptions(master=MASTER, tile_reports=150, staging=tmp_path / "staging")
    there = linkage.run(ctx, analyst, top=TOP, spark=options)

    with ctx.db.reader() as uow:
        run = uow.links.latest_run("run")
    assert run is not None
    assert run.figures["windows"] >= 2  # the time cut is in play
    assert run.figures["tiles"] > run.figures["windows"]
    mine, my_series = _stored(ctx, here.run_id)
    theirs, their_series = _stored(ctx, there.run_id)
    assert len(mine) > 1000
    assert set(theirs) == set(mine)
    assert all(theirs[k][0] == mine[k][0] for k in mine)
    assert max(abs(theirs[k][1] - mine[k][1]) for k in mine) <= 1e-9
    assert their_series == my_series
