"""Offence linkage's full run on Spark: each tile's reports scored in a task, as on one machine.

The driver plans the tiles (``tiles.plan_tiles``); the job joins the staged reports (Parquet)
to the plan, groups them by tile and hands each tile's rows to a Python task as one Arrow
table (``applyInArrow``). The task builds the frame, scores it with the single-machine scorer
(``caselink.linkage.offences.score`` with ``keep_top``: the compiled scorer, one thread a
task) and returns its home reports' lists of best links; the driver puts the lists together
(``kept_pairs``). Training is not done here: the model comes from the driver, as JSON.
"""

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from caselink.linkage.offences import LinkModel, ReportFrame, score
from caselink.linkage.offences.scoring import rank_within
from caselink.linkage.spark.session import SparkRunFailed

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SUSPECTS = "suspect_entities"  # the staged reports' list of suspect entities
LISTS_SCHEMA = pa.schema(
    [("report_id", pa.int64()), ("other_id", pa.int64()), ("score", pa.float64())]
)
_LISTS_DDL = "report_id long, other_id long, score double"


def score_tile(tile: pa.Table, *, model_json: str, top: int) -> pa.Table:
    """One tile's home reports' ``top`` best links (report_id, other_id, score).

    ``tile`` holds the reports of a tile's frame as staged, with ``home`` true for its home
    reports. Every candidate of a home report is in the frame, so its list here is its list
    on one machine: the same scorer, the same scores, ties broken by the other report's id.
    """
    model = LinkModel.from_json(model_json)
    home_ids = tile.filter(tile.column("home")).column("report_id")
    persons = None
    if SUSPECTS in tile.column_names:
        named = tile.select(["report_id", SUSPECTS]).filter(pc.is_valid(tile.column(SUSPECTS)))
        lengths = pc.list_value_length(named.column(SUSPECTS)).to_numpy(zero_copy_only=False)
        persons = pa.table(
            {
                "report_id": pa.array(
                    np.repeat(named.column("report_id").to_numpy(), lengths), pa.int64()
                ),
                "entity_id": pc.list_flatten(named.column(SUSPECTS)).cast(pa.string()),
            }
        )
    reports = tile.drop_columns([c for c in ("tile", "home", SUSPECTS) if c in tile.column_names])
    frame = ReportFrame.from_arrow(reports, persons)
    # one thread a task: Spark runs as many tasks side by side as it has cores
    kept = score(frame, model, settings=replace(model.settings, threads=1), keep_top=top)
    a = kept.column("report_id_a").to_numpy()
    b = kept.column("report_id_b").to_numpy()
    s = kept.column("score").to_numpy()
    anchor, other, value = np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([s, s])
    mine = np.isin(anchor, home_ids.to_numpy())
    anchor, other, value = anchor[mine], other[mine], value[mine]
    # a pair is kept when it is in either report's list: of those, each home report's own list
    best = rank_within(anchor, -value, other) < top
    return pa.table(
        {"report_id": anchor[best], "other_id": other[best], "score": value[best]},
        schema=LISTS_SCHEMA,
    )


def score_tiles(
    spark: "SparkSession",
    reports_path: str,
    plan_path: str,
    model: LinkModel,
    top: int,
    tiles: int,
) -> pa.Table:
    """Every report's ``top`` best links, from a Spark job over the staged reports and the tile
    plan (both Parquet); raises SparkRunFailed, with what to do, when the job fails."""
    reports = spark.read.parquet(reports_path)
    plan = spark.read.parquet(plan_path)
    model_json = model.to_json()

    def job(tile: pa.Table) -> pa.Table:  # Spark reads the kind of function from its hints
        return score_tile(tile, model_json=model_json, top=top)

    # a partition a tile, in the plan's order (largest first): hashing tile numbers into
    # partitions would put two tiles in one task while another core waits
    joined = plan.join(reports, "report_id").repartitionByRange(max(tiles, 1), "tile")
    return collect_lists(joined.groupBy("tile").applyInArrow(job, _LISTS_DDL))


def collect_lists(lists: "DataFrame") -> pa.Table:
    """The lists a job's tasks returned, at the driver; raises SparkRunFailed, with what to do,
    when the job fails: a task out of memory (a MemoryError, or its worker killed by the
    system) names smaller tiles and more executor memory."""
    try:
        return lists.toArrow().cast(LISTS_SCHEMA)
    except Exception as exc:  # Spark's errors are many classes, from the JVM and the workers
        raise SparkRunFailed(_failure(exc)) from exc


def _failure(exc: Exception) -> str:
    text = str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # the stage's own reason, where Spark gives one, says more than py4j's first line
    aborted = [line for line in lines if "Job aborted due to stage failure" in line]
    first = (aborted or lines or [type(exc).__name__])[0]
    if "TaskResultLost" in text or "maxResultSize" in text:
        return (
            "the Spark driver could not hold a task's results: give the driver more memory "
            "(spark.driver.memory, spark.driver.maxResultSize) or use smaller tiles "
            f"(--tile-reports); nothing was stored ({first[:300]})"
        )
    if "MemoryError" in text or "OutOfMemory" in text or "exited unexpectedly" in text:
        return (
            "a Spark task ran out of memory scoring its tile: use smaller tiles "
            "(--tile-reports) or give the executors more memory (spark.executor.memory, "
            f"spark.executor.pyspark.memory); nothing was stored ({first[:300]})"
        )
    return f"the Spark job failed, nothing was stored: {first[:500]}"


def kept_pairs(lists: pa.Table) -> pa.Table:
    """Every report's list put together as the single machine's ``score`` returns it: each
    pair once (report_id_a < report_id_b), best first, ties by the two ids."""
    r = lists.column("report_id").to_numpy()
    o = lists.column("other_id").to_numpy()
    s = lists.column("score").to_numpy()
    lo, hi = np.minimum(r, o), np.maximum(r, o)
    # a pair in both its reports' lists came from both their tiles: keep one, the same one
    # however the tasks were ordered
    order = np.lexsort((-s, hi, lo))
    lo, hi, s = lo[order], hi[order], s[order]
    first = np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])] if lo.size else np.zeros(0, bool)
    lo, hi, s = lo[first], hi[first], s[first]
    order = np.lexsort((hi, lo, -s))
    return pa.table({"report_id_a": lo[order], "report_id_b": hi[order], "score": s[order]})
