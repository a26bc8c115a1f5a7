"""The app factory: one FastAPI application over one caselink App (the same object the CLI and
the tests drive)."""

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import RequestResponseEndpoint
from starlette.responses import Response

from caselink import __version__
from caselink.bootstrap import App
from caselink.web import errors
from caselink.web.api_models import Health
from caselink.web.routes import (
    admin_pages,
    api,
    decision_pages,
    integrity_pages,
    linkage_pages,
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


def create_app(application: App, *, secure_cookies: bool = False) -> FastAPI:
    """Build the web application over ``application``.

    ``secure_cookies`` marks the session cookie Secure even when the request arrived over
    plain http (as behind a TLS-terminating proxy that does not forward the scheme).
    """
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
    )
    app.state.caselink = application
    app.state.secure_cookies = secure_cookies
    errors.install(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

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

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        session_pages,
        report_pages,
        decision_pages,
        integrity_pages,
        linkage_pages,
        admin_pages,
        api,
    ):
        app.include_router(module.router)
    return app
