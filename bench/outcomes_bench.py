"""Time the justice-path figures on a store with journeys, and recording one journey step; print
JSON.

Run: .venv/bin/python bench/outcomes_bench.py --db STORE [--years 10] [--scale 1.0] [--seed 7]
     .venv/bin/python bench/outcomes_bench.py --db postgresql://127.0.0.1/bench_outcomes \
         --copy-from STORE      (the same tables on PostgreSQL, copied from the SQLite store)

The store is built on first use through the same imports users run (reports, then the synthetic
journeys), so its build time is printed too; later runs reuse it. Each figure (attrition, mix,
time to charge, compliance, missed chances) is computed through its service, best of three; a
journey step (an arrest on a report with no journey yet) is recorded `--steps` times through the
service and its latencies' p50 and p95 printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

from caselink.bootstrap import build
from caselink.domain.roles import Role
from caselink.services import journey, outcomes, users
from caselink.services.context import Actor
from caselink.services.importing import Kind, import_file
from caselink.storage.bulk import BulkWriter
from caselink.storage.tables import (
    cancellations,
    journey_milestones,
    journey_steps,
    reports,
    victim_duties,
)
from caselink.synth import generate

PASSWORD = "bench-password-long-enough"


def _best_of(repeats: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def prepare(url: str, data: Path, years: int, scale: float, seed: int) -> dict[str, Any]:
    """A store with `years` of synthetic reports and their journeys; reused when built."""
    application = build(database=url)
    application.initialise()
    ctx = application.context
    with ctx.db.reader() as uow:
        ready = uow.users.get("bench") is not None
    figures: dict[str, Any] = {"reused": ready}
    if not ready:
        start = time.perf_counter()
        # the journeys run two years past the period, and steps in the future are refused
        first = date(date.today().year - years - 2, 4, 1)
        summary = generate(data, years=years, scale=scale, seed=seed, start=first)
        figures["period_start"] = first.isoformat()
        figures["generate_seconds"] = round(time.perf_counter() - start, 1)
        users.add_user(ctx, "bench", Role.REGISTRAR, PASSWORD, by="bench")
        actor = Actor("bench", Role.REGISTRAR)
        start = time.perf_counter()
        import_file(ctx, actor, Kind.REPORTS, summary.reports_csv, workers=2)
        figures["import_reports_seconds"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        done = import_file(ctx, actor, Kind.JOURNEY, summary.journey_csv, workers=2)
        figures["import_journey_seconds"] = round(time.perf_counter() - start, 1)
        figures["steps_imported"] = done.imported
    application.context.db.engine.dispose()
    return figures


# What the figures and a recorded step read: everything but the event log and persons.
COPIED = (reports, cancellations, journey_steps, journey_milestones, victim_duties)


def copy_store(source: str, url: str) -> dict[str, Any]:
    """Fill an empty store at `url` with the tables the figures read, copied from the store at
    `source` (COPY on PostgreSQL): the same data on another backend, without a second import of
    millions of journey steps. The event log is not copied, so `history verify` does not apply
    to the copy."""
    target = build(database=url)
    target.initialise()
    ctx = target.context
    with ctx.db.reader() as uow:
        if uow.users.get("bench") is not None:
            target.context.db.engine.dispose()
            return {"copied_from": source, "reused": True}
    users.add_user(ctx, "bench", Role.REGISTRAR, PASSWORD, by="bench")
    start = time.perf_counter()
    origin = create_engine(source if "://" in source else f"sqlite:///{source}")
    rows: dict[str, int] = {}
    with origin.connect() as read, ctx.db.engine.begin() as write:
        writer = BulkWriter(write)
        for table in COPIED:
            columns = [c.name for c in table.columns]
            result = read.execution_options(stream_results=True).execute(select(table))
            rows[table.name] = 0
            while batch := result.fetchmany(50_000):
                writer.insert(table, columns, batch)
                rows[table.name] += len(batch)
        if write.dialect.name == "postgresql":
            # the copied ids must not be handed out again
            for table in (reports, cancellations, journey_steps):
                write.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table.name}))"
                )
            write.exec_driver_sql("ANALYZE")
    origin.dispose()
    target.context.db.engine.dispose()
    return {
        "copied_from": source,
        "rows": rows,
        "copy_seconds": round(time.perf_counter() - start, 1),
    }


def measure(url: str, steps: int) -> dict[str, Any]:
    application = build(database=url)
    ctx = application.context
    inspector, analyst = Actor("bench-ian", Role.INSPECTOR), Actor("bench-ann", Role.ANALYST)
    with ctx.db.reader() as uow:
        figures: dict[str, Any] = {"reports": uow.queries.stats().reports}
    for name, run in (
        ("attrition_seconds", lambda: outcomes.attrition_figures(ctx, inspector)),
        ("mix_seconds", lambda: outcomes.outcome_mix_figures(ctx, inspector)),
        ("time_to_charge_seconds", lambda: outcomes.time_to_charge_figures(ctx, inspector)),
        ("compliance_seconds", lambda: outcomes.compliance_figures(ctx, inspector)),
        ("missed_chances_seconds", lambda: outcomes.missed_chance_figures(ctx, analyst)),
    ):
        figures[name] = round(_best_of(3, run), 3)
    officer = Actor("bench", Role.REGISTRAR)
    latencies = []
    for force, reference in _open_reports(url, steps):
        start = time.perf_counter()
        journey.record_step(ctx, officer, force, reference, "needs_assessed")
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    figures["record_step_ms"] = {
        "n": len(latencies),
        "p50": round(statistics.median(latencies), 2),
        "p95": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
    }
    application.context.db.engine.dispose()
    return figures


def _open_reports(url: str, n: int) -> list[tuple[str, str]]:
    """Open reports, the most recent first: a needs assessment may follow any step but an
    outcome."""
    engine = create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT r.force, r.reference FROM reports r "
                "LEFT JOIN journey_milestones m ON m.report_id = r.id "
                "WHERE m.outcome IS NULL ORDER BY r.reported_at DESC LIMIT :n"
            ),
            {"n": n},
        ).all()
    engine.dispose()
    return [(r[0], r[1]) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLite file or PostgreSQL URL")
    parser.add_argument("--data", type=Path, default=None, help="where the synthetic data goes")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--steps", type=int, default=200, help="journey steps to time")
    parser.add_argument(
        "--copy-from", default=None, help="fill --db with a copy of this store's tables instead"
    )
    args = parser.parse_args()
    data = args.data or Path(f"{args.db}.synth" if "://" not in args.db else "outcomes-bench")
    if args.copy_from:
        result = {"store": copy_store(args.copy_from, args.db)}
    else:
        result = {"store": prepare(args.db, data, args.years, args.scale, args.seed)}
    result.update(measure(args.db, args.steps))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
