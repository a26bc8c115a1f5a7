"""`caselink serve`: the web application and JSON API over one database."""

import os
from typing import Annotated

import typer
import uvicorn

from caselink.bootstrap import App
from caselink.cli.options import Db
from caselink.cli.output import console
from caselink.cli.running import running

# The web package's application factory, by name: the CLI does not import the web package
# (they are independent entry points), uvicorn does.
WEB_FACTORY = "caselink.web.serving:from_environment"
SECURE_COOKIES_ENV = "CASELINK_WEB_SECURE_COOKIES"


def run_server(
    application: App,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    secure_cookies: bool = False,
    workers: int = 1,
) -> None:
    """Serve the web pages and the API over ``application``'s database until interrupted (the
    demo calls this).

    The server process builds its own application from the same database URL and the
    CASELINK_* settings of this environment.
    """
    os.environ["CASELINK_DATABASE_URL"] = application.database_url
    os.environ[SECURE_COOKIES_ENV] = "1" if secure_cookies else "0"
    uvicorn.run(
        WEB_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


def serve(
    host: Annotated[str, typer.Option("--host", help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="port to listen on")] = 8000,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies",
            help="mark the session cookie Secure even over http (behind a TLS proxy)",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="server processes; one a core serves more requests at once",
        ),
    ] = 1,
    db: Db = None,
) -> None:
    """Serve the web pages and the JSON API (/api/v1; OpenAPI at /api/v1/openapi.json)."""
    with running(db) as application:
        console.print(
            f"caselink on http://{host}:{port}/ — database {application.database_url} "
            "(Ctrl-C to stop)"
        )
        run_server(application, host, port, secure_cookies=secure_cookies, workers=workers)
