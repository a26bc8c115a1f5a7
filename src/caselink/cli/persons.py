"""`caselink persons`: resolve person records into person entities, show one, export them,
review pairs near the threshold, and list repeat suspects."""

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from caselink.cli.engines import Engine, EngineOpt, SparkMaster, spark_master
from caselink.cli.options import Db, Json, User, Why
from caselink.cli.output import console, errors, print_json, refuse
from caselink.cli.running import running
from caselink.services import person_review, persons, users
from caselink.services import repeat_suspects as suspects
from caselink.services.person_review import VERDICTS, ReviewPair
from caselink.services.persons import EntityView

persons_app = typer.Typer(
    help="Person resolution: which person records are the same human.", no_args_is_help=True
)

RunOpt = Annotated[
    int | None,
    typer.Option("--run", help="a run's id [default: the latest run]", show_default=False),
]


@persons_app.command("resolve")
def resolve(
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            min=0.0,
            max=1.0,
            help="link records at or above this fixed match probability "
            "[default: chosen from --target-precision]",
            show_default=False,
        ),
    ] = None,
    target_precision: Annotated[
        float | None,
        typer.Option(
            "--target-precision",
            help="choose the lowest threshold at which the model expects the links to be this "
            f"precise [default: {persons.DEFAULT_TARGET_PRECISION}]",
            show_default=False,
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            help="CSV of source_id, identity_id: known identities to train the model with",
            show_default=False,
        ),
    ] = None,
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth",
            help="CSV of source_id, identity_id: evaluate the run against it",
            show_default=False,
        ),
    ] = None,
    engine: EngineOpt = Engine.local,
    master: SparkMaster = None,
    why: Why = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Resolve every person record into person entities with a model trained on the data
    (analysts; the run is logged as a combination of personal data)."""
    chosen_master = spark_master(engine, master, as_json=as_json)
    if threshold is not None and not 0.0 < threshold < 1.0:
        refuse("--threshold is a probability strictly between 0 and 1", as_json=as_json)
    if target_precision is not None and not 0.0 < target_precision < 1.0:
        refuse("--target-precision is a proportion strictly between 0 and 1", as_json=as_json)
    if threshold is not None and target_precision is not None:
        refuse("give --threshold or --target-precision, not both", as_json=as_json)
    with running(db, as_json) as application:
        ctx = application.context
        actor = users.resolve_actor(ctx, user)
        show_progress = not as_json and errors.is_terminal

        def say(stage: str) -> None:
            if show_progress:
                errors.print(f"  {stage}…", highlight=False)

        summary = persons.resolve(
            ctx,
            actor,
            threshold=threshold,
            target_precision=target_precision,
            labels=labels,
            truth=truth,
            why=why,
            progress=say,
            spark_master=chosen_master,
        )
    if as_json:
        print_json(summary.to_dict())
        return
    for line in summary.lines():
        console.print(escape(line), highlight=False)


@persons_app.command("show")
def show(
    entity_id: Annotated[str, typer.Argument(help="the entity, e.g. P1234")],
    run: RunOpt = None,
    why: Why = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Every report a person entity appears in, with role and report status, cancelled ones
    included (the read is logged)."""
    if not why or not why.strip():
        refuse(
            "say why you are consulting this record with --why (logged, DPA 2018 s.62)",
            as_json=as_json,
        )
    with running(db, as_json) as application:
        ctx = application.context
        view = persons.show(ctx, users.resolve_actor(ctx, user), entity_id, why=why, run_id=run)
    if as_json:
        print_json(view.to_dict())
    else:
        _render(view)


def _render(view: EntityView) -> None:
    console.print(
        f"[bold]person entity {escape(view.entity_id)}[/] (run {view.run_id}): "
        f"{len(view.records)} record(s), roles: {', '.join(view.roles)}",
        highlight=False,
    )
    if view.several_roles:
        console.print(
            f"[bold yellow]this person appears in more than one role: {', '.join(view.roles)}[/]",
            highlight=False,
        )
    if view.withheld:
        console.print(
            "identity withheld: this person is a complainant"
            + (f" ({view.not_shown} complainant record(s) not shown)" if view.not_shown else ""),
            highlight=False,
        )
    if view.elsewhere:
        owners = ", ".join(f"{force} ({n})" for force, n in view.elsewhere.items())
        console.print(
            f"{sum(view.elsewhere.values())} more record(s) of this person are in reports you "
            f"may not read: {owners}. Ask the owning force (`caselink access request`).",
            highlight=False,
            markup=False,
        )
    table = Table(
        "force",
        "reference",
        "status",
        "role",
        "name",
        "date of birth",
        "postcode",
        "identifiers",
        "p",
        title_justify="left",
    )
    for r in view.records:
        name = " ".join(x for x in (r.forename, r.surname) if x) or (
            "withheld" if view.withheld else "—"
        )
        table.add_row(
            r.force,
            r.reference,
            r.status,
            r.role,
            name,
            r.dob_as_given or "",
            r.postcode or "",
            r.identifiers or "",
            "" if r.match_probability is None else f"{r.match_probability:.3f}",
        )
    console.print(table)


