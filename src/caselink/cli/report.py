"""`caselink report`: read one report, and the recording decisions on it."""

from collections.abc import Callable
from typing import Annotated

import typer
from rich.table import Table

from caselink.cli.options import Db, ExpectedVersion, Json, User, Why
from caselink.cli.output import console, print_json, refuse
from caselink.cli.running import running
from caselink.domain.report import Report
from caselink.domain.rules.cancellation import CancellationCode
from caselink.interchange.jsonl import report_document
from caselink.services import recording, users
from caselink.services.context import Actor, Context
from caselink.services.recording import ReportView

report_app = typer.Typer(
    help="One report: show it, classify it, cancel, authorise, inform.", no_args_is_help=True
)

Force = Annotated[str, typer.Argument(help="the recording force, e.g. Kent")]
Reference = Annotated[str, typer.Argument(help="the force's reference")]


def _done(report: Report, what: str, as_json: bool) -> None:
    if as_json:
        pending = report.pending_cancellation
        print_json(
            {
                "force": report.force,
                "reference": report.reference,
                "status": report.status.value,
                "offence_code": report.offence_code,
                "version": report.version,
                "pending_cancellation": pending.code.value if pending else None,
            }
        )
    else:
        console.print(
            f"{report.force} {report.reference}: {what} "
            f"(now {report.status.value}, version {report.version})"
        )


@report_app.command("show")
def show(
    force: Force,
    reference: Reference,
    db: Db = None,
    user: User = None,
    why: Why = None,
    as_json: Json = False,
) -> None:
    """Show a report with its findings, persons, behaviours and full history (the read is
    logged).
    """
    if not why or not why.strip():
        refuse(
            "say why you are consulting this record with --why (logged, DPA 2018 s.62)",
            as_json=as_json,
        )
    with running(db, as_json) as application:
        ctx = application.context
        view = recording.show(ctx, users.resolve_actor(ctx, user), force, reference, why=why)
    if as_json:
        doc = report_document(view.report)
        doc["findings"] = [
            {"rule": f.rule.id, "message": f.message, "citation": f.rule.citation}
            for f in view.findings
        ]
        doc["history"] = view.history
        doc["pseudonymised"] = view.pseudonymised
        print_json(doc)
    else:
        _render(view)


def _render(view: ReportView) -> None:
    r = view.report
    details = Table(title=f"{r.force} {r.reference}", show_header=False, title_justify="left")
    rows = [
        ("status", r.status.value + (" (pending cancellation)" if r.pending_cancellation else "")),
        ("offence code", r.offence_code or "—"),
        ("reported", r.reported_at.isoformat()),
        (
            "occurred",
            " to ".join(t.isoformat() for t in (r.occurred.start, r.occurred.end) if t)
            or "unknown",
        ),
        (
            "place",
            ", ".join(
                str(v)
                for v in (r.location.latitude, r.location.longitude, r.location.area_code)
                if v is not None
            )
            or "unknown",
        ),
        ("relationship", r.relationship.value if r.relationship else "—"),
        ("decided", r.decided_at.isoformat() if r.decided_at else "—"),
        ("version", str(r.version)),
    ]
    for key, value in rows:
        details.add_row(key, value)
    if r.narrative:
        details.add_row("narrative", r.narrative)
    console.print(details)
    if view.findings:
        console.print("[bold]findings[/]")
        for f in view.findings:
            console.print(f"  [yellow]{f.rule.id}[/] {f.message} — {f.rule.title}", highlight=False)
    for c in r.cancellations:
        console.print(
            f"[bold]{c.code}[/] {c.code.meaning}: {c.state.value}; rationale: {c.rationale}; "
            f"evidence: {c.evidence or '—'}; asked by {c.requested_by}"
            + (f"; decided by {c.decided_by}" if c.decided_by else "")
            + (
                "; complainant told " + c.complainant_informed_at.isoformat()
                if c.complainant_informed_at
                else ""
            ),
            highlight=False,
        )
    if r.persons:
        persons = Table(
            "role",
            "name",
            "date of birth",
            "postcode",
            "identifiers",
            title="persons",
            title_justify="left",
        )
        for p in r.persons:
            name = " ".join(x for x in (p.forename, p.surname) if x) or (
                "withheld" if view.pseudonymised else "—"
            )
            persons.add_row(
                p.role.value,
                name,
                p.date_of_birth.as_given if p.date_of_birth else "",
                p.postcode or "",
                ", ".join(p.identifiers),
            )
        console.print(persons)
    if r.behaviours or r.attributes:
        console.print(
            "[bold]behaviours[/] " + ", ".join(f"{b.domain}:{b.code}" for b in sorted(r.behaviours))
        )
        for name, values in sorted(r.attributes.items()):
            console.print(f"  {name}: {' | '.join(values)}", highlight=False)
    history = Table("#", "when", "who", "what", title="history", title_justify="left")
    for h in view.history:
        history.add_row(
            str(h["seq"]),
            h["at"].isoformat(timespec="seconds"),
            h["actor"],
            h["kind"].replace("_", " "),
        )
    console.print(history)


