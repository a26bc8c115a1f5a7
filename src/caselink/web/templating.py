"""The Jinja2 templates, their filters, the navigation by role, and one way to render a page."""

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.responses import Response

from caselink.domain.roles import Action, may
from caselink.services.context import Actor
from caselink.web.history_watch import history_problem
from caselink.web.security import CSRF_FIELD, optional_session

TEMPLATES = Path(__file__).parent / "templates"


def _when(value: datetime | None, with_time: bool = True) -> str:
    if value is None:
        return "—"
    # a list page formats a hundred of these; strftime was a tenth of its render in a profile
    return value.isoformat(" ", "minutes")[:16] if with_time else value.date().isoformat()


@lru_cache(maxsize=1024)
def _options(choices: tuple[tuple[str, str], ...], selected: str | None) -> Markup:
    return Markup("").join(
        Markup('<option value="{}"{}>{}</option>').format(
            value, Markup(" selected") if value == selected else "", label
        )
        for value, label in choices
    )


def options(choices: Iterable[str] | Iterable[tuple[str, str]], selected: Any = None) -> Markup:
    """The <option>s of a filter's <select>, ``selected`` marked: built once per choice list
    and selection, since every list page draws the same few hundred options."""
    pairs = tuple(c if isinstance(c, tuple) else (c, c) for c in choices)
    return _options(pairs, None if selected is None else str(selected))


def _percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def _interval(lower: float | None, upper: float | None, digits: int = 1) -> str:
    """A 95% interval of a rate as "4.1–9.8%", or "—" when there is none."""
    if lower is None or upper is None:
        return "—"
    return f"{100 * lower:.{digits}f}–{100 * upper:.{digits}f}%"


templates = Jinja2Templates(directory=TEMPLATES)
# Templates ship with the package and do not change under a running server: no stat() of every
# template on every page.
templates.env.auto_reload = False
templates.env.filters["when"] = _when
templates.env.filters["percent"] = _percent
templates.env.filters["interval"] = _interval
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD
templates.env.globals["options"] = options

# (label, path, any of these actions): a page appears in the menu of the roles that may use it.
_NAV: tuple[tuple[str, str, tuple[Action, ...]], ...] = (
    ("Reports", "/reports", (Action.VIEW_REPORT, Action.VIEW_PSEUDONYMISED)),
    ("New report", "/reports/new", (Action.RECORD,)),
    ("Cancellation queue", "/queue", (Action.AUTHORISE_CANCELLATION,)),
    ("Integrity", "/integrity", (Action.AUDIT,)),
    ("Audits", "/integrity/audits", (Action.AUDIT,)),
    ("Outcomes", "/outcomes", (Action.AUDIT,)),
    ("Series", "/linkage/series", (Action.LINK,)),
    ("Repeat suspects", "/persons/repeat-suspects", (Action.LINK, Action.AUDIT)),
    ("Person review", "/persons/review", (Action.LINK,)),
    ("Missed chances", "/outcomes/missed-chances", (Action.LINK, Action.AUDIT)),
    ("Access requests", "/access-requests", (Action.GRANT_ACCESS, Action.VIEW_REPORT)),
    ("Access log", "/admin/access-log", (Action.READ_ACCESS_LOG,)),
    ("Users", "/admin/users", (Action.MANAGE_USERS,)),
)


def navigation(actor: Actor | None) -> list[tuple[str, str]]:
    if actor is None:
        return []
    return [(label, path) for label, path, acts in _NAV if any(may(actor.role, a) for a in acts)]


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """Render a page with the signed-in user, their menu and the session's CSRF token.

    Pages are never cached: they may hold personal data, and a shared machine's back button
    must not show it after logout.
    """
    session = optional_session(request)
    actor = session.actor if session else None
    page = {
        "user": actor,
        "nav": navigation(actor),
        "csrf_token": session.csrf_token if session else "",
        "justification": session.justification if session else None,
        "history_problem": history_problem(request),
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, page, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response