@persons_app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="the CSV file to write")],
    run: RunOpt = None,
    why: Why = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Write every person record's entity as CSV: source_id, force, reference, role,
    entity_id, match_probability (the disclosure is logged)."""
    if not why or not why.strip():
        refuse(
            "say why you are disclosing this data with --why (logged, DPA 2018 s.62)",
            as_json=as_json,
        )
    with running(db, as_json) as application:
        ctx = application.context
        summary = persons.export(ctx, users.resolve_actor(ctx, user), file, why=why, run_id=run)
    if as_json:
        print_json({"run_id": summary.run_id, "records": summary.records, "path": str(file)})
    else:
        console.print(
            f"{summary.records:,} person records of run {summary.run_id} written to {file}",
            highlight=False,
        )


def _need_why(why: str | None, as_json: bool) -> str:
    if not why or not why.strip():
        refuse(
            "say why you are consulting these records with --why (logged, DPA 2018 s.62)",
            as_json=as_json,
        )
    return str(why)


def _render_pair(i: int, pair: ReviewPair) -> None:
    left, right = pair.left, pair.right
    state = "linked" if pair.linked else "not linked"
    console.print(
        f"[bold]pair {i}[/]: records {left.person_id} and {right.person_id}, match probability "
        f"{pair.match_probability:.4f} (weight {pair.match_weight:+.2f} bits), {state}"
        + (" — [bold yellow]inside a flagged entity[/]" if pair.flagged else ""),
        highlight=False,
    )
    table = Table("field", f"record {left.person_id}", f"record {right.person_id}")
    fields = (
        ("report", f"{left.force} {left.reference}", f"{right.force} {right.reference}"),
        ("status", left.status, right.status),
        ("role", left.role, right.role),
        ("forename", left.forename, right.forename),
        ("surname", left.surname, right.surname),
        ("aliases", left.aliases, right.aliases),
        ("date of birth", left.dob_as_given, right.dob_as_given),
        ("address", left.address, right.address),
        ("postcode", left.postcode, right.postcode),
        ("phone", left.phone, right.phone),
        ("identifiers", left.identifiers, right.identifiers),
    )
    for name, a, b in fields:
        table.add_row(name, escape(a or "—"), escape(b or "—"))
    console.print(table)
    evidence = Table("comparison", "level", "weight (bits)")
    for c in pair.comparisons:
        weight = c.get("match_weight")
        evidence.add_row(
            c["comparison"], escape(str(c["level"])), "" if weight is None else f"{weight:+.2f}"
        )
    console.print(evidence)


@persons_app.command("review")
def review(
    limit: Annotated[int, typer.Option("--limit", min=1, help="pairs to show")] = 10,
    run: RunOpt = None,
    why: Why = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Judge pairs of person records near the threshold, side by side with the comparison that
    decided them: same, different or unsure, with a reason (analysts; reads are logged)."""
    reason_why = _need_why(why, as_json)
    with running(db, as_json) as application:
        ctx = application.context
        actor = users.resolve_actor(ctx, user)
        view = person_review.review_sample(ctx, actor, why=reason_why, limit=limit, run_id=run)
        if as_json:
            print_json(view.to_dict())
            return
        console.print(
            f"run {view.run_id} (threshold {view.threshold:.4f}): {view.remaining} pair(s) "
            "to review",
            highlight=False,
        )
        labelled = 0
        for i, pair in enumerate(view.pairs, start=1):
            _render_pair(i, pair)
            answer = (
                typer.prompt(
                    "same, different, unsure, skip or quit", default="skip", show_default=True
                )
                .strip()
                .lower()
            )
            if answer in ("q", "quit"):
                break
            if answer not in VERDICTS:
                continue
            reason = ""
            while not reason.strip():
                reason = typer.prompt("why (kept with the label)")
            person_review.label_pair(
                ctx,
                actor,
                (pair.left.person_id, pair.right.person_id),
                answer,
                reason=reason,
                why=reason_why,
            )
            labelled += 1
        console.print(
            f"{labelled} pair(s) labelled; the next `caselink persons resolve` keeps to them",
            highlight=False,
        )


