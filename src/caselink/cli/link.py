"""`caselink link`: offence linkage — train, run, query, series, evaluate, analysts' verdicts."""

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from caselink.cli.engines import Engine, EngineOpt, SparkMaster, spark_master
from caselink.cli.options import Db, Json, User, Why
from caselink.cli.output import console, print_json, progress, refuse
from caselink.cli.running import running
from caselink.linkage.offences import LinkSettings
from caselink.services import linkage, users
from caselink.services.spark import DEFAULT_TILE_REPORTS, MAX_TASK_REPORTS, SparkOptions

link_app = typer.Typer(
    help="Offence linkage: ranked candidates with reasons, and series.", no_args_is_help=True
)

Force = Annotated[str, typer.Argument(help="the recording force")]
Reference = Annotated[str, typer.Argument(help="the force's reference")]
Labels = Annotated[
    Path, typer.Option("--labels", help="offenders.csv: known offenders of solved reports")
]


@link_app.command("train")
def train(
    labels: Annotated[
        Path | None, typer.Option("--labels", help="offenders.csv (default: the imported labels)")
    ] = None,
    max_days: Annotated[
        float,
        typer.Option("--max-days", min=1, help="candidate pairs at most this many days apart"),
    ] = 365.0,
    max_km: Annotated[
        float, typer.Option("--max-km", min=0.1, help="candidate pairs at most this far apart")
    ] = 50.0,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Train the link model on solved reports and analysts' verdicts; the family is chosen by
    cross-validation and the model stored as a versioned JSON spec."""
    with (
        running(db, as_json) as application,
        progress("training the link model", None, not as_json),
    ):
        ctx = application.context
        settings = LinkSettings(max_days=max_days, max_km=max_km)
        outcome = linkage.train(
            ctx, users.resolve_actor(ctx, user), labels=labels, settings=settings
        )
    if as_json:
        print_json(outcome.to_dict())
        return
    m = outcome.model
    console.print(
        f"model {m.version} ({m.family}) trained in {outcome.seconds:.0f} s, run {outcome.run_id}; "
        f"link threshold {m.threshold:.2f}"
    )
    selection = m.training.get("selection") if isinstance(m.training, dict) else None
    if selection:
        console.print(f"chosen by cross-validation: {selection}", highlight=False)


@link_app.command("run")
def run(
    top: Annotated[
        int, typer.Option("--top", min=1, max=100, help="links stored per report")
    ] = linkage.DEFAULT_TOP,
    engine: EngineOpt = Engine.local,
    master: SparkMaster = None,
    tile_reports: Annotated[
        int | None,
        typer.Option(
            "--tile-reports",
            min=1,
            help="with --engine spark: the most reports a Spark task scores as its own "
            f"[default: {DEFAULT_TILE_REPORTS:,}, or the reports shared among a local "
            "master's cores]",
            show_default=False,
        ),
    ] = None,
    max_task_reports: Annotated[
        int | None,
        typer.Option(
            "--max-task-reports",
            min=1,
            help="with --engine spark: the most reports a task may hold, its own and those "
            "within reach of them; raise it with the executors' memory (about 2.2 KB a "
            f"report) [default: {MAX_TASK_REPORTS:,}, or on a local master as many as a "
            "quarter of this machine's memory holds, shared among its cores]",
            show_default=False,
        ),
    ] = None,
    staging: Annotated[
        Path | None,
        typer.Option(
            "--spark-staging",
            help="with --engine spark: a directory the cluster can read, where the reports "
            "are written for it [default: a temporary directory on this machine]",
            show_default=False,
        ),
    ] = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Score all candidate pairs, store each report's top links with their components, and
    form series; on this machine, or in Spark tasks with the same answers."""
    chosen = spark_master(engine, master, as_json=as_json)
    spark = (
        None
        if chosen is None
        else SparkOptions(
            master=chosen,
            tile_reports=tile_reports,
            max_task_reports=max_task_reports,
            staging=staging,
        )
    )
    with (
        running(db, as_json) as application,
        progress("scoring reports' candidates", None, not as_json) as update,
    ):
        ctx = application.context
        outcome = linkage.run(
            ctx, users.resolve_actor(ctx, user), top=top, progress=update, spark=spark
        )
    if as_json:
        print_json(outcome.to_dict())
        return
    console.print(
        f"run {outcome.run_id}: {outcome.pairs:,} pairs kept, {outcome.links:,} links stored, "
        f"{outcome.series.num_rows:,} series found, {outcome.series_with_write_offs:,} of them "
        f"contain written-off reports (model {outcome.model_version})"
    )
    for alert in outcome.alerts[:20]:
        console.print(f"  alert: report {alert.report_id} joins series {alert.series_id}")


@link_app.command("query")
def query(
    force: Force,
    reference: Reference,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="how many candidates")] = 10,
    db: Db = None,
    user: User = None,
    why: Why = None,
    as_json: Json = False,
) -> None:
    """A report's ranked candidates with their reasons in plain words (the read is logged)."""
    if not why or not why.strip():
        refuse(
            "say why you are consulting this record with --why (logged, DPA 2018 s.62)",
            as_json=as_json,
        )
    with running(db, as_json) as application:
        ctx = application.context
        result = linkage.query(ctx, users.resolve_actor(ctx, user), force, reference, k=k, why=why)
    rows: list[dict[str, Any]] = [
        {
            "rank": c.rank,
            "force": result.keys[c.candidate_id][0],
            "reference": result.keys[c.candidate_id][1],
            "status": result.keys[c.candidate_id][2],
            "score": round(c.score, 3),
            "reasons": list(c.reasons),
            "flags": list(c.flags),
            "contributions": {
                n: round(v, 3) for n, v in c.contributions.items() if abs(v) >= linkage.QUIET
            },
        }
        for c in result.candidates
    ]
    if as_json:
        print_json(
            {"force": force, "reference": reference, "run_id": result.run_id, "candidates": rows}
        )
        return
    table = Table("#", "report", "score", "reasons", title=f"candidates for {force} {reference}")
    for r in rows:
        table.add_row(
            str(r["rank"]),
            f"{r['force']} {r['reference']}",
            f"{r['score']:+.2f}",
            "\n".join(r["reasons"]),
        )
    console.print(table)


