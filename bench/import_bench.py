"""Import throughput into SQLite and PostgreSQL: reports a second, and peak memory by file size.

Usage: python bench/import_bench.py [--reports N ...] [--workers W] [--skip-postgres]
Each import runs in its own process, so its peak memory is its own: memory should stay flat as
files grow. Prints one JSON document. Targets: 20,000 reports/s into SQLite, 5,000/s into
PostgreSQL.
"""

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

FORCES = ["Kent", "Surrey", "Gwent", "Norfolk", "Metropolitan Police", "West Yorkshire"]
CODES = ["19C", "19D", "20A", "22A", "88E"]
HEADER = [
    "reference", "force", "reported_at", "occurred_from", "occurred_to", "latitude", "longitude",
    "offence_code", "status", "cancellation_code", "cancellation_rationale",
    "cancellation_evidence", "narrative", "decided_at", "relationship", "offender_sex",
    "offender_age_band", "mo.approach", "mo.control", "mo.sexual_acts", "mo.location_type",
    "mo.victim_age_band",
]  # fmt: skip


def write_reports(path: Path, n: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    start = datetime(2017, 4, 1, tzinfo=UTC)
    with path.open("w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(HEADER)
        for i in range(n):
            reported = start + timedelta(minutes=rnd.randrange(525_600))
            occurred = reported - timedelta(hours=rnd.randrange(1, 72))
            cancelled = rnd.random() < 0.1
            w.writerow([
                f"R{i:08d}", FORCES[i % len(FORCES)], reported.isoformat(), occurred.isoformat(),
                (occurred + timedelta(hours=3)).isoformat(), f"{51 + rnd.random():.5f}",
                f"{-1 + rnd.random():.5f}", rnd.choice(CODES),
                "cancelled" if cancelled else "crime",
                "C2" if cancelled else "", "CCTV shows no offence" if cancelled else "",
                "CCTV ref 42" if cancelled else "", "Account given at the station.",
                (reported + timedelta(hours=rnd.randrange(48))).isoformat(),
                rnd.choice(["stranger", "acquaintance", "partner"]), "male", "25-34",
                rnd.choice(["blitz", "con", "surprise"]), "physical_restraint|threats",
                rnd.choice(["vaginal", "oral_on_offender|vaginal"]),
                rnd.choice(["street", "park", "victim_home"]), rnd.choice(["18-24", "25-34"]),
            ])  # fmt: skip


def child(url: str, path: Path, n: int, workers: int) -> dict[str, object]:
    """One measured import (run in its own process): first import, then the same file again."""
    from caselink.bootstrap import build
    from caselink.domain.roles import Role
    from caselink.services import users
    from caselink.services.importing import Kind, import_file

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
        "reports": n, "seconds": round(seconds, 2), "reports_per_second": round(n / seconds),
        "reimport_unchanged_per_second": round(n / reimport),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }  # fmt: skip


def measure(url: str, path: Path, n: int, workers: int) -> dict[str, object]:
    args = [sys.executable, __file__, "--child", url, str(path), str(n), str(workers)]
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--postgres", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--workers", type=int, default=0, help="parsing processes (0: none)")
    args = parser.parse_args()
    sqlite: list[dict[str, object]] = []
    postgresql: list[dict[str, object]] = []
    admin = create_engine(
        args.postgres.replace("postgresql://", "postgresql+psycopg://"),
        isolation_level="AUTOCOMMIT",
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.reports:
            path = Path(tmp) / f"reports-{n}.csv"
            write_reports(path, n)
            sqlite.append(measure(str(Path(tmp) / f"bench-{n}.db"), path, n, args.workers))
            if args.skip_postgres:
                continue
            name = f"caselink_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                base = args.postgres.rsplit("/", 1)[0]
                postgresql.append(measure(f"{base}/{name}", path, n, args.workers))
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    doc = {"workers": args.workers, "sqlite": sqlite, "postgresql": postgresql}
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))))
    else:
        main()
