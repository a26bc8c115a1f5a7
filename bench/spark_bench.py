"""Offence linkage's full run on Spark against the same run on this machine; the tile plan at
larger volumes.

Generates (or reads, ``--data``) a synthetic store of ``--years`` national years, trains once
on the driver, then scores every report's ``--top`` best links twice, taking turns: on this
machine (``score(..., keep_top=)``, the compiled scorer on ``--threads`` threads) and in Spark
tasks on ``--master`` (``services.spark.StagedReports``: Parquet, the tile plan, the job, the
kept pairs put together). Prints JSON: seconds of each, their ratio (target at most 2 on
local[2]), peak memory of this process (the driver) and of Spark's processes (the JVM and the
Python workers, sampled every 0.2 s), whether the kept pairs are the same and the largest score
difference. ``--volumes 1,2,5,10`` also plans tiles (no scoring; only that with
``--plans-only``) for the store repeated that many times, shifted a year each time, to show the
task count growing with the volume while the largest task stays bounded; ``--max-task-reports``
is the frame size past which the plan halves a tile further (0: none).

    .venv/bin/python bench/spark_bench.py --years 1 --master 'local[2]'
    .venv/bin/python bench/spark_bench.py --data DIR --plans-only --volumes 1,2,5,10
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from linkage_data import load_labels, load_reports

from caselink.linkage.offences import LinkSettings, ReportFrame, score, train
from caselink.linkage.spark.session import spark_session
from caselink.linkage.spark.tiles import DEFAULT_TILE_REPORTS, plan_tiles
from caselink.services.spark import (
    MAX_TASK_REPORTS,
    SparkOptions,
    StagedReports,
    task_reports_for,
    tiles_for,
)


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _descendants(pid: int) -> list[int]:
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        kids = []
        # every thread's children: the JVM starts Python's workers from threads of its own
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids += (task / "children").read_text().split()
            except OSError:
                continue
        for k in kids:
            out.append(int(k))
            stack.append(int(k))
    return out


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    except OSError:
        return ""


class _Sampler(threading.Thread):
    """Peak RSS of the JVM and of the largest Python worker, sampled while Spark runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.jvm = 0.0
        self.worker = 0.0
        self.workers_total = 0.0
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.wait(0.2):
            total = 0.0
            for pid in _descendants(os.getpid()):
                name, rss = _name(pid), _rss_mb(pid)
                if "java" in name.split(" ")[0]:
                    self.jvm = max(self.jvm, rss)
                elif "python" in name:
                    self.worker = max(self.worker, rss)
                    total += rss
            self.workers_total = max(self.workers_total, total)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _repeated(frame_reports: pa.Table, times: int) -> pa.Table:
    # the store ``times`` over, each copy a year later, with new ids: a longer national record
    parts = []
    n = frame_reports.num_rows
    for k in range(times):
        shift = pa.scalar(k * 365 * 86_400_000_000, pa.duration("us"))
        part = frame_reports
        for c in ("reported_at", "occurred_from", "occurred_to"):
            part = part.set_column(part.schema.get_field_index(c), c, pc.add(part.column(c), shift))
        part = part.set_column(
            0, "report_id", pc.add(part.column("report_id"), pa.scalar(k * n, pa.int64()))
        )
        parts.append(part)
    return pa.concat_tables(parts)


