"""`caselink outcomes`: the justice path measured — attrition, outcome mix, time to charge,
Victims' Code compliance and missed chances, per force and nationally."""

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.table import Table

from caselink.cli.integrity import Forces, From, To, scope_of
from caselink.cli.options import Db, Json, User
from caselink.cli.output import console, print_json
from caselink.cli.running import running
from caselink.services import outcomes, users
from caselink.services.context import Actor, Context
from caselink.services.outcomes import Cohort, Figures

outcomes_app = typer.Typer(
    help="The justice path: attrition, outcome mix, time to charge, Victims' Code compliance, "
    "missed chances.",
    no_args_is_help=True,
)


CohortOption = Annotated[
    Cohort,
    typer.Option(
        "--group",
        help="rape (19C–19H and N100s), other sexual offences, or all reports (police.uk "
        "crimes carry no offence code)",
    ),
]


def _run(
    db: str | None,
    user: str | None,
    as_json: bool,
    compute: Callable[[Context, Actor], Figures],
) -> Figures:
    with running(db, as_json) as application:
        ctx = application.context
        return compute(ctx, users.resolve_actor(ctx, user))


def _figures(
    db: str | None,
    user: str | None,
    as_json: bool,
    start: str | None,
    end: str | None,
    force: list[str] | None,
    compute: Callable[..., Figures],
    group: Cohort,
) -> tuple[Figures, dict[str, Any]] | None:
    """Compute a figure for the reports in scope; with --json print it and return None."""
    scope = scope_of(start, end, force, as_json)
    figures = _run(
        db, user, as_json, lambda ctx, actor: compute(ctx, actor, group=group, scope=scope)
    )
    doc = figures.to_dict()
    if as_json:
        print_json(doc)
        return None
    return figures, doc


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _ci(lower: float | None, upper: float | None) -> str:
    if lower is None or upper is None:
        return "—"
    return f"{100 * lower:.1f}–{100 * upper:.1f}%"


def _title(figures: Figures, what: str) -> str:
    return f"{figures.group.label} {what}" if figures.group else what


