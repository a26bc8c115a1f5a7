"""`caselink access`: ask another force for access to one of its reports, and decide such
requests as the owning force's registrar."""

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from caselink.cli.options import Db, Json, User, Why
from caselink.cli.output import console, print_json
from caselink.cli.running import running
from caselink.services import access_requests, users
from caselink.services.access_requests import AccessRequest

access_app = typer.Typer(
    help="Reading another force's reports: ask for access, grant or refuse it, list requests.",
    no_args_is_help=True,
)


def _show(request: AccessRequest, as_json: bool) -> None:
    if as_json:
        print_json(asdict(request))
        return
    until = f" until {request.expires_at:%Y-%m-%d %H:%M}" if request.expires_at else ""
    console.print(
        f"request {request.id}: {request.requested_by} → {request.force} {request.reference}: "
        f"{request.state}{until}",
        markup=False,
        highlight=False,
    )


@access_app.command("request")
def request(
    force: Annotated[str, typer.Argument(help="the force that owns the report")],
    reference: Annotated[str, typer.Argument(help="the owning force's reference")],
    db: Db = None,
    user: User = None,
    why: Why = None,
    as_json: Json = False,
) -> None:
    """Ask the owning force for access to one of its reports; its registrar decides."""
    with running(db, as_json) as application:
        ctx = application.context
        made = access_requests.request_access(
            ctx, users.resolve_actor(ctx, user), force, reference, why=why or ""
        )
    _show(made, as_json)


@access_app.command("decide")
def decide(
    request_id: Annotated[int, typer.Argument(help="the request's number", min=1)],
    grant: Annotated[
        bool,
        typer.Option("--grant/--refuse", help="grant access, or refuse it (with --note)"),
    ],
    days: Annotated[
        int, typer.Option("--days", min=1, max=90, help="how long a grant lasts")
    ] = access_requests.DEFAULT_GRANT_DAYS,
    note: Annotated[
        str | None, typer.Option("--note", help="why (required to refuse)", show_default=False)
    ] = None,
    db: Db = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Grant or refuse a request to read one of your force's reports (registrars)."""
    with running(db, as_json) as application:
        ctx = application.context
        decided = access_requests.decide(
            ctx, users.resolve_actor(ctx, user), request_id, grant=grant, days=days, note=note
        )
    _show(decided, as_json)


@access_app.command("list")
def list_requests(db: Db = None, user: User = None, as_json: Json = False) -> None:
    """Requests waiting for your force (registrars), then your own."""
    with running(db, as_json) as application:
        ctx = application.context
        found = access_requests.requests_for(ctx, users.resolve_actor(ctx, user))
    if as_json:
        print_json([asdict(r) for r in found])
        return
    table = Table("id", "by", "report", "reason", "state", "until")
    for r in found:
        until = f"{r.expires_at:%Y-%m-%d %H:%M}" if r.expires_at else ""
        table.add_row(
            str(r.id), r.requested_by, f"{r.force} {r.reference}", r.reason, r.state, until
        )
    console.print(table)
