"""`caselink demo` and `caselink synth`: the synthetic national dataset, and the main job on it."""

import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.panel import Panel
from rich.table import Table

from caselink.cli.options import Json
from caselink.cli.output import console, print_json, progress, refuse
from caselink.cli.running import running
from caselink.cli.web import run_server
from caselink.services.demo import (
    DEMO_HOMES,
    DEMO_USERS,
    DemoFolder,
    DemoResult,
    demo_password,
    run_demo,
)
from caselink.synth import generate

Out = Annotated[Path, typer.Option("--out", help="the folder to write into")]
Scale = Annotated[
    float, typer.Option("--scale", min=0.001, help="1.0 is one national year of volume")
]
Seed = Annotated[int, typer.Option("--seed", help="the same seed gives the same dataset")]
Workers = Annotated[int, typer.Option("--workers", min=0, help="processes parsing on import")]


def synth(
    out: Out,
    years: Annotated[int, typer.Option("--years", min=1, help="years to generate")] = 1,
    scale: Scale = 1.0,
    seed: Seed = 0,
    first_day: Annotated[
        str,
        typer.Option(
            "--start",
            help="the first day of the reporting period (YYYY-MM-DD); journeys run two years "
            "past its end, so end it two years before the day you import",
        ),
    ] = "2017-04-01",
    as_json: Json = False,
) -> None:
    """Write a synthetic national dataset (caselink CSV) with its ground truth in truth/."""
    try:
        begin = date.fromisoformat(first_day)
    except ValueError:
        refuse(f"--start {first_day!r} is not a day (YYYY-MM-DD)", as_json=as_json)
    start = time.perf_counter()
    with progress("generating reports", None, not as_json) as tick:
        summary = generate(
            out,
            years=years,
            scale=scale,
            seed=seed,
            start=begin,
            progress=lambda d, _: tick(d),
        )
    seconds = time.perf_counter() - start
    doc = {
        "out": str(out), "reports": summary.reports, "rape_reports": summary.rape_reports,
        "persons": summary.persons, "solved_reports": summary.solved_reports,
        "repeat_offenders": summary.repeat_offenders, "write_offs": summary.write_offs,
        "wrong_write_offs": summary.wrong_write_offs,
        "rape_write_off_rate": summary.rape_write_off_rate, "seconds": round(seconds, 2),
        "journey": summary.journey.as_json(),
    }  # fmt: skip
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
    workers: Workers = 2,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="serve the web app when done (Ctrl-C stops)")
    ] = True,
    host: Annotated[
        str, typer.Option("--host", help="interface the web app listens on")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="web app port")] = 8000,
    as_json: Json = False,
) -> None:
    """The main job: a national year of synthetic reports in a fresh database, every analysis
    run on it, then the web app served with one demo user per role."""
    folder = DemoFolder(out)
    folder.clear()
    started = time.perf_counter()
    with (
        running(str(folder.database), as_json, need_schema=False) as application,
        ExitStack() as stack,
    ):
        application.initialise()

        def stage(description: str, total: int | None) -> Any:
            # Each stage's line goes to stderr, with --json too: a long run is never silent,
            # and the JSON on stdout stays whole.
            stack.close()
            return stack.enter_context(progress(description, total))

        result = run_demo(
            application.context, folder, scale=scale, seed=seed, workers=workers, stage=stage
        )
        stack.close()
    seconds = time.perf_counter() - started
    if as_json:
        print_json(_document(result, seconds))
    else:
        _render(result, seconds)
    if serve:
        users = ", ".join(f"{name} ({role.value})" for name, role in DEMO_USERS)
        console.print(
            f"[bold]caselink is served at http://{host}:{port}/[/] — sign in as {users}; "
            "each password is <name>-demo-password. API schema: /api/v1/openapi.json. "
            "Ctrl-C stops it."
        )
        run_server(application, host, port)


def _document(result: DemoResult, seconds: float) -> dict[str, object]:
    folder = result.folder
    return {
        "database": str(folder.database.resolve()), "data": str(folder.data.resolve()),
        "integrity_report": str(folder.report.resolve()), "seconds": round(seconds, 1),
        "stats": result.stats.to_dict(),
        "imports": {k: v.to_dict() for k, v in result.imports.items()},
        "history_intact": result.chain.intact,
        "persons": result.persons.to_dict(),
        "linkage": {"model": result.link_training.to_dict(), "run": result.links.to_dict()},
        "integrity": result.integrity.to_dict(),
        "justice": result.justice.to_dict(),
        "users": [
            {"user": name, "role": role.value, "home": str(DEMO_HOMES[name]),
             "password": demo_password(name)}
            for name, role in DEMO_USERS
        ],
    }  # fmt: skip


def _render(result: DemoResult, seconds: float) -> None:
    s, folder = result.stats, result.folder
    intact = "chain intact" if result.chain.intact else "CHAIN BROKEN"
    console.print(
        Panel.fit(
            f"[bold]{s.reports:,}[/] reports from {len(s.by_force)} forces, {s.persons:,} persons, "
            f"{s.offenders:,} solved-report labels, {s.events:,} events in the history "
            f"({intact}), ready in {seconds:.0f} s",
            title="caselink demo",
        )
    )
    status = Table(title="reports by status", show_header=False)
    for name, n in s.by_status.items():
        status.add_row(name, f"{n:,}")
    status.add_row("pending cancellations", f"{s.pending_cancellations:,}")
    console.print(status)
    console.print(Panel("\n".join(result.persons.lines()), title="person resolution"))
    m, run = result.link_training.model, result.links
    console.print(
        Panel(
            f"model {m.version} ({m.family}, chosen by offender-split cross-validation)\n"
            f"{run.pairs:,} candidate pairs kept, {run.links:,} ranked links stored\n"
            f"[bold]{run.series.num_rows:,} series found, {run.series_with_write_offs:,} of them "
            "contain written-off reports[/]",
            title="offence linkage",
        )
    )
    console.print(Panel("\n".join(result.integrity.lines()), title="recording integrity"))
    console.print(Panel("\n".join(result.justice.lines()), title="the justice path"))
    users = "\n".join(
        f"  {name:<6} {role.value:<10} {DEMO_HOMES[name]!s:<24} password {demo_password(name)}"
        for name, role in DEMO_USERS
    )
    database = folder.database.resolve()
    console.print(
        Panel(
            f"database          {database}\n"
            f"data              {folder.data.resolve()} (ground truth in truth/)\n"
            f"inspection report {folder.report.resolve()} (and {folder.funnel.name})\n\n"
            f"users\n{users}\n\n"
            "try\n"
            f"  export CASELINK_DATABASE_URL={database}\n"
            "  caselink stats --user rita\n"
            "  caselink integrity funnel --user ian\n"
            "  caselink integrity screen --top 20 --user rita\n"
            "  caselink link series --user ann\n"
            "  caselink outcomes attrition --user ian\n"
            "  caselink outcomes missed-chances --user ann\n"
            "  caselink journey duties --user olive\n"
            "  caselink persons show <entity> --user ann --why 'demo'\n"
            "  caselink report show Kent <reference> --user rita --why 'demo'\n"
            "  caselink history verify",
            title="where everything is",
        )
    )
