"""Linkage and person resolution on Apache Spark, for stores larger than one machine runs.

The store of record stays SQLite or PostgreSQL. For a link run this module writes the reports
(with their named suspects) as Parquet where the Spark cluster can read them, plans the tiles,
runs the Spark job and hands back the kept pairs, which ``services.linkage.run`` stores like a
single-machine run's, stamped with the run and the engine. Person resolution hands the records
to Splink's Spark backend. A failed Spark run raises before anything is written to the store.
docs/scaling.md says when this is worth it and how to point it at a cluster.
"""

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from caselink.domain.errors import InvalidRequest
from caselink.linkage.offences import LinkModel, ReportFrame
from caselink.linkage.persons import PersonModelSpec, PersonResolution
from caselink.linkage.spark.session import (
    DEFAULT_MASTER,
    SparkRunFailed,
    local_cores,
    machine_memory,
    spark_session,
)
from caselink.linkage.spark.tiles import DEFAULT_TILE_REPORTS, plan_tiles

__all__ = [
    "DEFAULT_SPARK_MASTER",
    "DEFAULT_TILE_REPORTS",
    "MAX_TASK_REPORTS",
    "SparkOptions",
    "StagedReports",
    "resolve_persons",
    "stage_reports",
    "task_reports_for",
    "tiles_for",
]

DEFAULT_SPARK_MASTER = DEFAULT_MASTER  # what --engine spark runs on unless told
# The most reports (home and halo) one task may hold on a cluster; a tile that would hold more
# is refused before the job starts, with what to do. A task's Python worker holds about 2.2 KB
# a report while it scores (2.5 GB for 1,181,041 reports): 1.1 GB at this limit.
MAX_TASK_REPORTS = 500_000
TASK_BYTES_PER_REPORT = 2_200


@dataclass(frozen=True, slots=True)
class SparkOptions:
    """Where and how a run uses Spark: the master URL, home reports per tile, the most
    reports a task may hold, and a directory the cluster can read (default: a temporary
    directory on this machine, which only a local master can read)."""

    master: str = DEFAULT_SPARK_MASTER
    tile_reports: int | None = None  # None: tiles_for
    max_task_reports: int | None = None  # None: task_reports_for
    staging: Path | None = None

    def __post_init__(self) -> None:
        if self.tile_reports is not None and self.tile_reports < 1:
            raise InvalidRequest("--tile-reports must be at least 1")
        if self.max_task_reports is not None and self.max_task_reports < 1:
            raise InvalidRequest("the most reports a task may hold must be at least 1")

    @property
    def task_reports(self) -> int:
        """The most reports a task may hold: as given, or ``task_reports_for`` the master."""
        return self.max_task_reports or task_reports_for(self.master)

    def to_dict(self) -> dict[str, Any]:
        return {"engine": "spark", "spark_master": self.master, "tile_reports": self.tile_reports}


