"""`caselink import` and `caselink export`: files in and out."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from caselink.cli.options import Db, Json, User, Why
from caselink.cli.output import console, print_json, progress, refuse
from caselink.cli.running import running
from caselink.services import exporting, importing, users
from caselink.services.importing import Format, Kind

import_app = typer.Typer(
    help="Import reports, persons, offender labels or journeys from a file.", no_args_is_help=True
)
export_app = typer.Typer(
    help="Export everything, or a pseudonymised copy for inspectors.", no_args_is_help=True
)

File = Annotated[Path, typer.Argument(help="the file to read", exists=False)]
FormatOpt = Annotated[Format, typer.Option("--format", help="caselink-csv, police-uk or jsonl")]
SkipInvalid = Annotated[
    bool, typer.Option("--skip-invalid", help="import the valid rows; needs --rejects")
]
Rejects = Annotated[
    Path | None,
    typer.Option(
        "--rejects", help="where the refused rows go, with their reasons", show_default=False
    ),
]


def _count_lines(path: Path) -> int | None:
    # A quick pass over the bytes gives the progress bar a real total.
    try:
        with path.open("rb") as handle:
            return max(
                sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0
            )
    except OSError:
        return None


def _import(
    kind: Kind,
    file: Path,
    fmt: Format,
    skip_invalid: bool,
    rejects: Path | None,
    db: str | None,
    user: str | None,
    as_json: bool,
) -> None:
    if skip_invalid and rejects is None:
        refuse("--skip-invalid needs --rejects FILE, so no refused row is lost", as_json=as_json)
    if rejects is not None and not skip_invalid:
        refuse("--rejects is only used with --skip-invalid", as_json=as_json)
    with running(db, as_json) as application:
        ctx = application.context
        actor = users.resolve_actor(ctx, user)
        with progress(f"importing {kind.value}", _count_lines(file), not as_json) as tick:
            summary = importing.import_file(
                ctx,
                actor,
                kind,
                file,
                fmt,
                skip_invalid=skip_invalid,
                rejects=rejects,
                batch_size=application.settings.import_batch_size,
                workers=application.settings.import_workers,
                progress=tick,
            )
    if as_json:
        print_json(summary.to_dict())
        return
    console.print(
        f"{kind.value}: {summary.imported:,} imported, {summary.unchanged:,} unchanged, "
        f"{summary.rejected:,} rejected"
        + (f" (written to {rejects})" if summary.rejected and rejects else "")
    )
    for reason, n in sorted(summary.skipped.items()):
        console.print(f"  skipped {n:,}: {reason.replace('_', ' ')}")
    for note, n in sorted(summary.notes.items()):
        console.print(f"  {note.replace('_', ' ')}: {n:,}")


def _import_command(kind: Kind, summary: str) -> Callable[..., None]:
    def command(
        file: File,
        fmt: FormatOpt = Format.CASELINK_CSV,
        skip_invalid: SkipInvalid = False,
        rejects: Rejects = None,
        db: Db = None,
        user: User = None,
        as_json: Json = False,
    ) -> None:
        _import(kind, file, fmt, skip_invalid, rejects, db, user, as_json)

    command.__doc__ = summary
    return command


for _kind, _summary in (
    (
        Kind.REPORTS,
        "Import reports (caselink CSV, police.uk street-level CSV, or caselink JSON lines).",
    ),
    (Kind.PERSONS, "Import persons attached to reports already imported (caselink CSV)."),
    (
        Kind.OFFENDERS,
        "Import the known offenders of solved reports (caselink CSV), used to train linkage.",
    ),
    (
        Kind.OUTCOMES,
        "Import police.uk outcomes files (--format police-uk): each outcome matched to its "
        "crime by Crime ID.",
    ),
    (
        Kind.JOURNEY,
        "Import steps of victims' journeys (caselink journey CSV or JSON lines), each through "
        "the journey's rules.",
    ),
):
    import_app.command(_kind.value)(_import_command(_kind, _summary))


def _why(why: str | None, as_json: bool) -> str:
    if not why or not why.strip():
        refuse(
            "an export discloses personal data: say why with --why (logged, DPA 2018 s.62)",
            as_json=as_json,
        )
    return why.strip()


@export_app.command("jsonl")
def export_jsonl(
    file: Path, db: Db = None, user: User = None, why: Why = None, as_json: Json = False
) -> None:
    """Everything as JSON lines: every report with its persons, then every event of the history."""
    reason = _why(why, as_json)
    with running(db, as_json) as application:
        ctx = application.context
        actor = users.resolve_actor(ctx, user)
        with progress("exporting reports", None, not as_json) as tick:
            summary = exporting.export_jsonl(ctx, actor, file, why=reason, progress=tick)
    if as_json:
        print_json({"reports": summary.reports, "events": summary.events, "file": str(file)})
    else:
        console.print(
            f"{summary.reports:,} reports and {summary.events:,} events written to {file}"
        )


@export_app.command("pseudonymised")
def export_pseudonymised(
    file: Path,
    key_file: Path = typer.Option(
        ..., "--key-file", help="a secret key of at least 32 bytes, kept by the force"
    ),
    db: Db = None,
    user: User = None,
    why: Why = None,
    as_json: Json = False,
) -> None:
    """Reports for inspectors and researchers: complainants reduced to their role, others keyed
    pseudonyms.
    """
    reason = _why(why, as_json)
    with running(db, as_json) as application:
        ctx = application.context
        actor = users.resolve_actor(ctx, user)
        key = key_file.read_bytes().strip()
        with progress("exporting reports", None, not as_json) as tick:
            summary = exporting.export_pseudonymised(
                ctx, actor, file, key, why=reason, progress=tick
            )
    if as_json:
        print_json({"reports": summary.reports, "file": str(file)})
    else:
        console.print(f"{summary.reports:,} pseudonymised reports written to {file}")
