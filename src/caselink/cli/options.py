"""Options every command shares, declared once."""

from typing import Annotated

import typer

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="CASELINK_DATABASE_URL",
        help="database URL or SQLite file [default: caselink.db here]",
        show_default=False,
    ),
]
User = Annotated[
    str | None,
    typer.Option(
        "--user",
        envvar="CASELINK_USER",
        help="the user acting (recorded in the history)",
        show_default=False,
    ),
]
Why = Annotated[
    str | None,
    typer.Option(
        "--why",
        envvar="CASELINK_WHY",
        help="why you consult personal data (logged, DPA 2018 s.62)",
        show_default=False,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="print one JSON document")]
ExpectedVersion = Annotated[
    int | None,
    typer.Option(
        "--expected-version",
        help="refuse if the report is no longer at this version",
        show_default=False,
    ),
]
