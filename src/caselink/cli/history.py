"""`caselink history`: the event log and its hash chain."""

import typer

from caselink.cli.options import Db, Json
from caselink.cli.output import REFUSED, console, print_json, progress
from caselink.cli.running import running
from caselink.services import history

history_app = typer.Typer(
    help="The append-only, hash-chained history of every change.", no_args_is_help=True
)


@history_app.command("verify")
def verify(db: Db = None, as_json: Json = False) -> None:
    """Check the whole hash chain; name the first broken link and exit 1 if there is one."""
    with (
        running(db, as_json) as application,
        progress("verifying events", None, not as_json) as tick,
    ):
        result = history.verify(application.context, tick)
    brk = result.first_break
    if as_json:
        print_json(
            {
                "intact": result.intact,
                "events": result.events,
                "head_seq": result.head_seq,
                "first_break": None if brk is None else {"seq": brk.seq, "reason": brk.reason},
            }
        )
    elif brk is None:
        console.print(
            f"history intact: {result.events:,} events, chain head at {result.head_seq:,}"
        )
    else:
        console.print(f"[bold red]history broken at event {brk.seq}[/]: {brk.reason}")
    if brk is not None:
        raise typer.Exit(REFUSED)
