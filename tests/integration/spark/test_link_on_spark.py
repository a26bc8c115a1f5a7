"""Offence linkage's full run on Spark keeps the pairs, scores and series of one machine."""

import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pytest

from caselink.linkage.offences import (
    LinkSettings,
    ReportFrame,
    candidate_pairs,
    form_series,
    score,
    train,
)
from caselink.linkage.spark.offences import collect_lists, kept_pairs
from caselink.linkage.spark.session import SparkRunFailed, SparkUnavailable
from caselink.linkage.spark.tiles import plan_tiles
from caselink.services.spark import SparkOptions, StagedReports

from .conftest import MASTER

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Simulated = tuple[pa.Table, pa.Table, pa.Table]
TOP = 5


@pytest.fixture(scope="module")
def simulated_years() -> Simulated:
    from integration.linkage.offences.conftest import simulate

    # two years, a wide area: tiles cut in place and in time
    return simulate(n_offenders=260, seed=3, years=2, spread_km=6.0)


@pytest.fixture(scope="module")
def trained(simulated_years: Simulated) -> tuple[ReportFrame, object]:
    reports, labels, _ = simulated_years
    settings = LinkSettings(max_km=20.0, max_days=120.0, family="naive_bayes")
    return ReportFrame.from_arrow(reports), train(reports, labels, settings=settings)


def _rows(table: pa.Table) -> dict[tuple[int, int], float]:
    return {
        (a, b): s
        for a, b, s in zip(
            table.column("report_id_a").to_pylist(),
            table.column("report_id_b").to_pylist(),
            table.column("score").to_pylist(),
            strict=True,
        )
    }


def test_every_candidate_of_a_report_is_in_its_home_tile(simulated_years: Simulated) -> None:
    reports, _, _ = simulated_years
    frame = ReportFrame.from_arrow(reports)
    settings = LinkSettings(max_km=20.0, max_days=120.0)
    plan = plan_tiles(frame, settings, tile_reports=60)
    _homes, sizes = plan.sizes()
    assert plan.tiles > 4  # the plan really cuts the reports
    # each report is the home report of exactly one tile
    assert np.bincount(plan.row[plan.home], minlength=frame.n).tolist() == [1] * frame.n
    home_tile = np.empty(frame.n, np.int64)
    home_tile[plan.row[plan.home]] = plan.tile[plan.home]
    held = set(zip(plan.tile.tolist(), plan.row.tolist(), strict=True))
    rows = {rid: k for k, rid in enumerate(frame.report_id.tolist())}
    pairs = candidate_pairs(reports, settings)
    assert pairs.num_rows > 100
    for a, b in zip(
        pairs.column("report_id_a").to_pylist(),
        pairs.column("report_id_b").to_pylist(),
        strict=True,
    ):
        i, j = rows[a], rows[b]
        assert (int(home_tile[i]), j) in held
        assert (int(home_tile[j]), i) in held
    assert int(sizes.max()) < frame.n  # no tile holds everything


def test_kept_pairs_keeps_a_pair_once_and_orders_as_one_machine() -> None:
    lists = pa.table(
        {
            "report_id": pa.array([1, 2, 3, 2], pa.int64()),
            "other_id": pa.array([2, 1, 1, 3], pa.int64()),
            "score": [0.5, 0.5, 2.0, 0.5],
        }
    )
    out = kept_pairs(lists)
    assert out.to_pydict() == {
        "report_id_a": [1, 1, 2],
        "report_id_b": [3, 2, 3],
        "score": [2.0, 0.5, 0.5],
    }


def test_spark_run_keeps_the_single_machine_pairs_scores_and_series(
    spark: object, simulated_years: Simulated, trained: tuple[ReportFrame, object], tmp_path: Path
) -> None:
    reports, _, _ = simulated_years
    frame, model = trained
    here = score(frame, model, keep_top=TOP)  # type: ignore[arg-type]
    options = SparkOptions(master=MASTER, tile_reports=60, staging=tmp_path)
    there, figures = StagedReports(reports, None, options).score(frame, model, TOP)  # type: ignore[arg-type]

    assert figures["tiles"] > 4
    assert here.num_rows > 200
    mine, theirs = _rows(here), _rows(there)
    assert set(theirs) == set(mine)
    worst = max(abs(theirs[k] - mine[k]) for k in mine)
    assert worst <= 1e-9
    assert there.column("report_id_a").to_pylist() == here.column("report_id_a").to_pylist()
    threshold = model.threshold  # type: ignore[attr-defined]
    assert form_series(there, threshold).to_pydict() == form_series(here, threshold).to_pydict()
    assert not list(tmp_path.iterdir())  # the staged Parquet is removed after the job


def test_a_tile_too_large_for_a_task_is_refused_before_the_job(
    simulated_years: Simulated, trained: tuple[ReportFrame, object], tmp_path: Path
) -> None:
    reports, _, _ = simulated_years
    frame, model = trained
    options = SparkOptions(master=MASTER, tile_reports=60, max_task_reports=50, staging=tmp_path)
    with pytest.raises(SparkRunFailed, match="more than a task may hold") as refused:
        StagedReports(reports, None, options).score(frame, model, TOP)  # type: ignore[arg-type]
    assert "--max-task-reports" in str(refused.value)  # the option that raises the limit


def test_an_unreachable_master_is_refused_at_once(
    simulated_years: Simulated, trained: tuple[ReportFrame, object], tmp_path: Path
) -> None:
    reports, _, _ = simulated_years
    frame, model = trained
    options = SparkOptions(master="spark://127.0.0.1:9", staging=tmp_path)
    with pytest.raises(SparkUnavailable, match="does not answer"):
        StagedReports(reports, None, options).score(frame, model, TOP)  # type: ignore[arg-type]


def test_without_java_spark_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
    simulated_years: Simulated,
    trained: tuple[ReportFrame, object],
    tmp_path: Path,
) -> None:
    reports, _, _ = simulated_years
    frame, model = trained
    monkeypatch.setattr("caselink.linkage.spark.session.java_home", lambda: None)
    options = SparkOptions(master="local[1]", staging=tmp_path)
    with pytest.raises(SparkUnavailable, match="openjdk-17-jre-headless"):
        StagedReports(reports, None, options).score(frame, model, TOP)  # type: ignore[arg-type]


def _crash(tile: pa.Table) -> pa.Table:
    # what the system's out-of-memory killer does to a worker that outgrows the machine
    os.kill(os.getpid(), signal.SIGKILL)
    return tile  # pragma: no cover


def _allocate_too_much(tile: pa.Table) -> pa.Table:
    # a task whose tile needs more memory than there is: the allocation itself fails
    np.ones(2**62, np.uint8)
    return tile  # pragma: no cover


@pytest.mark.parametrize("job", [_crash, _allocate_too_much])
def test_a_task_out_of_memory_fails_the_run_at_once_saying_what_to_do(
    spark: "SparkSession", job: object
) -> None:
    tiles = spark.createDataFrame([(1, 0, 0.0), (2, 1, 0.0)], "report_id long, tile long, s double")
    lists = tiles.groupBy("tile").applyInArrow(job, "report_id long, other_id long, score double")
    started = time.perf_counter()
    with pytest.raises(SparkRunFailed, match=r"ran out of memory.*--tile-reports.*executor"):
        collect_lists(lists)
    assert time.perf_counter() - started < 120  # a failure, not a hang
