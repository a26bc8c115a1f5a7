"""Signing in and out, the justification a session gives, and each role's home page."""

import math
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from caselink.domain.errors import InvalidRequest
from caselink.domain.roles import Action, may
from caselink.services import auth, journey, report_views
from caselink.services.auth import LoginBusy, LoginHeldBack, LoginRefused
from caselink.web.journey_display import duty_lines, end_of_today
from caselink.web.routes.report_pages import report_url
from caselink.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    PostSession,
    Session,
    clear_session_cookie,
    context,
    secure_cookies,
    set_session_cookie,
)
from caselink.web.templating import render

router = APIRouter(include_in_schema=False)

# Offered on the justification form; any other reason may be typed instead.
REASONS = (
    "investigating this report",
    "recording decision or cancellation review",
    "offence linkage analysis",
    "crime data integrity audit",
    "safeguarding the complainant",
)


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a link send a user elsewhere."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_page(
    request: Request,
    *,
    next_url: str,
    name: str = "",
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"next": next_url, "name": name, "error": error, "login_csrf": token},
        status,
    )
    response.headers.update(headers or {})
    # The login form has no session yet: its CSRF token is a double-submit cookie.
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path="/login",
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next_url=safe_next(next))


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    login_csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    target = safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, login_csrf):
        return _login_page(
            request,
            next_url=target,
            name=name,
            error="this form has expired: please sign in again",
            status=403,
        )
    ctx = context(request)
    # the peer's address: behind a proxy, the client's as the proxy forwards it, when the
    # server trusts that proxy (uvicorn's FORWARDED_ALLOW_IPS: the local host unless set)
    address = request.client.host if request.client else None
    try:
        new = auth.login(ctx, name, password, address=address)
    except LoginRefused as exc:
        return _login_page(request, next_url=target, name=name, error=str(exc), status=401)
    except (LoginHeldBack, LoginBusy) as exc:  # nothing was checked: come back later
        if isinstance(exc, LoginHeldBack):  # too many failures from this address
            status, wait = 429, max(1, math.ceil((exc.until - ctx.clock()).total_seconds()))
        else:  # a flood of sign-ins waiting for a password check
            status, wait = 503, 30
        return _login_page(
            request,
            next_url=target,
            name=name,
            error=str(exc),
            status=status,
            headers={"Retry-After": str(wait)},
        )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, new)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, session: PostSession) -> Response:
    auth.logout(context(request), request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(request, response)
    return response


@router.get("/justification")
def justification_form(request: Request, session: Session, next: str = "/") -> Response:
    return render(
        request,
        "justification.html",
        {"next": safe_next(next), "reasons": REASONS, "error": None, "given": ""},
    )


@router.post("/justification")
def give_justification(
    request: Request,
    session: PostSession,
    reason: Annotated[str, Form()] = "",
    other: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    text = other.strip() or reason.strip()
    try:
        auth.set_justification(context(request), session, text)
    except InvalidRequest as exc:  # shown on the form, with what was typed kept
        return render(
            request,
            "justification.html",
            {"next": safe_next(next), "reasons": REASONS, "error": str(exc), "given": other},
            422,
        )
    return RedirectResponse(safe_next(next), status_code=303)


# A home page lists this many duties; the rest are one click away in the API and the CLI.
DUTIES_SHOWN = 50


@router.get("/")
def home(request: Request, session: Session) -> Response:
    ctx = context(request)
    board = report_views.dashboard(ctx, session.actor)
    duties = None
    if may(session.actor.role, Action.RECORD):
        # The officer's Victims' Code duties: due today or overdue, oldest first. References and
        # decisions only, so not a consultation; opening a report is.
        now = ctx.clock()
        rows = journey.duties_due(
            ctx, session.actor, due_before=end_of_today(now), limit=DUTIES_SHOWN + 1
        )
        duties = duty_lines(rows, now)
    return render(
        request,
        "dashboard.html",
        {
            "board": board,
            "duties": None if duties is None else duties[:DUTIES_SHOWN],
            "more_duties": duties is not None and len(duties) > DUTIES_SHOWN,
            "report_url": report_url,
        },
    )