class StagedReports:
    """The reports of a run written as Parquet for Spark; ``score`` runs the job once and
    removes what was written."""

    def __init__(self, reports: pa.Table, suspects: pa.Table | None, options: SparkOptions):
        self.options = options
        if options.staging is not None:
            options.staging.mkdir(parents=True, exist_ok=True)
        self._dir = Path(tempfile.mkdtemp(prefix="caselink-spark-", dir=options.staging))
        self.reports_path = self._dir / "reports.parquet"
        pq.write_table(_with_suspects(reports, suspects), self.reports_path)

    def score(
        self,
        frame: ReportFrame,
        model: LinkModel,
        top: int,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[pa.Table, dict[str, Any]]:
        """Each report's ``top`` best links scored in Spark tasks, put together as the single
        machine's ``score(frame, model, keep_top=top)`` returns them, and the job's figures."""
        from caselink.linkage.spark.offences import kept_pairs, score_tiles

        try:
            started = time.perf_counter()
            tile_reports = self.options.tile_reports or tiles_for(self.options.master, frame.n)
            limit = self.options.task_reports
            plan = plan_tiles(frame, model.settings, tile_reports, max_task_reports=limit)
            homes, sizes = plan.sizes()
            if sizes.size and int(sizes.max()) > limit:
                worst = int(np.argmax(sizes))
                raise SparkRunFailed(
                    f"tile {worst} would hold {int(sizes[worst]):,} reports ({int(homes[worst]):,} "
                    f"of its own and those within {model.settings.max_km:g} km and "
                    f"{model.settings.max_days:g} days of them), more than a task may hold "
                    f"({limit:,}): the reports are too dense there to "
                    "cut smaller; give the executors more memory and raise the limit "
                    "(--max-task-reports), or "
                    "train with a smaller --max-km or --max-days"
                )
            plan_path = self._dir / "tiles.parquet"
            pq.write_table(plan.table(frame.report_id), plan_path)
            planned = time.perf_counter() - started
            with spark_session(self.options.master) as spark:
                lists = score_tiles(
                    spark, str(self.reports_path), str(plan_path), model, top, plan.tiles
                )
            scored = kept_pairs(lists)
            if progress is not None:
                progress(frame.n, frame.n)
            figures = {
                **self.options.to_dict(),
                "tile_reports": tile_reports,
                "tiles": plan.tiles,
                "windows": plan.windows,
                "largest_tile": int(sizes.max()) if sizes.size else 0,
                "reports_in_tiles": int(sizes.sum()),
                "plan_seconds": round(planned, 3),
            }
            return scored, figures
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)


def tiles_for(master: str, reports: int) -> int:
    """Reports a tile by default: DEFAULT_TILE_REPORTS on a cluster; on a local master the
    reports shared among its cores, so that every core has one tile to score (each tile's halo
    is work done twice, so no more tiles), as far as a task may hold them."""
    cores = local_cores(master)
    if cores is None:
        return DEFAULT_TILE_REPORTS
    return max(1000, min(task_reports_for(master), -(-reports // cores)))


def task_reports_for(master: str) -> int:
    """The most reports a task may hold by default: MAX_TASK_REPORTS on a cluster, whose
    executors' memory this machine cannot see; on a local master, at least that, and as many
    as a quarter of this machine's memory holds when shared among its cores (about 1.4 million
    a task on 24 GB and two cores). The one JVM has another quarter (``local_driver_memory``)."""
    cores = local_cores(master)
    total = machine_memory()
    if cores is None or total is None:
        return MAX_TASK_REPORTS
    return max(MAX_TASK_REPORTS, total // 4 // cores // TASK_BYTES_PER_REPORT)


def _with_suspects(reports: pa.Table, suspects: pa.Table | None) -> pa.Table:
    # each report's named suspect entities as one list column, so a tile's rows carry them
    from caselink.linkage.spark.offences import SUSPECTS

    if suspects is None:
        return reports
    grouped = (
        suspects.select(["report_id", "entity_id"])
        .cast(pa.schema([("report_id", pa.int64()), ("entity_id", pa.string())]))
        .group_by("report_id")
        .aggregate([("entity_id", "list")])
        .rename_columns(["report_id", SUSPECTS])
    )
    joined = reports.join(grouped, "report_id", join_type="left outer")
    return joined.sort_by("report_id") if joined.num_rows else joined


def stage_reports(
    reports: pa.Table, suspects: pa.Table | None, options: SparkOptions | None
) -> StagedReports | None:
    """The reports written for Spark when ``options`` asks for it; None for one machine."""
    return None if options is None else StagedReports(reports, suspects, options)


def resolve_persons(
    records: pa.Table,
    spec: PersonModelSpec,
    *,
    master: str,
    labels: pa.Table | None = None,
    pair_labels: pa.Table | None = None,
    today: date | None = None,
    threads: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> PersonResolution:
    """Person resolution with Splink's Spark backend on ``master``: the same model, the same
    entities as on DuckDB (``caselink.linkage.persons.resolve``)."""
    from caselink.linkage.spark.persons import resolve_on_spark

    with spark_session(master) as spark:
        return resolve_on_spark(
            records,
            spark,
            spec,
            labels=labels,
            pair_labels=pair_labels,
            today=today,
            threads=threads,
            progress=progress,
        )