def _acting(
    db: str | None, user: str | None, as_json: bool, change: Callable[[Context, Actor], Report]
) -> tuple[Report, Context]:
    """Run one change to a report as the named user; refusals become messages and exit 1."""
    with running(db, as_json) as application:
        ctx = application.context
        return change(ctx, users.resolve_actor(ctx, user)), ctx


@report_app.command("classify")
def classify(
    force: Force,
    reference: Reference,
    offence: str | None = typer.Option(
        None, "--offence", help="record as a crime under this Home Office code"
    ),
    n100: str | None = typer.Option(None, "--n100", help="record as an N100, with this rationale"),
    expected_version: ExpectedVersion = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Record the recording decision: a crime (--offence CODE) or an N100 (--n100 RATIONALE)."""
    if (offence is None) == (n100 is None):
        refuse("give exactly one of --offence CODE or --n100 RATIONALE", as_json=as_json)
    report, ctx = _acting(db, user, as_json, lambda ctx, actor: recording.classify(
        ctx, actor, force, reference, offence_code=offence.strip().upper() if offence else None,
        n100_rationale=n100, expected_version=expected_version,
    ))  # fmt: skip
    late = [f for f in report.findings(ctx.policy) if f.rule.id == "REC-1"]
    _done(report, "classified" + (f"; flagged: {late[0].message}" if late else ""), as_json)


@report_app.command("cancel")
def cancel(
    force: Force,
    reference: Reference,
    code: CancellationCode = typer.Option(
        ..., "--code", help="C1 transfer, C2 verifiable information, C3 duplicate, C4 error"
    ),
    rationale: str = typer.Option(..., "--rationale", help="why"),
    evidence: str | None = typer.Option(
        None,
        "--evidence",
        help="C1: receiving force or authority; C2: the verifiable information; "
        "C3: the original reference; C4: the error",
    ),
    expected_version: ExpectedVersion = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Ask to cancel or transfer a report. Rape and N100 cancellations then wait for a registrar."""
    report, _ = _acting(db, user, as_json, lambda ctx, actor: recording.cancel(
        ctx, actor, force, reference, code=code, rationale=rationale, evidence=evidence,
        expected_version=expected_version,
    ))  # fmt: skip
    what = (
        "cancellation awaiting a registrar's authorisation"
        if report.pending_cancellation
        else f"{code} applied"
    )
    _done(report, what, as_json)


@report_app.command("authorise")
def authorise(
    force: Force,
    reference: Reference,
    note: str | None = typer.Option(None, "--note", help="a note kept with the decision"),
    expected_version: ExpectedVersion = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Authorise the pending cancellation (registrar)."""
    report, _ = _acting(db, user, as_json, lambda ctx, actor: recording.authorise(
        ctx, actor, force, reference, note=note, expected_version=expected_version
    ))  # fmt: skip
    _done(report, "cancellation authorised", as_json)


@report_app.command("accept")
def accept(
    force: Force,
    reference: Reference,
    expected_version: ExpectedVersion = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Take over a report transferred (C1) to your force (registrar of the receiving force)."""
    report, _ = _acting(db, user, as_json, lambda ctx, actor: recording.accept_transfer(
        ctx, actor, force, reference, expected_version=expected_version
    ))  # fmt: skip
    _done(report, f"transfer accepted: {report.receiving_force} owns it now", as_json)


@report_app.command("refuse")
def refuse_cancellation(
    force: Force,
    reference: Reference,
    note: str = typer.Option(..., "--note", help="why the cancellation is refused"),
    expected_version: ExpectedVersion = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Refuse the pending cancellation (registrar); the report stands as it was."""
    report, _ = _acting(db, user, as_json, lambda ctx, actor: recording.refuse(
        ctx, actor, force, reference, note=note, expected_version=expected_version
    ))  # fmt: skip
    _done(report, "cancellation refused", as_json)


@report_app.command("inform")
def inform(
    force: Force,
    reference: Reference,
    how: str | None = typer.Option(
        None, "--how", help="how the complainant was told (letter, visit, call)"
    ),
    expected_version: ExpectedVersion = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Record that the complainant was told of the cancellation or transfer."""
    report, _ = _acting(db, user, as_json, lambda ctx, actor: recording.inform(
        ctx, actor, force, reference, how=how, expected_version=expected_version
    ))  # fmt: skip
    _done(report, "complainant informed", as_json)
