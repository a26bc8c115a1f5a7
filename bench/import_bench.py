"""Import throughput into SQLite and PostgreSQL: reports a second, and peak memory.

Usage: python bench/import_bench.py [--reports N] [--postgres URL] [--skip-postgres]
Prints one JSON document. The target is 20,000 reports/s into SQLite and 5,000/s into PostgreSQL.
"""

import argparse
import csv
import json
import random
import resource
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from caselink.bootstrap import build
from caselink.domain.roles import Role
from caselink.services import users
from caselink.services.importing import Kind, import_file

FORCES = ["Kent", "Surrey", "Gwent", "Norfolk", "Metropolitan Police", "West Yorkshire"]
CODES = ["19C", "19D", "20A", "22A", "88E"]


def write_reports(path: Path, n: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    start = datetime(2017, 4, 1, tzinfo=UTC)
    header = [
        "reference",
        "force",
        "reported_at",
        "occurred_from",
        "occurred_to",
        "latitude",
        "longitude",
        "offence_code",
        "status",
        "cancellation_code",
        "cancellation_rationale",
        "cancellation_evidence",
        "narrative",
        "decided_at",
        "relationship",
        "offender_sex",
        "offender_age_band",
        "mo.approach",
        "mo.control",
        "mo.sexual_acts",
        "mo.location_type",
        "mo.victim_age_band",
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(header)
        for i in range(n):
            reported = start + timedelta(minutes=rnd.randrange(525_600))
            occurred = reported - timedelta(hours=rnd.randrange(1, 72))
            cancelled = rnd.random() < 0.1
            w.writerow(
                [
                    f"R{i:08d}",
                    FORCES[i % len(FORCES)],
                    reported.isoformat(),
                    occurred.isoformat(),
                    (occurred + timedelta(hours=3)).isoformat(),
                    f"{51 + rnd.random():.5f}",
                    f"{-1 + rnd.random():.5f}",
                    rnd.choice(CODES),
                    "cancelled" if cancelled else "crime",
                    "C2" if cancelled else "",
                    "CCTV shows no offence" if cancelled else "",
                    "CCTV ref 42" if cancelled else "",
                    "Account given at the station.",
                    (reported + timedelta(hours=rnd.randrange(48))).isoformat(),
                    rnd.choice(["stranger", "acquaintance", "partner"]),
                    "male",
                    "25-34",
                    rnd.choice(["blitz", "con", "surprise"]),
                    "physical_restraint|threats",
                    rnd.choice(["vaginal", "oral_on_offender|vaginal"]),
                    rnd.choice(["street", "park", "victim_home"]),
                    rnd.choice(["18-24", "25-34"]),
                ]
            )


def run(url: str, path: Path, n: int, workers: int) -> dict[str, object]:
    app = build(database=url)
    app.initialise()
    ctx = app.context
    users.add_user(ctx, "bench", Role.OFFICER, "bench-password-123", by="bench")
    actor = users.resolve_actor(ctx, "bench")
    t0 = time.perf_counter()
    summary = import_file(ctx, actor, Kind.REPORTS, path, workers=workers)
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    again = import_file(ctx, actor, Kind.REPORTS, path, workers=workers)
    reimport = time.perf_counter() - t1
    assert summary.imported == n, summary
    assert again.unchanged == n, again
    return {
        "reports": n,
        "seconds": round(seconds, 2),
        "reports_per_second": round(n / seconds),
        "reimport_unchanged_per_second": round(n / reimport),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="parsing processes (0: none)")
    args = parser.parse_args()
    results: dict[str, object] = {"workers": args.workers}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reports.csv"
        write_reports(path, args.reports)
        results["file_mb"] = round(path.stat().st_size / 1e6, 1)
        results["sqlite"] = run(str(Path(tmp) / "bench.db"), path, args.reports, args.workers)
        if not args.skip_postgres:
            name = f"caselink_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(
                args.postgres.replace("postgresql://", "postgresql+psycopg://"),
                isolation_level="AUTOCOMMIT",
            )
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                base = args.postgres.rsplit("/", 1)[0]
                results["postgresql"] = run(f"{base}/{name}", path, args.reports, args.workers)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
