"""`caselink history`: the event log, its hash chain and its signed checkpoints."""

from pathlib import Path
from typing import Annotated

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
    """Check the whole hash chain, replay every report's events against its stored state, and
    check the chain against the signed checkpoints; name what is wrong and exit 1 if anything is.
    """
    with (
        running(db, as_json) as application,
        progress("verifying events", None, not as_json) as tick,
    ):
        result = history.verify(application.context, tick)
    brk, anchor = result.first_break, result.checkpoints
    if as_json:
        print_json(
            {
                "intact": result.intact,
                "events": result.events,
                "head_seq": result.head_seq,
                "first_break": None if brk is None else {"seq": brk.seq, "reason": brk.reason},
                "reports_differing": result.mismatch_count,
                "reports": [
                    {"force": m.force, "reference": m.reference, "problems": list(m.problems)}
                    for m in result.mismatches
                ],
                "checkpoints": {
                    "configured": anchor.configured,
                    "checked": anchor.checked,
                    "latest_seq": anchor.latest_seq,
                    "problems": list(anchor.problems),
                },
            }
        )
    else:
        _print(result)
    if not result.intact:
        raise typer.Exit(REFUSED)


def _print(result: history.HistoryReport) -> None:
    brk, anchor = result.first_break, result.checkpoints
    if brk is None:
        console.print(f"chain intact: {result.events:,} events, head at {result.head_seq:,}")
    else:
        console.print(f"[bold red]history broken at event {brk.seq}[/]: {brk.reason}")
    if result.mismatch_count:
        console.print(
            f"[bold red]{result.mismatch_count:,} reports differ from their events[/]"
            + (" (the first shown)" if result.mismatch_count > len(result.mismatches) else "")
        )
        for m in result.mismatches:
            console.print(f"  {m.force} {m.reference}: " + "; ".join(m.problems), markup=False)
    else:
        console.print("every report is what its events say")
    if not anchor.configured:
        console.print(
            "[yellow]no checkpoint key configured[/]: a rewrite of the whole chain would not "
            "show (docs/security.md)"
        )
    else:
        latest = "none yet" if anchor.latest_seq is None else f"latest at {anchor.latest_seq:,}"
        console.print(f"checkpoints passed: {anchor.checked:,} ({latest})")
        for problem in anchor.problems:
            console.print(f"  [bold red]{problem}[/]", highlight=False)
    if result.intact:
        console.print("history intact")


@history_app.command("checkpoint")
def checkpoint(db: Db = None, as_json: Json = False) -> None:
    """Sign the chain's head with the checkpoint key and append it to the checkpoint file."""
    with running(db, as_json) as application:
        made = history.checkpoint(application.context)
    if as_json:
        print_json({"seq": made.seq, "hash": made.hash, "at": made.at.isoformat()})
    else:
        console.print(f"checkpoint signed at event {made.seq:,} ({made.hash[:16]}…)")


@history_app.command("key")
def key(
    path: Annotated[Path, typer.Argument(help="the key file to create (never overwritten)")],
) -> None:
    """Create a new random key for signing checkpoints, readable by its owner only."""
    history.create_checkpoint_key(path)
    console.print(
        f"key written to {path}: set CASELINK_CHECKPOINT_KEY_FILE={path.resolve()} and keep a copy "
        "away from the database (docs/security.md)"
    )
