"""Person resolution at national scale: caselink's run against Splink called directly.

Usage: python bench/persons_bench.py [--scale 3.7] [--seed 7] [--data DIR] [--threshold P]
                                     [--repeat 3] [--database URL] [--reuse] [--import-only]

Generates the synthetic dataset (scale 3.7 gives about a million person records), imports it
into a fresh SQLite database, then times
  * caselink: ``services.persons.resolve`` — read every record from the database, prepare,
    train, predict, cluster, evaluate against the truth and write the run and every record's
    entity back; the ratio leaves out the evaluation against the truth (timed as its own stage),
    which Splink's side has no counterpart of, and ``ratio_with_evaluation`` keeps it in;
  * Splink: the same prepared records and the same settings, registered with Splink's DuckDB
    API and put through the same training calls, prediction and clustering, nothing else.
The two sides take turns, --repeat times each; the ratio is of the median times. Prints one JSON
document: every run's time, the medians, the ratio, and the run's precision, recall and F1.
Targets: a million records within 300 s; ratio at most 1.3.
"""

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

import duckdb
from splink import DuckDBAPI, Linker
from sqlalchemy import func, select

from caselink.bootstrap import build
from caselink.domain.roles import Role
from caselink.linkage.persons.comparisons import (
    DETERMINISTIC_RULES,
    PersonModelSpec,
    settings_creator,
    training_blocking_rules,
)
from caselink.linkage.persons.preparation import PREPARED_TABLE, prepare
from caselink.services import persons, users
from caselink.services.importing import Kind, import_file
from caselink.storage.tables import persons as persons_table
from caselink.synth import generate


def splink_directly(prepared_path: Path, spec: PersonModelSpec) -> tuple[float, int]:
    """Splink on the prepared records: the calls caselink makes, and nothing around them."""
    start = time.perf_counter()
    con = duckdb.connect()
    db_api = DuckDBAPI(con)
    sdf = db_api.register(con.read_parquet(str(prepared_path)).to_arrow_table())
    linker = Linker(sdf, settings_creator(spec), log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        list(DETERMINISTIC_RULES), recall=spec.deterministic_recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=spec.u_max_pairs, seed=spec.seed)
    for rule in training_blocking_rules():
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    predictions = linker.inference.predict(threshold_match_probability=spec.threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=spec.threshold
    )
    n = len(clusters.as_pyarrow_table())
    con.close()
    return time.perf_counter() - start, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=3.7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="reuse (or write) the synthetic data here")
    parser.add_argument(
        "--threshold", type=float, help="a fixed threshold [default: chosen by the run]"
    )
    parser.add_argument(
        "--database", help="database URL to import into [default: a fresh SQLite file]"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side, in turns")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --database: when it already holds the dataset's records, time the runs on "
        "it without importing again (a million records take minutes to import)",
    )
    parser.add_argument("--import-only", action="store_true", help="import, then stop")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="persons-bench-"))
    data = args.data or work / "synth"
    if not (data / "persons.csv").exists():
        generate(data, scale=args.scale, seed=args.seed)
    application = build(database=args.database or str(work / "bench.db"))
    application.initialise()
    ctx = application.context
    held = 0
    if args.reuse:
        with ctx.db.reader() as uow:
            counted = select(func.count()).select_from(persons_table)
            held = uow.connection.execute(counted).scalar_one()
    if not held:
        users.add_user(ctx, "officer", Role.OFFICER, "bench password 1", by="bench")
        users.add_user(ctx, "analyst", Role.ANALYST, "bench password 2", by="bench")
    officer = users.resolve_actor(ctx, "officer")
    analyst = users.resolve_actor(ctx, "analyst")

    import_seconds = None
    if not held:
        start = time.perf_counter()
        import_file(ctx, officer, Kind.REPORTS, data / "reports.csv")
        import_file(ctx, officer, Kind.PERSONS, data / "persons.csv")
        import_seconds = round(time.perf_counter() - start, 1)
    if args.import_only:
        print(json.dumps({"import_seconds": import_seconds}))
        return

    spec = PersonModelSpec(threshold=args.threshold or PersonModelSpec().threshold)
    # The same records as Splink sees them inside caselink, prepared once, outside the timing.
    with ctx.db.reader() as uow:
        records = uow.persons.records()
    con = duckdb.connect()
    prepare(con, records, today=datetime.now(UTC).date())
    prepared_path = work / "prepared.parquet"
    con.execute(f"COPY {PREPARED_TABLE} TO '{prepared_path}' (FORMAT parquet)")
    con.close()
    del records

    # Run times on this machine vary by a tenth from one run to the next, so the two sides take
    # turns and the ratio is of the medians.
    ours: list[float] = []
    ours_evaluated: list[float] = []
    theirs: list[float] = []
    stages: list[dict[str, float]] = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        summary = persons.resolve(
            ctx, analyst, threshold=args.threshold, truth=data / "truth" / "person_identities.csv"
        )
        seconds = time.perf_counter() - start
        stages.append(summary.figures["seconds"])
        ours_evaluated.append(seconds)
        ours.append(seconds - stages[-1].get("evaluate", 0.0))
        # Splink at the threshold the run used, so both cluster the same links
        spec = PersonModelSpec(threshold=summary.threshold)
        splink_seconds, clustered = splink_directly(prepared_path, spec)
        theirs.append(splink_seconds)
    resolve_seconds, caselink_seconds = median(ours), median(ours_evaluated)
    splink_seconds = median(theirs)

    evaluation = summary.evaluation or {}
    print(
        json.dumps(
            {
                "records": summary.figures["records"],
                "entities": summary.figures["entities"],
                "threshold": spec.threshold,
                "import_seconds": import_seconds,  # null: the store was reused
                "runs": args.repeat,
                "caselink_seconds": round(caselink_seconds, 1),
                "caselink_seconds_without_evaluation": round(resolve_seconds, 1),
                "caselink_runs_without_evaluation": [round(v, 1) for v in ours],
                "caselink_stages": stages,
                "splink_seconds": round(splink_seconds, 1),
                "splink_runs": [round(v, 1) for v in theirs],
                "splink_records_clustered": clustered,
                "ratio": round(resolve_seconds / splink_seconds, 3),
                "ratio_with_evaluation": round(caselink_seconds / splink_seconds, 3),
                "expected_precision": summary.figures.get("expected_precision"),
                "precision": evaluation.get("precision"),
                "recall": evaluation.get("recall"),
                "f1": evaluation.get("f1"),
                "cluster_precision": evaluation.get("cluster_precision"),
                "cluster_recall": evaluation.get("cluster_recall"),
                "exact_entities": evaluation.get("exact_entities"),
                "identities": evaluation.get("identities"),
                "merged_entities": evaluation.get("merged_entities"),
                "split_identities": evaluation.get("split_identities"),
            },
            indent=2,
        )
    )
    application.context.db.engine.dispose()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