@outcomes_app.command("attrition")
def attrition(
    group: CohortOption = Cohort.RAPE,
    start: From = None,
    end: To = None,
    force: Forces = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Reports → recorded → suspect identified → referred to the CPS → charged → convicted,
    each a share of recorded crimes with its 95% interval, per force and nationally."""
    shown = _figures(db, user, as_json, start, end, force, outcomes.attrition_figures, group)
    if shown is None:
        return
    figures, doc = shown
    table = Table(title=_title(figures, "attrition, share of recorded crimes (95% interval)"))
    table.add_column("force")
    stage_names = [s["stage"] for s in doc["national"]["stages"]]
    for name in stage_names:
        table.add_column(name.replace("_", " "), justify="right")
    rows: list[tuple[str, list[dict[str, Any]]]] = [
        ("England and Wales", doc["national"]["stages"])
    ]
    rows += [(u["unit"], u["stages"]) for u in doc["units"]]
    for unit, stages in rows:
        table.add_row(
            unit,
            *(
                f"{s['count']:,}"
                if s["rate"] is None or s["stage"] == "recorded"
                else f"{s['count']:,} {_pct(s['rate'])} ({_ci(s['lower95'], s['upper95'])})"
                for s in stages
            ),
        )
    console.print(table)


@outcomes_app.command("mix")
def mix(
    group: CohortOption = Cohort.RAPE,
    start: From = None,
    end: To = None,
    force: Forces = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Each outcome's share of the recorded crimes closed (Home Office outcome types, or
    police.uk's categories where that is all there is), per force and nationally."""
    shown = _figures(db, user, as_json, start, end, force, outcomes.outcome_mix_figures, group)
    if shown is None:
        return
    figures, doc = shown
    table = Table(title=_title(figures, "outcomes, share of closures nationally (95% interval)"))
    for column in ("outcome", "count", "share", "95% interval"):
        table.add_column(column, justify="right" if column != "outcome" else "left")
    for o in doc["national"]:
        table.add_row(
            o["outcome"], f"{o['count']:,}", _pct(o["share"]), _ci(o["lower95"], o["upper95"])
        )
    console.print(table)


@outcomes_app.command("time-to-charge")
def time_to_charge(
    group: CohortOption = Cohort.RAPE,
    start: From = None,
    end: To = None,
    force: Forces = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Days from recording to charge (Kaplan–Meier; crimes not charged are censored today):
    the median with its 95% interval, per force and nationally."""
    shown = _figures(db, user, as_json, start, end, force, outcomes.time_to_charge_figures, group)
    if shown is None:
        return
    figures, doc = shown
    table = Table(title=_title(figures, "days from recording to charge (Kaplan–Meier)"))
    for column in ("force", "crimes", "charged", "censored", "median days", "95% interval"):
        table.add_column(column, justify="left" if column == "force" else "right")

    def days(value: float | None) -> str:
        return "not reached" if value is None else f"{value:.0f}"

    units = [{"unit": "England and Wales", **doc["national"]}, *doc["units"]]
    for u in units:
        table.add_row(
            u["unit"],
            f"{u['n']:,}",
            f"{u['charged']:,}",
            f"{u['censored']:,}",
            days(u["median_days"]),
            f"{days(u['lower95'])}–{days(u['upper95'])}",
        )
    console.print(table)


@outcomes_app.command("compliance")
def compliance(
    group: CohortOption = Cohort.RAPE,
    start: From = None,
    end: To = None,
    force: Forces = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Victims' Code: the share of key decisions the victim was told of on time, per force
    and nationally, with declined updates apart; and SARC and ISVA referral rates."""
    shown = _figures(db, user, as_json, start, end, force, outcomes.compliance_figures, group)
    if shown is None:
        return
    figures, doc = shown
    table = Table(title=_title(figures, "Victims' Code: victims told of decisions on time"))
    for column in ("force", "due", "on time", "late", "overdue", "declined", "rate", "95%"):
        table.add_column(column, justify="left" if column == "force" else "right")
    for u in [{"unit": "England and Wales", **doc["national"]}, *doc["units"]]:
        table.add_row(
            u["unit"],
            f"{u['due']:,}",
            f"{u['met_on_time']:,}",
            f"{u['late']:,}",
            f"{u['overdue']:,}",
            f"{u['declined']:,}",
            _pct(u["rate"]),
            _ci(u["lower95"], u["upper95"]),
        )
    console.print(table)


@outcomes_app.command("missed-chances")
def missed_chances(
    top: int = typer.Option(50, "--top", min=1, help="list at most this many"),
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Reports written off or closed with no suspect that belong to a linked series where
    another report has an identified or charged suspect: for review, strongest series first."""
    figures = _run(db, user, as_json, outcomes.missed_chance_figures)
    doc = figures.to_dict()
    doc["chances"] = doc["chances"][:top]
    if as_json:
        print_json(doc)
        return
    counts = doc["counts"]
    table = Table(
        title=f"{counts['chances']:,} missed chances in {counts['series_with_suspects']:,} series "
        f"with a suspect (linkage run {doc['link_run']})"
    )
    for column in (
        "series",
        "score",
        "force",
        "reference",
        "status",
        "outcome",
        "why",
        "suspect in",
    ):
        table.add_column(column)
    for c in doc["chances"]:
        table.add_row(
            str(c["series_id"]),
            "—" if c["series_score"] is None else f"{c['series_score']:.1f}",
            c["force"],
            c["reference"],
            c["status"],
            c["outcome"] or "—",
            c["reason"].replace("_", " "),
            ", ".join(f"{m['force']} {m['reference']}" for m in c["members_with_suspects"][:3]),
        )
    console.print(table)
