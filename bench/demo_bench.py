"""Time the demo stage by stage, and the journey import on its own with digests of what it
stores; print JSON.

Run: .venv/bin/python bench/demo_bench.py stages [--python PATH] [--scale 1.0] [--out DIR]
     .venv/bin/python bench/demo_bench.py journey --data DIR [--postgres URL] [--repeat 1]
     .venv/bin/python bench/demo_bench.py beside --out DIR [--repeat 3]

`stages` runs the demo (what `caselink demo --no-serve` runs, then builds the web app it would
serve) in a fresh interpreter of its own (another checkout's with `--python`, e.g. a fresh
clone's `.venv/bin/python`, for a cold run), and prints each stage's wall time and processor
time (the demo's process and its finished children); start-up is the time from starting the
interpreter to the first stage, imports included. On a shared machine the processor time is
the steadier figure. A cold run is a fresh clone after `make setup`: no numba cache, no
__pycache__, no demo store; every later run of the same checkout is warm.

`journey` imports a synthetic dataset's reports (written by `caselink synth --out DIR`) into a
new SQLite store once, then imports its journey.csv into a copy of that store `--repeat` times
(with `--postgres`, into a new database on that server each time, reports and all), and
prints the time and digests of journey_steps, journey_milestones, victim_duties, the reports'
versions and the journey events' payloads. Run it with another version's src/ on PYTHONPATH
(a `git worktree` of it) on the same dataset: equal digests mean the same stored results.

`beside` times, on the store of a demo already run (`stages --out DIR`), the history check
followed by person resolution, training and linking (as the demo once ran them), and the same
with the check in a thread beside the three (as it runs them now), taking turns `--repeat`
times each. Every turn adds a person run, a model and a link run to that store.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from caselink.bootstrap import build
from caselink.domain.roles import Role
from caselink.services import users
from caselink.services.context import Actor
from caselink.services.importing import Kind, import_file
from caselink.storage.engine import database_url

PASSWORD = "bench-password-long-enough"


def stages(python: str, scale: float, out: Path) -> dict[str, Any]:
    """Run the demo once in a fresh interpreter and collect each stage's time."""
    started = time.perf_counter()
    run = subprocess.run(
        [python, __file__, "_run", "--scale", str(scale), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"the demo failed ({run.returncode}):\n{run.stderr}")
    result: dict[str, Any] = json.loads(run.stdout)
    startup = {"stage": "start-up and imports", "seconds": round(wall - result["in_process"], 1)}
    result["stages"].insert(0, startup)
    result["python"] = python
    result["ready_seconds"] = round(wall, 1)
    return result


def _run(scale: float, out: Path) -> dict[str, Any]:
    """In the demo's process: run it with a stage function that notes each stage's wall and
    processor time (this process's and its finished children's), as `caselink demo` would."""
    entered = time.perf_counter()
    from caselink.bootstrap import build
    from caselink.services.demo import DemoFolder, run_demo

    timings: list[dict[str, Any]] = [{"stage": "a new store (schema)"}]
    marks: list[tuple[float, float]] = [(time.perf_counter(), _cpu())]

    def stage(description: str, total: int | None) -> Any:
        _close(timings, marks)
        timings.append({"stage": description})
        return lambda done, total=None: None

    folder = DemoFolder(out)
    folder.clear()
    application = build(database=str(folder.database))
    application.initialise()
    run_demo(application.context, folder, scale=scale, workers=2, stage=stage)
    _close(timings, marks)
    timings.append({"stage": "web app built"})
    from caselink.web.serving import from_environment

    os.environ["CASELINK_DATABASE_URL"] = application.database_url
    from_environment()
    _close(timings, marks)
    return {
        "scale": scale,
        "stages": timings,
        "in_process": round(time.perf_counter() - entered, 2),
        "cpu_seconds": round(_cpu(), 1),
    }


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _close(timings: list[dict[str, Any]], marks: list[tuple[float, float]]) -> None:
    """End the stage in progress: its wall and processor seconds since the last mark."""
    now, cpu = time.perf_counter(), _cpu()
    last_wall, last_cpu = marks[-1]
    timings[-1].update(seconds=round(now - last_wall, 1), cpu_seconds=round(cpu - last_cpu, 1))
    marks.append((now, cpu))


def journey(data: Path, postgres: str | None, repeat: int) -> dict[str, Any]:
    """Import the reports once, then the journeys into a copy of that store, timed."""
    work = Path(tempfile.mkdtemp(prefix="journey-bench-"))
    actor = Actor("bench", Role.REGISTRAR)
    runs: list[float] = []
    digests: dict[str, str] = {}
    summary: dict[str, Any] = {}
    try:
        base = work / "reports.db"
        ctx = _store(str(base))
        started = time.perf_counter()
        import_file(ctx, actor, Kind.REPORTS, data / "reports.csv", workers=2)
        reports_seconds = time.perf_counter() - started
        ctx.db.engine.dispose()
        for _ in range(repeat):
            with _target(work, base, postgres) as (url, fresh):
                ctx = _store(url, fresh)
                if fresh:
                    import_file(ctx, actor, Kind.REPORTS, data / "reports.csv", workers=2)
                started = time.perf_counter()
                result = import_file(ctx, actor, Kind.JOURNEY, data / "journey.csv", workers=2)
                runs.append(time.perf_counter() - started)
                summary = result.to_dict()
                digests = _digests(ctx)
                ctx.db.engine.dispose()
        steps = summary.get("imported", 0)
        return {
            "data": str(data),
            "reports_import_seconds": round(reports_seconds, 1),
            "journey_import_seconds": [round(s, 1) for s in runs],
            "steps": steps,
            "steps_per_second": round(steps / min(runs)) if runs and min(runs) else None,
            "summary": summary,
            "digests": digests,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def beside(out: Path, repeat: int) -> dict[str, Any]:
    """The history check then the linkage, against the check in a thread beside the linkage."""
    from concurrent.futures import ThreadPoolExecutor

    from caselink.services import history, linkage, persons
    from caselink.services.demo import DEMO_HOMES, DEMO_LINK_SETTINGS, DemoFolder

    folder = DemoFolder(out)
    ctx = build(database=str(folder.database)).context
    analyst = Actor("ann", Role.ANALYST, DEMO_HOMES["ann"])
    truth = folder.data / "truth" / "person_identities.csv"

    def linking() -> None:
        persons.resolve(ctx, analyst, truth=truth)
        linkage.train(ctx, analyst, settings=DEMO_LINK_SETTINGS)
        linkage.run(ctx, analyst, top=5)

    times: dict[str, list[float]] = {"check_then_linkage": [], "check_beside_linkage": []}
    for _ in range(repeat):
        started = time.perf_counter()
        intact = [history.verify(ctx).intact]
        linking()
        times["check_then_linkage"].append(round(time.perf_counter() - started, 1))
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=1) as pool:
            checked = pool.submit(history.verify, ctx)
            linking()
            intact.append(checked.result().intact)
        times["check_beside_linkage"].append(round(time.perf_counter() - started, 1))
        if not all(intact):
            sys.exit(f"the history of {folder.database} is not intact: time an intact store")
    ctx.db.engine.dispose()
    return {"store": str(folder.database), **times}


@contextmanager
def _target(work: Path, base: Path, postgres: str | None) -> Iterator[tuple[str, bool]]:
    """Where one journey import goes: a copy of the SQLite store of reports, or a new
    PostgreSQL database (dropped afterwards) that still needs its reports."""
    if postgres is None:
        target = work / "journey.db"
        shutil.copyfile(base, target)
        yield str(target), False
        return
    admin = create_engine(database_url(postgres), isolation_level="AUTOCOMMIT")
    name = f"journey_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{postgres.rsplit('/', 1)[0]}/{name}", True
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _store(url: str, fresh: bool = True) -> Any:
    application = build(database=url)
    if fresh:
        application.initialise()
        users.add_user(application.context, "bench", Role.REGISTRAR, PASSWORD, by="bench")
    return application.context


_DIGESTS = {
    "journey_steps": "SELECT r.force, r.reference, s.id, s.kind, s.at, s.actor, s.details, "
    "s.source_digest FROM journey_steps s JOIN reports r ON r.id = s.report_id ORDER BY s.id",
    "journey_milestones": "SELECT r.force, r.reference, m.* FROM journey_milestones m "
    "JOIN reports r ON r.id = m.report_id ORDER BY r.force, r.reference",
    "victim_duties": "SELECT r.force, r.reference, d.* FROM victim_duties d "
    "JOIN reports r ON r.id = d.report_id "
    "ORDER BY r.force, r.reference, d.decided_at, d.decision",
    "report_versions": "SELECT force, reference, version FROM reports ORDER BY force, reference",
    # The events' times are the clock's, so only what each says is compared, in order.
    "journey_events": "SELECT seq, report_id, kind, force, reference, actor, payload FROM events "
    "WHERE kind = 'journey_imported' ORDER BY seq",
}


def _digests(ctx: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    with ctx.db.engine.connect() as conn:
        for name, query in _DIGESTS.items():
            digest, count = hashlib.sha256(), 0
            for row in conn.execute(text(query)):
                digest.update(repr(tuple(row)).encode())
                count += 1
            out[name] = f"{count}:{digest.hexdigest()[:16]}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("stages", help="time each stage of the demo")
    run.add_argument(
        "--python", default=sys.executable, help="the interpreter of the checkout to time"
    )
    run.add_argument("--scale", type=float, default=1.0)
    run.add_argument("--out", type=Path, default=None, help="the demo's folder (a temporary one)")
    inner = commands.add_parser("_run")  # the demo's own process, started by `stages`
    inner.add_argument("--scale", type=float, required=True)
    inner.add_argument("--out", type=Path, required=True)
    one = commands.add_parser("journey", help="time the journey import; digest what it stores")
    one.add_argument("--data", type=Path, required=True, help="a `caselink synth` folder")
    one.add_argument(
        "--postgres", default=None, help="a PostgreSQL server's URL (SQLite when not given)"
    )
    one.add_argument("--repeat", type=int, default=1)
    side = commands.add_parser("beside", help="time the history check before and beside linkage")
    side.add_argument("--out", type=Path, required=True, help="the folder of a demo run")
    side.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.command == "stages":
        out = args.out or Path(tempfile.mkdtemp(prefix="demo-bench-"))
        try:
            result = stages(args.python, args.scale, out)
        finally:
            if args.out is None:
                shutil.rmtree(out, ignore_errors=True)
    elif args.command == "_run":
        result = _run(args.scale, args.out)
    elif args.command == "beside":
        result = beside(args.out, args.repeat)
    else:
        result = journey(args.data, args.postgres, args.repeat)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
