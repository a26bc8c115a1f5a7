"""Person resolution on Spark against the same run on DuckDB, on one machine.

Usage: python bench/persons_spark_bench.py [--scale 3.7] [--seed 7] [--data DIR]
                                           [--database URL] [--master local[2]]
                                           [--driver-memory 4g]

Generates the synthetic dataset (scale 3.7 gives about a million person records, 0.37 about a
hundred thousand) or reads it from ``--data``, or reads the person records of a store
(``--database``, as ``caselink persons resolve`` does), then resolves the same records twice:
with ``caselink.linkage.persons.resolve`` (Splink on DuckDB, this machine's cores) and with
``caselink.linkage.spark.persons.resolve_on_spark`` on ``--master`` (Splink's Spark backend
training and scoring; the driver's steps as on DuckDB). Prints one JSON document: the seconds
of each and their ratio, each run's stages, the peak memory of this process (the driver) and of
Spark's JVM, whether the clusters are the same, and the largest difference of any record's
match probability and of the chosen threshold. Each stage is said on stderr as it starts.

    nice -n 15 .venv/bin/python bench/persons_spark_bench.py --scale 0.37 --seed 7
    nice -n 15 .venv/bin/python bench/persons_spark_bench.py --scale 3.7 --seed 7
"""

import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from caselink.linkage.persons import PersonModelSpec, PersonResolution, resolve
from caselink.linkage.spark.persons import resolve_on_spark
from caselink.linkage.spark.session import spark_session
from caselink.synth import generate
from caselink.synth.person_records import person_records

TODAY = date(2026, 12, 7)  # fixed, so both runs (and reruns) age the same dates of birth


def records_from_store(database: str) -> pa.Table:
    """Every person record of the store at ``database``, as ``persons resolve`` reads them."""
    from caselink.bootstrap import build

    application = build(database=database)
    with application.context.db.reader() as uow:
        records: pa.Table = uow.persons.records()
    application.context.db.engine.dispose()
    return records


def _rss_mb(pid: int, field: str = "VmHWM:") -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class _JvmPeak(threading.Thread):
    """Peak resident memory of Spark's JVM (local mode: executors run inside it)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.peak = max(self.peak, _rss_mb(self.pid, "VmRSS:"))


def _by_record(result: PersonResolution) -> dict[int, tuple[str, float | None]]:
    e = result.entities
    return dict(
        zip(
            e.column("person_id").to_pylist(),
            zip(
                e.column("entity_id").to_pylist(),
                e.column("match_probability").to_pylist(),
                strict=True,
            ),
            strict=True,
        )
    )


def _clusters(by_record: dict[int, tuple[str, float | None]]) -> set[frozenset[int]]:
    groups: dict[str, set[int]] = {}
    for pid, (eid, _p) in by_record.items():
        groups.setdefault(eid, set()).add(pid)
    return {frozenset(g) for g in groups.values()}


def compare(duck: PersonResolution, spark: PersonResolution) -> dict[str, Any]:
    """Whether both runs formed the same clusters, and how far their probabilities differ."""
    a, b = _by_record(duck), _by_record(spark)
    worst, null_mismatch = 0.0, 0
    for pid, (_e, p) in a.items():
        q = b[pid][1]
        if (p is None) != (q is None):
            null_mismatch += 1
        elif p is not None and q is not None:
            worst = max(worst, abs(p - q))
    ca, cb = _clusters(a), _clusters(b)
    return {
        "same_records": a.keys() == b.keys(),
        "same_clusters": ca == cb,
        "clusters_only_duckdb": len(ca - cb),
        "clusters_only_spark": len(cb - ca),
        "largest_probability_difference": worst,
        "probability_null_mismatches": null_mismatch,
        "threshold_difference": abs(duck.figures["threshold"] - spark.figures["threshold"]),
        "prior_difference": abs(
            duck.model["probability_two_random_records_match"]
            - spark.model["probability_two_random_records_match"]
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=3.7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="reuse (or write) the synthetic data here")
    parser.add_argument("--database", help="read the person records of this store instead")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument(
        "--driver-memory",
        default="4g",
        help="the Spark driver's heap (on a local master, the executors' too) [default: 4g]",
    )
    args = parser.parse_args()
    # Spark's default heap of 1 GB runs out collecting the scored pairs of 100,000 records;
    # the driver's memory can only be set before its JVM starts
    os.environ["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {args.driver_memory} pyspark-shell"

    started = time.perf_counter()
    if args.database:
        records = records_from_store(args.database)
    else:
        data = args.data or Path(tempfile.mkdtemp(prefix="persons-spark-bench-")) / "synth"
        if not (data / "persons.csv").exists():
            generate(data, scale=args.scale, seed=args.seed)
        records = person_records(data / "persons.csv")
    load_seconds = time.perf_counter() - started
    spec = PersonModelSpec()

    start = time.perf_counter()
    duck = resolve(records, spec, today=TODAY, progress=_say("duckdb"))
    duck_seconds = time.perf_counter() - start
    _say("duckdb")(f"done in {duck_seconds:.1f} s: {duck.figures['seconds']}")
    gc.collect()
    driver_after_duckdb = _rss_mb(os.getpid())

    with spark_session(args.master, app_name="caselink-persons-bench") as spark:
        jvm = _JvmPeak(_jvm_pid(spark))
        jvm.start()
        start = time.perf_counter()
        on_spark = resolve_on_spark(records, spark, spec, today=TODAY, progress=_say("spark"))
        spark_seconds = time.perf_counter() - start
        jvm.done.set()
        jvm.join()

    print(
        json.dumps(
            {
                "records": records.num_rows,
                "master": args.master,
                "load_seconds": round(load_seconds, 1),
                "duckdb_seconds": round(duck_seconds, 1),
                "spark_seconds": round(spark_seconds, 1),
                "ratio": round(spark_seconds / duck_seconds, 2),
                "duckdb_stages": duck.figures["seconds"],
                "spark_stages": on_spark.figures["seconds"],
                "entities": duck.figures["entities"],
                "entities_with_several_records": duck.figures["entities_with_several_records"],
                "threshold": duck.figures["threshold"],
                **compare(duck, on_spark),
                "driver_peak_mb_after_duckdb": round(driver_after_duckdb),
                "driver_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "jvm_peak_mb": round(jvm.peak),
                "notes_duckdb": duck.figures["notes"][-3:],
                "notes_spark": on_spark.figures["notes"][-3:],
            },
            indent=2,
        )
    )
    sys.stdout.flush()


def _say(engine: str) -> Callable[[str], None]:
    # each stage as it starts, on stderr: a run cut short still shows how far it got
    def say(stage: str) -> None:
        print(f"{datetime.now(UTC):%H:%M:%S} {engine}: {stage}", file=sys.stderr, flush=True)

    return say


def _jvm_pid(spark: Any) -> int:
    # the JVM that py4j talks to: in local mode it runs the executors as well
    return int(spark.sparkContext._jvm.ProcessHandle.current().pid())


if __name__ == "__main__":
    main()
