"""The `caselink` command: the root, shared error handling, and the small commands."""

import typer
from rich.table import Table

from caselink import __version__
from caselink.bootstrap import load_taxonomy, policy_of
from caselink.cli import (
    access,
    demo,
    history,
    importing,
    integrity,
    journey,
    link,
    outcomes,
    persons,
    report,
    users,
    web,
)
from caselink.cli.options import Db, Json, User
from caselink.cli.output import console, print_json
from caselink.cli.running import running
from caselink.config import Settings
from caselink.services import users as user_service
from caselink.services.demo import DEMO_LINK_SETTINGS
from caselink.services.processes import compile_ahead
from caselink.services.store_counts import store_counts

app = typer.Typer(
    name="caselink",
    help="Record, audit and link reports of rape and serious sexual offences.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def init(db: Db = None, as_json: Json = False) -> None:
    """Create the database (or bring it to the current schema)."""
    with running(db, as_json, need_schema=False) as application:
        revision = application.initialise()
    if as_json:
        print_json({"database": application.database_url, "schema": revision})
    else:
        console.print(f"database ready: {application.database_url} (schema {revision})")


@app.command()
def stats(db: Db = None, user: User = None, as_json: Json = False) -> None:
    """Counts of reports, persons and events, by status and by force. No personal data."""
    with running(db, as_json) as application:
        ctx = application.context
        figures = store_counts(ctx, user_service.resolve_actor(ctx, user))
    if as_json:
        print_json(figures.to_dict())
        return
    table = Table(title="caselink", show_header=False)
    table.add_row("reports", f"{figures.reports:,}")
    for status, n in figures.by_status.items():
        table.add_row(f"  {status}", f"{n:,}")
    table.add_row("pending cancellations", f"{figures.pending_cancellations:,}")
    table.add_row("persons", f"{figures.persons:,}")
    table.add_row("offender labels", f"{figures.offenders:,}")
    table.add_row("events", f"{figures.events:,}")
    console.print(table)


@app.command(name="compile")
def compile_scorer() -> None:
    """Compile the offence-link scorer's machine code now, once per checkout (`make setup`
    does), so that a first link run need not: about a minute of processor time."""
    settings = Settings()
    taxonomy, policy = load_taxonomy(settings), policy_of(settings)
    if compile_ahead.fill_cache(taxonomy, policy, DEMO_LINK_SETTINGS):
        console.print("the offence-link scorer is compiled")
    else:
        console.print("the offence-link scorer was already compiled")


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


app.command()(demo.demo)
app.command()(demo.synth)
app.command()(web.serve)
app.add_typer(importing.import_app, name="import")
app.add_typer(importing.export_app, name="export")
app.add_typer(report.report_app, name="report")
app.add_typer(journey.journey_app, name="journey")
app.add_typer(outcomes.outcomes_app, name="outcomes")
app.add_typer(history.history_app, name="history")
app.add_typer(access.access_app, name="access")
app.add_typer(integrity.integrity_app, name="integrity")
app.add_typer(link.link_app, name="link")
app.add_typer(persons.persons_app, name="persons")
app.add_typer(users.users_app, name="users")


def main() -> None:
    app()
