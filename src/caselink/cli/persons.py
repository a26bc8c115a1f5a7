"""`caselink persons`: resolve person records into person entities, show one, export them."""

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from caselink.cli.options import Db, Json, User, Why
from caselink.cli.output import console, errors, print_json, refuse
from caselink.cli.running import running
from caselink.services import persons, users
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
            help=f"link records at or above this match probability "
            f"[default: {persons.DEFAULT_THRESHOLD}]",
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
    why: Why = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Resolve every person record into person entities with a model trained on the data
    (analysts; the run is logged as a combination of personal data)."""
    if threshold is not None and not 0.0 < threshold < 1.0:
        refuse("--threshold is a probability strictly between 0 and 1", as_json=as_json)
    with running(db, as_json) as application:
        ctx = application.context
        actor = users.resolve_actor(ctx, user)
        show_progress = not as_json and errors.is_terminal

        def say(stage: str) -> None:
            if show_progress:
                errors.print(f"  {stage}…", highlight=False)

        summary = persons.resolve(
            ctx, actor, threshold=threshold, labels=labels, truth=truth, why=why, progress=say
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
