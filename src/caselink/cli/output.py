"""Rendering for the terminal: Rich on a screen, one JSON document with --json, errors on stderr."""

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from caselink.interchange.jsonl import json_value

console = Console()
errors = Console(stderr=True, soft_wrap=True)  # messages stay whole lines, greppable

REFUSED = 1  # bad data, a rule, a conflict: the message says what and why
USAGE = 2


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, default=json_value, ensure_ascii=False, indent=2) + "\n")


def refuse(
    message: str, *, as_json: bool = False, details: list[dict[str, Any]] | None = None
) -> NoReturn:
    """Say what was refused and why, then exit 1."""
    if as_json:
        doc: dict[str, Any] = {"error": message}
        if details is not None:
            doc["errors"] = details
        print_json(doc)
    else:
        errors.print(f"[bold red]refused:[/] {escape(message)}", highlight=False)
    raise typer.Exit(REFUSED)


@contextmanager
def progress(description: str, total: int | None, enabled: bool = True) -> Iterator[Any]:
    """A progress bar on stderr when it is a terminal; yields a function taking the count done
    (and the total, when it was not known at the start).

    Off a terminal (output to a file or a pipe) a bar cannot be drawn, so one line goes to
    stderr when the stage ends instead, e.g. "importing reports: done in 12.3 s", and a long
    run is not silent until its end. Nothing at all when not `enabled` (--json)."""
    show = enabled and errors.is_terminal
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=not show,
    )
    started = time.perf_counter()
    with bar:
        task = bar.add_task(description, total=total)
        # the total may only be known once the work has started
        yield lambda done, total=None: bar.update(task, completed=done, total=total)
    if enabled and not show:
        seconds = time.perf_counter() - started
        errors.print(f"{description}: done in {seconds:.1f} s", highlight=False, markup=False)
