"""`caselink demo` and `caselink synth`: the synthetic national dataset, and the main job on it."""

import time
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from caselink.cli.options import Json
from caselink.cli.output import console, print_json, progress
from caselink.cli.running import running
from caselink.integrity import Rate
from caselink.services.demo import DEMO_USERS, DemoResult, demo_password, prepare_folder, run_demo
from caselink.synth import generate

Out = Annotated[Path, typer.Option("--out", help="the folder to write into")]
Scale = Annotated[
    float, typer.Option("--scale", min=0.001, help="1.0 is one national year of volume")
]
Seed = Annotated[int, typer.Option("--seed", help="the same seed gives the same dataset")]


def synth(
    out: Out,
    years: Annotated[int, typer.Option("--years", min=1, help="years to generate")] = 1,
    scale: Scale = 1.0,
    seed: Seed = 0,
    as_json: Json = False,
) -> None:
    """Write a synthetic national dataset (caselink CSV) with its ground truth in truth/."""
    start = time.perf_counter()
    with progress("generating reports", None, not as_json) as tick:
        summary = generate(out, years=years, scale=scale, seed=seed, progress=lambda d, t: tick(d))
    seconds = time.perf_counter() - start
    doc = {
        "out": str(out),
        "reports": summary.reports,
        "rape_reports": summary.rape_reports,
        "persons": summary.persons,
        "solved_reports": summary.solved_reports,
        "repeat_offenders": summary.repeat_offenders,
        "write_offs": summary.write_offs,
        "wrong_write_offs": summary.wrong_write_offs,
        "rape_write_off_rate": summary.rape_write_off_rate,
        "seconds": round(seconds, 2),
    }
    if as_json:
        print_json(doc)
    else:
        console.print(
            f"{summary.reports:,} reports, {summary.persons:,} persons and "
            f"{summary.solved_reports:,} solved labels written to {out} in {seconds:.1f} s "
            f"(truth in {out / 'truth'})"
        )


def demo(
    out: Out = Path("caselink-demo"),
    scale: Scale = 1.0,
    seed: Seed = 2017,
    workers: Annotated[
        int, typer.Option("--workers", min=0, help="processes parsing on import")
    ] = 0,
    as_json: Json = False,
) -> None:
    """The main job: a national year of synthetic reports in a fresh database, every analysis
    run on it."""
    db_path, data_dir = prepare_folder(out)
    started = time.perf_counter()
    with running(str(db_path), as_json, need_schema=False) as application, ExitStack() as stack:
        application.initialise()

        def stage(description: str, total: int | None):  # type: ignore[no-untyped-def]
            stack.close()
            return stack.enter_context(progress(description, total, not as_json))

        result = run_demo(
            application.context, data_dir, scale=scale, seed=seed, workers=workers, stage=stage
        )
        stack.close()
    seconds = time.perf_counter() - started
    if as_json:
        print_json(_document(result, db_path, seconds))
    else:
        _render(result, db_path, seconds)


def _rate(rate: Rate) -> str:
    if rate.rate is None or rate.lower is None or rate.upper is None:
        return "—"
    return f"{rate.rate:.1%} ({rate.lower:.1%}–{rate.upper:.1%})"


def _document(result: DemoResult, db_path: Path, seconds: float) -> dict[str, object]:
    return {
        "database": str(db_path.resolve()),
        "data": str(result.data_dir.resolve()),
        "seconds": round(seconds, 1),
        "stats": result.stats.to_dict(),
        "imports": {k: v.to_dict() for k, v in result.imports.items()},
        "history_intact": result.chain.intact,
        "rape_write_off_rate": result.national.to_dict(),
        "forces": [
            {"force": f.force, **f.rate.to_dict(), "pending": f.pending} for f in result.forces
        ],
        "users": [
            {"user": name, "role": role.value, "password": demo_password(name)}
            for name, role in DEMO_USERS
        ],
    }


def _render(result: DemoResult, db_path: Path, seconds: float) -> None:
    s = result.stats
    console.print(
        Panel.fit(
            f"[bold]{s.reports:,}[/] reports from {len(s.by_force)} forces, "
            f"{s.persons:,} persons, {s.offenders:,} solved-report labels, {s.events:,} events "
            f"in the history ({'chain intact' if result.chain.intact else 'CHAIN BROKEN'}), "
            f"ready in {seconds:.0f} s",
            title="caselink demo",
        )
    )
    status = Table(title="reports by status", show_header=False)
    for name, n in s.by_status.items():
        status.add_row(name, f"{n:,}")
    status.add_row("pending cancellations", f"{s.pending_cancellations:,}")
    console.print(status)
    table = Table(
        title="rape write-off rate: cancelled or transferred among rape-coded reports (95% Wilson)"
    )
    table.add_column("force")
    table.add_column("rape reports", justify="right")
    table.add_column("written off", justify="right")
    table.add_column("rate (95% CI)", justify="right")
    table.add_column("awaiting authorisation", justify="right")
    highlighted = sorted(result.forces, key=lambda f: -(f.rate.rate or 0.0))
    for f in highlighted[:5] + [f for f in highlighted[-3:] if f not in highlighted[:5]]:
        table.add_row(
            f.force,
            f"{f.rate.denominator:,}",
            f"{f.rate.numerator:,}",
            _rate(f.rate),
            f"{f.pending:,}",
        )
    table.add_row(
        "[bold]England and Wales[/]",
        f"{result.national.denominator:,}",
        f"{result.national.numerator:,}",
        _rate(result.national),
        f"{sum(f.pending for f in result.forces):,}",
    )
    console.print(table)
    users = "\n".join(
        f"  {name:<6} {role.value:<10} password {demo_password(name)}" for name, role in DEMO_USERS
    )
    console.print(
        Panel(
            f"database  {db_path.resolve()}\n"
            f"data      {result.data_dir.resolve()} (ground truth in truth/)\n\n"
            f"users\n{users}\n\n"
            "try\n"
            f"  export CASELINK_DATABASE_URL={db_path.resolve()}\n"
            "  caselink stats\n"
            "  caselink report show Kent <reference> --user rita --why 'demo'\n"
            "  caselink history verify",
            title="where everything is",
        )
    )