def _compare(
    args: argparse.Namespace,
    reports: pa.Table,
    frame: ReportFrame,
    labels: pa.Table,
    out: dict[str, Any],
) -> LinkSettings:
    # train once, then score on this machine and on Spark, taking turns
    t = time.perf_counter()
    model = train(frame, labels, settings=LinkSettings(threads=args.threads))
    out["train_seconds"] = round(time.perf_counter() - t, 1)
    settings = model.settings

    before = _peak_mb()
    t = time.perf_counter()
    here = score(frame, model, keep_top=args.top)
    out["single_machine"] = {
        "seconds": round(time.perf_counter() - t, 1),
        "peak_rss_mb": round(_peak_mb()),
        "peak_rss_mb_before": round(before),
        "threads": settings.threads,
    }
    # each turn as it ends: a long run that fails later still leaves its first figures
    print(json.dumps({"single_machine": out["single_machine"]}), file=sys.stderr, flush=True)
    sampler = _Sampler()
    sampler.start()
    with spark_session(args.master):  # started before the clock: a cluster is already running
        options = SparkOptions(
            master=args.master,
            tile_reports=args.tile_reports,
            max_task_reports=args.max_task_reports or None,
        )
        t = time.perf_counter()
        staged = StagedReports(reports, None, options)
        there, figures = staged.score(frame, model, args.top)
        seconds = time.perf_counter() - t
    sampler.stop_event.set()
    sampler.join()
    out["spark"] = {
        "seconds": round(seconds, 1),
        "driver_peak_rss_mb": round(_peak_mb()),
        "jvm_peak_rss_mb": round(sampler.jvm),
        "largest_python_worker_peak_rss_mb": round(sampler.worker),
        "python_workers_peak_total_mb": round(sampler.workers_total),
        **figures,
    }
    print(json.dumps({"spark": out["spark"]}), file=sys.stderr, flush=True)
    out["ratio_spark_to_single"] = round(seconds / max(out["single_machine"]["seconds"], 1e-9), 2)
    a = {
        (x, y): s
        for x, y, s in zip(
            here.column("report_id_a").to_pylist(),
            here.column("report_id_b").to_pylist(),
            here.column("score").to_pylist(),
            strict=True,
        )
    }
    b = {
        (x, y): s
        for x, y, s in zip(
            there.column("report_id_a").to_pylist(),
            there.column("report_id_b").to_pylist(),
            there.column("score").to_pylist(),
            strict=True,
        )
    }
    out["kept_pairs"] = {"single": len(a), "spark": len(b), "same": set(a) == set(b)}
    out["max_score_difference"] = max((abs(a[k] - b[k]) for k in a if k in b), default=0.0)
    return settings


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--years", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument(
        "--tile-reports",
        type=int,
        default=None,
        help=f"reports a tile [default: {DEFAULT_TILE_REPORTS:,}, or shared among local cores]",
    )
    ap.add_argument(
        "--max-task-reports",
        type=int,
        default=None,
        help=f"the most reports a task may hold [default: {MAX_TASK_REPORTS:,}, or on a local "
        "master a quarter of this machine's memory shared among its cores]; the tile plan "
        "halves a tile further while its frame holds more (0, with --plans-only: no limit)",
    )
    ap.add_argument(
        "--plans-only", action="store_true", help="plan tiles at --volumes, score nothing"
    )
    ap.add_argument("--volumes", default="", help="e.g. 1,2,5,10: plan tiles at these volumes")
    args = ap.parse_args()
    out: dict[str, Any] = {
        "benchmark": "spark_bench",
        "args": vars(args) | {"data": str(args.data)},
    }
    t = time.perf_counter()
    folder = args.data
    if folder is None:
        from caselink.synth import generate

        folder = Path(tempfile.mkdtemp(prefix="spark-bench-"))
        generate(folder, years=args.years, scale=args.scale, seed=args.seed)
    out["generate_seconds"] = round(time.perf_counter() - t, 1)
    reports = load_reports(folder)
    frame = ReportFrame.from_arrow(reports)
    out["reports"] = frame.n
    settings = LinkSettings(threads=args.threads)
    if not args.plans_only:
        settings = _compare(args, reports, frame, load_labels(folder, reports), out)
    volumes = [int(v) for v in args.volumes.split(",") if v.strip()]
    if volumes:
        out["plans"] = []
        for v in volumes:
            t = time.perf_counter()
            big = ReportFrame.from_arrow(_repeated(reports, v)) if v > 1 else frame
            plan = plan_tiles(
                big,
                settings,
                args.tile_reports or tiles_for(args.master, big.n),
                max_task_reports=(
                    task_reports_for(args.master)
                    if args.max_task_reports is None
                    else args.max_task_reports or None
                ),
            )
            _, sizes = plan.sizes()
            out["plans"].append(
                {
                    "volume": v,
                    "reports": big.n,
                    "windows": plan.windows,
                    "tasks": plan.tiles,
                    "largest_task_reports": int(sizes.max()),
                    "mean_task_reports": round(float(np.mean(sizes))),
                    "reports_in_tasks_per_report": round(float(sizes.sum()) / big.n, 2),
                    "plan_seconds": round(time.perf_counter() - t, 1),
                }
            )
            del big
    print(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
