"""Refusals as responses: JSON under /api, a page (or a detour to log in) everywhere else."""

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from caselink.domain.errors import (
    ConcurrentUpdate,
    DomainError,
    InvalidRequest,
    InvalidTransition,
    InvalidValue,
    NotFound,
    NotPermitted,
    RuleViolation,
)
from caselink.web.security import CsrfRejected, JustificationRequired, LoginRequired
from caselink.web.templating import render


def status_of(exc: DomainError) -> int:
    """The HTTP status that says what kind of refusal a domain error is."""
    if isinstance(exc, NotPermitted):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, ConcurrentUpdate):
        return 409
    if isinstance(exc, (RuleViolation, InvalidTransition, InvalidValue)):
        return 422
    if isinstance(exc, InvalidRequest):
        return 400
    return 400


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def install(app: FastAPI) -> None:
    """Register the handlers on the application."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        status = status_of(exc)
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        return render(request, "error.html", {"status": status, "message": str(exc)}, status)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_url, safe='')}", status_code=303)

    @app.exception_handler(JustificationRequired)
    async def justification_required(request: Request, exc: JustificationRequired) -> Response:
        return RedirectResponse(
            f"/justification?next={quote(exc.next_url, safe='')}", status_code=303
        )

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        message = "this form has expired or did not come from caselink: reload the page"
        return render(request, "error.html", {"status": 403, "message": message}, 403)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request) or request.url.path == "/healthz":
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        return render(
            request,
            "error.html",
            {"status": exc.status_code, "message": str(exc.detail)},
            exc.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": jsonable(exc)}, status_code=422)
        words = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        return render(request, "error.html", {"status": 422, "message": words}, 422)


def jsonable(exc: RequestValidationError) -> list[dict[str, object]]:
    """Validation errors without the raw input (which may be anything, including bytes)."""
    return [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")}
        for e in exc.errors()
    ]
