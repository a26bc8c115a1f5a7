"""`caselink link query` latency on a large store: ranked candidates with reasons for one report.

Usage: python bench/link_query_bench.py --db STORE [--data SYNTH_FOLDER] [--queries 500]
       [--max-km 5] [--max-days 60] [--k 10] [--seed 7]

``--db`` is a SQLite store holding synthetic reports (``bench/web_bench.py --years 10 --scale 1.0
--db STORE`` builds a ten-year one, 1.5 million reports, and leaves the synthetic CSVs in
``STORE``'s folder under synth/). When the store has no linkage run yet, the offenders of
``--data`` (default: synth/ beside the store) are imported, a model is trained and every report
scored, keeping ten links a report. The run uses a narrow window (``--max-km``, ``--max-days``)
so ten years score in minutes on two cores: a query reads the stored links of one report and
works out their reasons, so its cost does not depend on the window the run used.

Then ``--queries`` reports picked at random are queried one after another through
``services.linkage.query`` (what the CLI and the web page call: the stored links, their
evidence recomputed for the reasons, the access-log entry written). Prints one JSON document
with the run's figures (when it made one) and p50/p95/p99/max in milliseconds. Target: p95 at
most 50 ms.
"""

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from caselink.bootstrap import build
from caselink.domain.roles import Role
from caselink.linkage.offences import LinkSettings
from caselink.services import linkage, users
from caselink.services.context import Actor
from caselink.services.importing import Kind, import_file

TARGET_P95_MS = 50.0
ANALYST = "bench-analyst"
REGISTRAR = "bench-registrar"  # imports the offenders (analysts may not record)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--data", type=Path, help="the synthetic folder the store was built from")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--max-km", type=float, default=5.0)
    ap.add_argument("--max-days", type=float, default=60.0)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    application = build(database=str(args.db))
    application.initialise()
    ctx = application.context
    for name, role in ((ANALYST, Role.ANALYST), (REGISTRAR, Role.REGISTRAR)):
        with ctx.db.reader() as uow:
            known = uow.users.get(name) is not None
        if not known:
            users.add_user(ctx, name, role, "benchmark password 1", by="bench")
    actor = Actor(ANALYST, Role.ANALYST)
    out: dict[str, Any] = {"benchmark": "link_query", "store": str(args.db)}
    with ctx.db.reader() as uow:
        has_run = uow.links.latest_run("run") is not None
    if not has_run:
        data = args.data or args.db.parent / "synth"
        t = time.perf_counter()
        import_file(ctx, Actor(REGISTRAR, Role.REGISTRAR), Kind.OFFENDERS, data / "offenders.csv")
        out["import_offenders_seconds"] = round(time.perf_counter() - t, 1)
        settings = LinkSettings(max_km=args.max_km, max_days=args.max_days)
        t = time.perf_counter()
        linkage.train(ctx, actor, settings=settings)
        out["train_seconds"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        ran = linkage.run(ctx, actor)
        out["run_seconds"] = round(time.perf_counter() - t, 1)
        out["run"] = {
            "pairs": ran.pairs,
            "links": ran.links,
            "series": ran.series.num_rows,
            "series_with_write_offs": ran.series_with_write_offs,
            "seconds": ran.seconds,
        }
    with ctx.db.reader() as uow:
        out["reports"] = uow.connection.exec_driver_sql("SELECT count(*) FROM reports").scalar()
        keys = uow.connection.exec_driver_sql(
            "SELECT force, reference FROM reports ORDER BY random() LIMIT ?", (args.queries,)
        ).all()
    rnd = random.Random(args.seed)
    rnd.shuffle(keys)
    for force, reference in keys[:20]:  # warm the caches and the model
        linkage.query(ctx, actor, force, reference, k=args.k, why="performance benchmark")
    latencies = []
    for force, reference in keys:
        t = time.perf_counter()
        linkage.query(ctx, actor, force, reference, k=args.k, why="performance benchmark")
        latencies.append((time.perf_counter() - t) * 1000)
    cuts = statistics.quantiles(latencies, n=100)
    out["queries"] = len(latencies)
    out["latency_ms"] = {
        "p50": round(cuts[49], 1),
        "p95": round(cuts[94], 1),
        "p99": round(cuts[98], 1),
        "max": round(max(latencies), 1),
    }
    out["target_p95_ms"] = TARGET_P95_MS
    out["meets_target"] = cuts[94] <= TARGET_P95_MS
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
