"""Rendering for the terminal: Rich on a screen, one JSON document with --json, errors on stderr."""

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import Enum
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

console = Console()
errors = Console(stderr=True, soft_wrap=True)  # messages stay whole lines, greppable

REFUSED = 1  # bad data, a rule, a conflict: the message says what and why
USAGE = 2


def _default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot print {type(value).__name__} as JSON")


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, default=_default, ensure_ascii=False, indent=2) + "\n")


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
    """A progress bar on stderr when it is a terminal; yields a function taking the count done."""
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
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.update(task, completed=done)
