"""`caselink integrity`: recording-integrity figures, funnel plots, trends, audit samples and
verdicts, the screen of write-offs, and the inspection report."""

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from caselink.cli.options import Db, Json, User, Why
from caselink.cli.output import console, print_json, progress, refuse
from caselink.cli.running import refusals, running
from caselink.domain.values import Scope
from caselink.integrity import Rate
from caselink.integrity.plotting import funnel_png
from caselink.services import users
from caselink.services.integrity import audit as integrity_audit
from caselink.services.integrity import figures as integrity
from caselink.services.integrity import report as integrity_report
from caselink.services.integrity import screening as integrity_screening
from caselink.services.integrity.figures import MEASURES, Group, Measure

integrity_app = typer.Typer(
    help="Recording integrity: write-off rates, funnel plots, trends, audits and screening.",
    no_args_is_help=True,
)


class Method(StrEnum):
    BINOMIAL = "binomial"
    MULTIPLICATIVE = "multiplicative"
    ADDITIVE = "additive"


From = Annotated[
    str | None,
    typer.Option(
        "--from", help="reports made on or after this day (YYYY-MM-DD)", show_default=False
    ),
]
To = Annotated[
    str | None,
    typer.Option(
        "--to", help="reports made on or before this day (YYYY-MM-DD)", show_default=False
    ),
]
Forces = Annotated[
    list[str] | None,
    typer.Option("--force", help="only this force (repeat for several)", show_default=False),
]
GroupOption = Annotated[
    Group, typer.Option("--group", help="rape (19C–19H and N100s) or other sexual offences")
]
MeasureOption = Annotated[Measure, typer.Option("--measure", help="what to count")]


def _day(text: str | None, option: str, as_json: bool) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        refuse(f"{option} {text!r} is not a day (YYYY-MM-DD)", as_json=as_json)


def scope_of(start: str | None, end: str | None, forces: list[str] | None, as_json: bool) -> Scope:
    return integrity.make_scope(
        _day(start, "--from", as_json), _day(end, "--to", as_json), forces or ()
    )


def _pct(value: float | None) -> str:
    return integrity_report.percent(value)


def _ci(rate: Rate) -> str:
    return integrity_report.interval(rate.lower, rate.upper)


# -- rates -------------------------------------------------------------------------------------