@persons_app.command("label")
def label(
    first: Annotated[int, typer.Argument(help="one person record's id")],
    second: Annotated[int, typer.Argument(help="the other person record's id")],
    verdict: Annotated[str, typer.Argument(help="same, different or unsure")],
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="why you judge the pair so (required)", show_default=False),
    ] = None,
    why: Why = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Record a verdict on two person records: same, different or unsure, with a reason
    (analysts). Later runs keep pairs labelled different apart and the same together."""
    reason_why = _need_why(why, as_json)
    if verdict.strip().lower() not in VERDICTS:
        refuse(f"the verdict is one of {', '.join(VERDICTS)}", as_json=as_json)
    if not reason or not reason.strip():
        refuse("say why you judge the pair so with --reason", as_json=as_json)
    with running(db, as_json) as application:
        ctx = application.context
        found = person_review.label_pair(
            ctx,
            users.resolve_actor(ctx, user),
            (first, second),
            verdict,
            reason=str(reason),
            why=reason_why,
        )
    if as_json:
        print_json(
            {
                "person_ids": [found.person_id_l, found.person_id_r],
                "verdict": found.verdict,
                "reason": found.reason,
                "labelled_by": found.labelled_by,
                "labelled_at": found.labelled_at.isoformat(),
                "run_id": found.run_id,
                "linked": found.linked,
            }
        )
    else:
        console.print(
            f"records {found.person_id_l} and {found.person_id_r} labelled {found.verdict}",
            highlight=False,
        )


@persons_app.command("labels")
def labels_figures(
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Precision and recall measured from the analysts' verdicts, with 95% intervals, and
    whether the next run recalibrates its threshold from them."""
    with running(db, as_json) as application:
        ctx = application.context
        figures = person_review.label_figures(ctx, users.resolve_actor(ctx, user))
    if as_json:
        print_json(figures)
        return
    console.print(
        f"{figures['labels']} labelled pair(s): {figures['same']} same, "
        f"{figures['different']} different, {figures['unsure']} unsure",
        highlight=False,
    )
    if figures["latest_run_threshold_from"]:
        console.print(
            f"  the latest run's threshold was chosen from {figures['latest_run_threshold_from']}",
            highlight=False,
        )
    again = figures["recalibration"]
    console.print(
        "  the next run recalibrates from these verdicts"
        if again["enough"]
        else f"  the next run keeps the model's own probabilities until there are at least "
        f"{again['needed_of_each']} same and {again['needed_of_each']} different verdicts",
        highlight=False,
    )
    for name in ("precision", "recall"):
        value, interval = figures[name], figures[f"{name}_interval"]
        console.print(
            f"  {name} near the threshold: "
            + (
                "not measurable yet"
                if value is None
                else f"{value:.3f} (95% {interval[0]:.3f}–{interval[1]:.3f})"
            ),
            highlight=False,
        )


@persons_app.command("repeat-suspects")
def repeat_suspects(
    min_reports: Annotated[
        int, typer.Option("--min-reports", min=2, help="reports a person is a suspect in")
    ] = 2,
    run: RunOpt = None,
    why: Why = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Persons named as suspect in more than one report, across forces, written-off reports
    included, with each report's status and outcome (pseudonymised for inspectors)."""
    reason_why = _need_why(why, as_json)
    with running(db, as_json) as application:
        ctx = application.context
        found = suspects.repeat_suspects(
            ctx, users.resolve_actor(ctx, user), why=reason_why, run_id=run, min_reports=min_reports
        )
    if as_json:
        print_json(found.to_dict())
        return
    console.print(
        f"{len(found.suspects)} person(s) named as suspect in {min_reports} or more reports "
        f"(person run {found.run_id})",
        highlight=False,
    )
    table = Table("person", "date of birth", "report", "status", "outcome", "reported")
    for s in found.suspects:
        # the entity id for those who may read it (`caselink persons show`), else the number
        who = f"{s.name or '(no name)'} {s.entity_id}" if s.entity_id else s.label
        for i, r in enumerate(s.reports):
            table.add_row(
                escape(who if i == 0 else ""),
                escape((s.dob or "") if i == 0 else ""),
                f"{r.force} {r.reference}",
                r.status,
                r.outcome or "",
                r.reported_at.date().isoformat(),
            )
    console.print(table)
