"""`caselink journey`: record the steps of a victim's journey, read it, list the duties due."""

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from caselink.cli.options import Db, ExpectedVersion, Json, User, Why
from caselink.cli.output import console, print_json, refuse
from caselink.cli.running import running
from caselink.domain.errors import InvalidValue
from caselink.domain.values import utc_moment
from caselink.services import journey as journeys
from caselink.services import users

journey_app = typer.Typer(
    help="The victim's journey: record a step, show it, list the Victims' Code duties due.",
    no_args_is_help=True,
)

Force = Annotated[str, typer.Argument(help="the recording force, e.g. Kent")]
Reference = Annotated[str, typer.Argument(help="the force's reference")]
StepArg = Annotated[
    str,
    typer.Argument(
        help="the step: attended, needs_assessed, referral, suspect_identified, arrested, "
        "interviewed, released, file_to_cps, cps_decision, charged, no_further_action, "
        "vrr_requested, vrr_decided, first_hearing, verdict, victim_updated, updates_declined, "
        "outcome, reopened"
    ),
]
At = Annotated[
    str | None,
    typer.Option(
        "--at", help="when it happened, ISO 8601 with its offset [default: now]", show_default=False
    ),
]
Detail = Annotated[
    list[str] | None,
    typer.Option(
        "--detail",
        help="a fact of the step as KEY=VALUE, repeatable (e.g. --detail service=sarc "
        "--detail answer=accepted)",
        show_default=False,
    ),
]


def _time(text: str | None, option: str, as_json: bool) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        refuse(f"{option} {text!r} is not an ISO 8601 time", as_json=as_json)
    if moment.tzinfo is None:
        refuse(f"{option} {text!r} has no offset: add Z or +01:00", as_json=as_json)
    try:
        return utc_moment(option, moment)
    except InvalidValue as exc:  # at the calendar's edge: it would overflow
        refuse(f"{option} {text!r} is {exc.reason}", as_json=as_json)


def _details(pairs: list[str] | None, as_json: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            refuse(f"--detail {pair!r} is not KEY=VALUE", as_json=as_json)
        out[key.strip()] = value.strip()
    return out


@journey_app.command("record")
def record(
    force: Force,
    reference: Reference,
    step: StepArg,
    at: At = None,
    detail: Detail = None,
    db: Db = None,
    user: User = None,
    expected_version: ExpectedVersion = None,
    as_json: Json = False,
) -> None:
    """Record one step of the victim's journey; refused, naming the rule, if it cannot be true."""
    moment, details = _time(at, "--at", as_json), _details(detail, as_json)
    with running(db, as_json) as application:
        ctx = application.context
        done = journeys.record_step(
            ctx,
            users.resolve_actor(ctx, user),
            force,
            reference,
            step,
            at=moment,
            details=details,
            expected_version=expected_version,
        )
    findings = [{"rule": f.rule.id, "message": f.message} for f in done.findings]
    if as_json:
        print_json(
            {
                "force": done.force,
                "reference": done.reference,
                "step": done.step.kind.value,
                "at": done.step.at.isoformat(),
                "version": done.version,
                "findings": findings,
            }
        )
        return
    console.print(
        f"{done.force} {done.reference}: {done.step.kind.value} recorded (version {done.version})"
    )
    for f in done.findings:
        console.print(f"  [yellow]{f.rule.id}[/] {f.message}", highlight=False)


@journey_app.command("show")
def show(
    force: Force,
    reference: Reference,
    db: Db = None,
    user: User = None,
    why: Why = None,
    as_json: Json = False,
) -> None:
    """Show a report's journey: its steps, the Victims' Code duties and their state (logged)."""
    if not why or not why.strip():
        refuse(
            "say why you are consulting this record with --why (logged, DPA 2018 s.62)",
            as_json=as_json,
        )
    with running(db, as_json) as application:
        ctx = application.context
        view = journeys.journey(ctx, users.resolve_actor(ctx, user), force, reference, why=why)
    if as_json:
        print_json(view.to_dict())
        return
    title = f"{view.force} {view.reference}: {view.status}" + (
        f", outcome {view.outcome}" if view.outcome else ""
    )
    steps = Table(title=title, title_justify="left")
    for column in ("when", "step", "details"):
        steps.add_column(column)
    for t in view.timeline:
        steps.add_row(
            t.at.isoformat(timespec="minutes"),
            t.kind,
            ", ".join(f"{k}={v}" for k, v in sorted(t.details.items())),
        )
    console.print(steps)
    if view.duties:
        duties = Table(title="Victims' Code duties", title_justify="left")
        for column in ("decision", "decided", "due", "told", "state"):
            duties.add_column(column)
        for d in view.duties:
            duties.add_row(
                d.decision,
                d.decision_at.isoformat(timespec="minutes"),
                d.due_at.isoformat(timespec="minutes"),
                d.told_at.isoformat(timespec="minutes") if d.told_at else "—",
                d.state.value,
            )
        console.print(duties)
    for f in view.findings:
        console.print(f"  [yellow]{f.rule.id}[/] {f.message}", highlight=False)


@journey_app.command("duties")
def duties(
    due_before: Annotated[
        str | None,
        typer.Option(
            "--due-before",
            help="only duties due before this ISO 8601 time [default: all open duties]",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        list[str] | None,
        typer.Option("--force", help="only this force's reports (repeatable)", show_default=False),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many")] = 500,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Victims' Code duties not yet met, oldest due first: whom to tell of which decision."""
    before = _time(due_before, "--due-before", as_json)
    with running(db, as_json) as application:
        ctx = application.context
        rows = journeys.duties_due(
            ctx,
            users.resolve_actor(ctx, user),
            due_before=before,
            forces=force or (),
            limit=limit,
        )
        now = ctx.clock()
    if as_json:
        print_json(
            {
                "duties": [
                    {
                        "force": r.force,
                        "reference": r.reference,
                        "decision": r.decision,
                        "decided_at": r.decided_at.isoformat(),
                        "due_at": r.due_at.isoformat(),
                        "overdue": r.due_at < now,
                    }
                    for r in rows
                ]
            }
        )
        return
    table = Table(title=f"{len(rows)} duties open", title_justify="left")
    for column in ("force", "reference", "decision", "decided", "due", ""):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.force,
            r.reference,
            r.decision,
            r.decided_at.isoformat(timespec="minutes"),
            r.due_at.isoformat(timespec="minutes"),
            "[red]overdue[/]" if r.due_at < now else "",
        )
    console.print(table)