@integrity_app.command("rates")
def rates(
    group: GroupOption = Group.RAPE,
    start: From = None,
    end: To = None,
    force: Forces = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Counts and rates of write-offs, transfers, cancellations by reason, N100s, late decisions,
    complainants not told and pending authorisations, per force and nationally."""
    with running(db, as_json) as application:
        ctx = application.context
        actor = users.resolve_actor(ctx, user)
        table = integrity.rates(ctx, actor, group=group, scope=scope_of(start, end, force, as_json))
    if as_json:
        print_json(table.to_dict())
        return
    shown = [m for m in Measure if not (m is Measure.N100 and group is Group.OTHER)]
    out = Table(
        title=f"{group.label}: rates per force (95% Wilson intervals)", title_justify="left"
    )
    out.add_column("force")
    out.add_column("recorded", justify="right")
    for m in shown:
        out.add_column(MEASURES[m].title, justify="right")
    for row in [*table.forces, table.national]:
        out.add_row(
            row.force,
            f"{row.counts.recorded:,}",
            *(
                f"{_pct(row.rates[m].rate)} ({row.rates[m].numerator:,}/"
                f"{row.rates[m].denominator:,})"
                for m in shown
            ),
        )
    console.print(out)
    for m in shown:
        spec = MEASURES[m]
        console.print(f"  {spec.title}: {spec.numerator}, among {spec.denominator}", soft_wrap=True)


# -- funnel ------------------------------------------------------------------------------------


def _print_funnel(result: integrity.FunnelResult, findings: list[str]) -> None:
    f, notes = result.funnel, result.notes
    compared = result.compared
    other = integrity.method_name(compared) if compared is not None else None
    out = Table(
        title=f"{result.title}: funnel around {_pct(f.national_rate)} — {result.method_name}",
        title_justify="left",
        caption=(
            f"Flags use the {result.method_name}; the last column names forces the "
            f"{other} flag differently."
            if other and notes
            else f"Flags use the {result.method_name}"
            + (f"; the {other} flag the same forces." if other else ".")
        ),
        caption_justify="left",
    )
    names = ("unit", "events", "total", "rate", "95% limits", "99.8% limits", "flag")
    for name in names:
        out.add_column(name, justify="left" if name == "unit" else "right", no_wrap=True)
    if notes:
        out.add_column("methods compared")
    for u in sorted(f.units, key=lambda u: -(u.rate or 0.0)):
        out.add_row(
            u.unit,
            f"{u.events:,}",
            f"{u.total:,}",
            _pct(u.rate),
            integrity_report.interval(u.lower95, u.upper95),
            integrity_report.interval(u.lower998, u.upper998),
            f"[bold red]{u.flag}[/]"
            if u.flag == "high"
            else (f"[bold blue]{u.flag}[/]" if u.flag else ""),
            *([notes.get(u.unit, "")] if notes else []),
        )
    console.print(out)
    for sentence in findings:
        console.print(sentence, soft_wrap=True, highlight=False)


@integrity_app.command("funnel")
def funnel(
    counts: Annotated[
        Path | None,
        typer.Option(
            "--counts",
            help="a CSV of unit, events, total instead of the database (no database needed)",
        ),
    ] = None,
    measure: MeasureOption = Measure.WRITE_OFF,
    group: GroupOption = Group.RAPE,
    method: Annotated[
        Method,
        typer.Option(
            "--method",
            help="additive: limits allowing for overdispersion (random effects) when forces "
            "differ more than chance explains; binomial: exact limits for chance alone; "
            "multiplicative: limits widened by φ",
        ),
    ] = Method(integrity.DEFAULT_METHOD),
    png: Annotated[
        Path | None, typer.Option("--png", help="also draw the funnel plot to this PNG file")
    ] = None,
    start: From = None,
    end: To = None,
    force: Forces = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Each force's rate against its size with 95% and 99.8% control limits around the national
    rate; forces beyond the 99.8% limits are flagged high or low. The limits allow for
    overdispersion unless --method binomial; where the other method flags a force differently,
    the table and the JSON say so beside it."""
    if counts is not None:
        # The file holds every figure: no database, no user.
        with refusals(as_json):
            result = integrity.funnel_from_counts(counts, method=method.value)
            if png is not None:
                png.write_bytes(funnel_png(result.funnel, f"{result.title} by force"))
    else:
        with running(db, as_json) as application:
            ctx = application.context
            actor = users.resolve_actor(ctx, user)
            result = integrity.funnel_from_database(
                ctx,
                actor,
                measure=measure,
                group=group,
                method=method.value,
                scope=scope_of(start, end, force, as_json),
            )
            if png is not None:
                png.write_bytes(funnel_png(result.funnel, f"{result.title} by force"))
    findings = integrity_report.finding_sentences(result)
    if as_json:
        doc = result.to_dict()
        doc["findings"] = findings
        print_json(doc)
    else:
        _print_funnel(result, findings)


# -- trend -------------------------------------------------------------------------------------


@integrity_app.command("trend")
def trend(
    measure: MeasureOption = Measure.WRITE_OFF,
    group: GroupOption = Group.RAPE,
    start: From = None,
    end: To = None,
    force: Forces = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """The rate per quarter per force on a p-chart, with points beyond 3σ, runs of 8 and CUSUM
    step changes flagged. --force picks the forces shown; the national chart stays national."""
    with running(db, as_json) as application:
        ctx = application.context
        actor = users.resolve_actor(ctx, user)
        result = integrity.trend(
            ctx,
            actor,
            measure=measure,
            group=group,
            scope=scope_of(start, end, None, as_json),
            show=force or (),
        )
    if as_json:
        print_json(result.to_dict())
        return
    out = Table(
        title=f"{group.label} {MEASURES[measure].title} by quarter (* signal)",
        title_justify="left",
    )
    out.add_column("force", no_wrap=True)
    for q in result.quarters:
        out.add_column(q, justify="right")
    out.add_column("signals")
    for t in [*result.forces, result.national]:
        cells = [
            "—" if p.rate is None else _pct(p.rate) + ("*" if p.signals else "")
            for p in t.chart.points
        ]
        signals = sorted(
            {f"{s.rule} {s.direction} since {s.since}" for p in t.chart.points for s in p.signals}
        )
        out.add_row(t.force, *cells, "; ".join(signals))
    console.print(out)


# -- audit -------------------------------------------------------------------------------------


@integrity_app.command("sample")
def sample(
    seed: Annotated[int, typer.Option("--seed", help="the random seed (record it)")] = 2017,
    margin: Annotated[
        float | None,
        typer.Option("--margin", help="size each force's sample for this margin, e.g. 0.1"),
    ] = None,
    n: Annotated[int | None, typer.Option("--n", help="sample this many per force instead")] = None,
    group: GroupOption = Group.RAPE,
    description: Annotated[
        str | None, typer.Option("--description", help="what the audit is for")
    ] = None,
    start: From = None,
    end: To = None,
    force: Forces = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Draw and store a reproducible stratified random sample of cancelled, transferred and N100
    reports per force (registrars). Without --margin or --n, sizes for a ±10% margin."""
    if margin is None and n is None:
        margin = 0.1
    with running(db, as_json) as application:
        ctx = application.context
        actor = users.resolve_actor(ctx, user)
        drawn = integrity_audit.draw_sample(
            ctx,
            actor,
            seed=seed,
            margin=margin,
            size=n,
            group=group,
            scope=scope_of(start, end, force, as_json),
            description=description,
        )
    if as_json:
        print_json(drawn.to_dict())
        return
    out = Table(
        title=f"audit sample {drawn.sample_id} (seed {seed}): {group.label} write-offs",
        title_justify="left",
    )
    for name in ("force", "write-offs", "sampled", "references in draw order"):
        out.add_column(name)
    for s in drawn.sample.strata:
        out.add_row(s.stratum, f"{s.population:,}", f"{len(s.ids):,}", " ".join(s.ids))
    console.print(out)


@integrity_app.command("verdict")
def verdict(
    sample_id: Annotated[int, typer.Argument(help="the audit sample")],
    force: Annotated[str, typer.Argument(help="the recording force")],
    reference: Annotated[str, typer.Argument(help="the force's reference")],
    correct: Annotated[
        bool | None,
        typer.Option(
            "--correct/--wrong",
            help="the write-off was rightly or wrongly decided",
            show_default=False,
        ),
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="why (kept with the verdict)")] = "",
    db: Db = None,
    user: User = None,
    why: Why = None,
    as_json: Json = False,
) -> None:
    """Record a registrar's verdict on a sampled write-off (appended; the latest counts). The
    consultation of the record is logged."""
    if correct is None:
        refuse("say whether the write-off was decided --correct or --wrong", as_json=as_json)
    with running(db, as_json) as application:
        ctx = application.context
        actor = users.resolve_actor(ctx, user)
        done = integrity_audit.record_verdict(
            ctx, actor, sample_id, force, reference, correct=correct, reason=reason, why=why
        )
    if as_json:
        print_json(done.to_dict())
    else:
        console.print(
            f"sample {done.sample_id}: {done.force} {done.reference} judged {done.verdict}",
            highlight=False,
        )


@integrity_app.command("compliance")
def compliance(
    sample_id: Annotated[int, typer.Argument(help="the audit sample")],
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """The share of sampled write-offs decided correctly per force (Wilson interval with
    finite-population correction) and the wrong write-offs it implies, nationally too."""
    with running(db, as_json) as application:
        ctx = application.context
        result = integrity_audit.audit_compliance(ctx, users.resolve_actor(ctx, user), sample_id)
    if as_json:
        print_json(result.to_dict())
        return
    out = Table(title=f"audit sample {sample_id}: compliance", title_justify="left")
    for name in ("force", "write-offs", "judged", "correct", "share correct", "95% CI", "wrong"):
        out.add_column(name, justify="left" if name == "force" else "right")

    def wrong(e: Any) -> str:
        if e.estimate is None:
            return "—"
        return f"{e.estimate:,.0f} ({e.lower:,.0f}–{e.upper:,.0f})"

    for s in result.result.strata:
        out.add_row(
            s.stratum,
            f"{s.population:,}",
            f"{s.audited:,}",
            f"{s.correct:,}",
            _pct(s.share_correct.rate),
            _ci(s.share_correct),
            wrong(s.wrong),
        )
    n = result.result.national
    out.add_row(
        integrity.NATIONAL,
        f"{n.population:,}",
        f"{n.audited:,}",
        f"{n.correct:,}",
        _pct(n.share_correct.estimate),
        integrity_report.interval(n.share_correct.lower, n.share_correct.upper),
        wrong(n.wrong),
    )
    console.print(out)
    if n.unaudited_population:
        console.print(f"{n.unaudited_population:,} write-offs are in forces with no verdict yet")


# -- screening and the report -------------------------------------------------------------------


@integrity_app.command("screen")
def screen(
    top: Annotated[int, typer.Option("--top", help="show the N highest-risk write-offs")] = 25,
    truth: Annotated[
        Path | None,
        typer.Option("--truth", help="known right answers (reference, force, valid) to score"),
    ] = None,
    start: From = None,
    end: To = None,
    force: Forces = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Rank every write-off by its risk of being wrong, each flag citing its rule; with --truth,
    precision and recall of the screen against a random audit of the same size."""
    if top < 0:
        refuse("--top is a number of write-offs, 0 or more", as_json=as_json)
    with running(db, as_json) as application:
        ctx = application.context
        actor = users.resolve_actor(ctx, user)
        result = integrity_screening.screen(
            ctx, actor, scope=scope_of(start, end, force, as_json), top=top, truth=truth
        )
    if as_json:
        print_json(result.to_dict())
        return
    out = Table(
        title=f"{result.flagged:,} of {result.total:,} write-offs flagged; the highest risks",
        title_justify="left",
    )
    for name in ("rank", "force", "reference", "write-off", "score", "flags"):
        out.add_column(name)
    for i in result.items:
        out.add_row(
            str(i.rank),
            i.force,
            i.reference,
            i.kind,
            f"{i.score:g}",
            "; ".join(f"{f.rule} {f.message}" for f in i.flags),
        )
    console.print(out)
    if result.truth:
        check = result.truth
        console.print(
            f"against {check.path}: {check.matched:,} write-offs, {check.wrong:,} wrong",
            highlight=False,
        )
        ev = Table(title="screen against a random audit of the same size", title_justify="left")
        for name in ("n", "precision", "recall", "random precision", "random recall", "lift"):
            ev.add_column(name, justify="right")
        for s in check.at:
            between = integrity_report.interval(s.random.precision_lower, s.random.precision_upper)
            ev.add_row(
                str(s.n),
                _pct(s.ranked.precision),
                _pct(s.ranked.recall),
                f"{_pct(s.random.precision)} ({between})",
                _pct(s.random.recall),
                f"{s.lift:.1f}" if s.lift is not None else "—",
            )
        console.print(ev)


@integrity_app.command("report")
def report(
    out: Annotated[Path, typer.Option("--out", help="the HTML file to write")],
    png: Annotated[
        Path | None, typer.Option("--png", help="also the funnel plot as a PNG file")
    ] = None,
    truth: Annotated[
        Path | None,
        typer.Option("--truth", help="known right answers, to score the screen in the report"),
    ] = None,
    start: From = None,
    end: To = None,
    force: Forces = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Write the inspection report: one self-contained HTML page (works offline) with the funnel
    plot, trends, league table, audit and screening results, the findings in words, and the
    justice path's attrition and Victims' Code compliance."""
    with (
        running(db, as_json) as application,
        progress("writing the inspection report", None, not as_json),
    ):
        ctx = application.context
        actor = users.resolve_actor(ctx, user)
        integrity_report.write_report(
            ctx, out, png=png, truth=truth, actor=actor, scope=scope_of(start, end, force, as_json)
        )
    if as_json:
        print_json({"report": str(out), "png": str(png) if png else None})
    else:
        console.print(
            f"inspection report written to {out}" + (f", funnel plot to {png}" if png else "")
        )