def _day(value: Any) -> str:
    return value.date().isoformat() if isinstance(value, datetime) else str(value or "")


@link_app.command("series")
def series(
    limit: Annotated[int, typer.Option("--limit", min=1, help="how many series to list")] = 50,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Series from the latest run: members, span, forces, and how many were written off."""
    with running(db, as_json) as application:
        ctx = application.context
        run_id, summary, keys = linkage.series(ctx, users.resolve_actor(ctx, user))
    docs = []
    for row in summary.to_pylist():
        row["members"] = [{"force": keys[m][0], "reference": keys[m][1]} for m in row["members"]]
        docs.append(row)
    if as_json:
        print_json({"run_id": run_id, "series": docs})
        return
    table = Table(
        "series",
        "size",
        "span",
        "forces",
        "written off",
        "members",
        title=f"series of run {run_id}",
    )
    for d in docs[:limit]:
        table.add_row(
            str(d["series_id"]),
            str(d["size"]),
            f"{_day(d.get('first_at'))} to {_day(d.get('last_at'))}",
            ", ".join(d.get("forces") or []),
            _written_off(d) or "—",
            ", ".join(m.split(" ", 1)[-1] for m in d["members"][:4])
            + (" …" if len(d["members"]) > 4 else ""),
        )
    console.print(table)
    written = sum(1 for d in docs if _written_off(d))
    console.print(f"{len(docs):,} series, {written:,} of them contain written-off reports")


def _written_off(d: dict[str, Any]) -> str:
    parts = [
        f"{d[key]} {word}"
        for key, word in (
            ("n_cancelled", "cancelled"),
            ("n_transferred", "transferred"),
            ("n_n100", "N100"),
        )
        if d.get(key)
    ]
    return ", ".join(parts)


@link_app.command("evaluate")
def evaluate(
    labels: Labels,
    folds: Annotated[
        int, typer.Option("--folds", min=2, max=20, help="cross-validation folds")
    ] = 5,
    seed: Annotated[int, typer.Option("--seed", help="how offenders are split into folds")] = 0,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Offender-split cross-validation: AUC and top-1/5/10/50 recall over the test reports."""
    with running(db, as_json) as application, progress("cross-validating", None, not as_json):
        ctx = application.context
        figures = linkage.evaluate(
            ctx, users.resolve_actor(ctx, user), labels=labels, folds=folds, seed=seed
        )
    if as_json:
        print_json(figures)
        return
    console.print(
        f"AUC {figures['auc']:.3f}; top-1 {figures['top1']:.3f}, top-5 {figures['top5']:.3f}, "
        f"top-10 {figures['top10']:.3f}, top-50 {figures['top50']:.3f} over "
        f"{figures['n_pairs']:,} candidate pairs ({figures['n_linked_pairs']:,} linked); "
        f"model family {figures.get('family')}"
    )


def _verdict(confirmed: bool) -> Any:
    def command(
        force: Force,
        reference: Reference,
        other_force: Annotated[str, typer.Argument(help="the other report's force")],
        other_reference: Annotated[str, typer.Argument(help="the other report's reference")],
        note: Annotated[str | None, typer.Option("--note", help="why")] = None,
        db: Db = None,
        user: User = None,
        as_json: Json = False,
    ) -> None:
        with running(db, as_json) as application:
            ctx = application.context
            linkage.verdict(
                ctx,
                users.resolve_actor(ctx, user),
                (force, reference),
                (other_force, other_reference),
                confirmed=confirmed,
                note=note,
            )
        word = "confirmed" if confirmed else "rejected"
        if as_json:
            print_json({"verdict": word})
        else:
            console.print(f"link {force} {reference} – {other_force} {other_reference} {word}")

    command.__doc__ = (
        "Confirm a proposed link; it becomes a label at the next training."
        if confirmed
        else "Reject a proposed link; it becomes a label at the next training."
    )
    return command


link_app.command("confirm")(_verdict(True))
link_app.command("reject")(_verdict(False))
