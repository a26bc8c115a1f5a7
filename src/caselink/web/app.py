"""The app factory: one FastAPI application over one caselink App (the same object the CLI and
the tests drive)."""

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from caselink import __version__
from caselink.bootstrap import App
from caselink.web import errors
from caselink.web.api_models import Health
from caselink.web.history_watch import HistoryWatch, refuse_changes_while_broken
from caselink.web.routes import (
    access_api,
    access_pages,
    admin_pages,
    api,
    decision_pages,
    integrity_pages,
    journey_api,
    journey_pages,
    linkage_pages,
    outcome_pages,
    outcomes_api,
    person_pages,
    report_pages,
    session_pages,
)

STATIC = Path(__file__).parent / "static"
# Served by the app itself (never a CDN): caselink runs without network access.
PLOTLY_JS = Path(str(files("plotly") / "package_data" / "plotly.min.js"))

# Plotly injects its own style elements; everything else comes from this origin only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class SecurityHeaders:
    """Adds the security headers to every response (a plain ASGI middleware: the decorator
    form wraps each request in an extra task and costs more than the page it serves)."""

    HEADERS = (
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


class RefuseNulCharacters:
    """Answers 400 to a request that carries a NUL character in its path, its query, or the
    body of a form (any form, the sign-in form included), and 422 to a JSON body that holds
    one or a lone surrogate (half of a UTF-16 pair, which no UTF-8 text can hold). A body it
    reads is at most ``MAX_BODY`` (413 beyond), so no request can make it hold more.

    No caselink value holds one, and PostgreSQL refuses them in text, so letting one through
    would turn a bad request into a server error. Checked here, once, for every route: a
    route added later is covered without a line of its own. caselink takes no file uploads,
    so a raw NUL byte has no place in any body it reads.
    """

    _FORM = (b"application/x-www-form-urlencoded", b"multipart/form-data")
    _JSON = b"application/json"
    # \u0000 not itself escaped (preceded by an even number of backslashes)
    _JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
    _JSON_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
    # A form's longest field (a narrative) is at most a million characters, as in a file.
    MAX_BODY = 8 * 1024 * 1024
    TOO_LARGE = b'{"detail":"the request body is larger than 8 MiB"}'
    MESSAGE = b'{"detail":"a NUL character is not allowed in a request"}'
    SURROGATE = b'{"detail":"a lone surrogate (\\\\ud800-\\\\udfff) is not text: refused"}'

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            await self._refuse(send, self.MESSAGE)
            return
        kind = self._body_kind(scope)
        if kind is None:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = bytearray()
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if len(body) > self.MAX_BODY:  # read no further: the answer is the same
                await self._refuse(send, self.TOO_LARGE, 413)
                return
            if not message.get("more_body", False):
                break
        problem = self._problem(kind, bytes(body))
        if problem is not None:
            # 422 for a JSON body, as the API answers any body it cannot take
            await self._refuse(send, problem, 422 if kind == self._JSON else 400)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    def _body_kind(self, scope: Scope) -> bytes | None:
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            return None
        for name, value in scope.get("headers", ()):
            if name == b"content-type":
                kind = value.split(b";", 1)[0].strip().lower()
                return kind if kind in self._FORM or kind == self._JSON else None
        return None

    def _problem(self, kind: bytes, body: bytes) -> bytes | None:
        if b"\x00" in body:
            return self.MESSAGE
        if kind == self._FORM[0]:
            return self.MESSAGE if b"%00" in body else None
        if kind != self._JSON or b"\\" not in body:
            return None
        if self._JSON_NUL.search(body):
            return self.MESSAGE
        if self._JSON_SURROGATE.search(body):
            try:
                json.dumps(json.loads(body), ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                return self.SURROGATE
            except ValueError:
                return None  # not JSON: the route's own parsing says so
        return None

    @staticmethod
    async def _refuse(send: Send, body: bytes, status: int = 400) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _lifespan(
    application: App, watch: HistoryWatch
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Each unit of work opens and closes its own SQLite connection. When the one closing
        # is the last, SQLite checkpoints and removes the WAL, and the next opening rebuilds
        # its index: about 10-20 ms per request. One idle connection held for the server's
        # life keeps the WAL open; it holds no transaction, so it blocks no checkpoint.
        engine = application.context.db.engine
        keeper = engine.raw_connection() if engine.dialect.name == "sqlite" else None
        try:
            async with watch.running():
                yield
        finally:
            if keeper is not None:
                keeper.close()

    return lifespan


def create_app(application: App, *, secure_cookies: bool = False) -> FastAPI:
    """Build the web application over ``application``.

    ``secure_cookies`` marks the session cookie Secure even when the request arrived over
    plain http (as behind a TLS-terminating proxy that does not forward the scheme).
    """
    watch = HistoryWatch(application.context, application.settings.history_check_seconds)
    app = FastAPI(
        title="caselink",
        version=__version__,
        description=(
            "Record, audit and link reports of rape and serious sexual offences. The JSON API "
            "under /api/v1 takes an API token (`caselink users token NAME`) as "
            "`Authorization: Bearer TOKEN`; reads of personal data need an `X-Justification` "
            "header, written to the access log (DPA 2018 s.62)."
        ),
        docs_url="/api/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=_lifespan(application, watch),
        dependencies=[Depends(refuse_changes_while_broken)],
    )
    app.state.caselink = application
    app.state.history_watch = watch
    app.state.secure_cookies = secure_cookies
    errors.install(app)

    app.add_middleware(SecurityHeaders)
    app.add_middleware(RefuseNulCharacters)

    @app.get(
        "/healthz", tags=["health"], response_model=Health, summary="Liveness: the process answers"
    )
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(
            PLOTLY_JS,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        # Browsers ask for /favicon.ico by themselves (for JSON answers, say): the same icon.
        return FileResponse(
            STATIC / "favicon.svg",
            media_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        session_pages,
        report_pages,
        decision_pages,
        integrity_pages,
        person_pages,
        linkage_pages,
        journey_pages,
        outcome_pages,
        admin_pages,
        access_pages,
        api,
        access_api,
        journey_api,
        outcomes_api,
    ):
        app.include_router(module.router)
    return app
