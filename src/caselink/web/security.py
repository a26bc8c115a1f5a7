"""Who is asking: the session behind a page request, its CSRF token on every form, the bearer
token behind an API request, and the cookies that carry them."""

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from caselink.bootstrap import App
from caselink.domain.roles import Action, may
from caselink.services import auth
from caselink.services.auth import WebSession
from caselink.services.context import Actor, Context

SESSION_COOKIE = "caselink_session"
LOGIN_CSRF_COOKIE = "caselink_login_csrf"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """No live session: the page sends the browser to the login form, then back."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class JustificationRequired(Exception):
    """Personal data asked for before the session said why (DPA 2018 s.62)."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfRejected(Exception):
    """A form came without this session's CSRF token: refused before anything is done."""


def application(request: Request) -> App:
    app: App = request.app.state.caselink
    return app


def context(request: Request) -> Context:
    return application(request).context


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def optional_session(request: Request) -> WebSession | None:
    """The live session of this request, looked up once per request."""
    if not hasattr(request.state, "web_session"):
        request.state.web_session = auth.session_of(
            context(request), request.cookies.get(SESSION_COOKIE)
        )
    found: WebSession | None = request.state.web_session
    return found


async def current_session(request: Request) -> WebSession:
    # Run on the event loop, not in a worker thread: a session is one read by primary key,
    # quicker than the round trip to a worker thread that a plain function dependency costs
    # on every page.
    found = optional_session(request)
    if found is None:
        raise LoginRequired(_here(request))
    return found


Session = Annotated[WebSession, Depends(current_session)]


async def justification(request: Request, session: Session) -> str:
    """The justification this session gave, or a detour to give one first."""
    if not session.justification:
        raise JustificationRequired(_here(request))
    return session.justification


Why = Annotated[str, Depends(justification)]


async def checked_session(request: Request, session: Session) -> WebSession:
    """The session of a form post whose CSRF token matches; anything else is refused."""
    form = await request.form()  # parsed once; the route's Form parameters reuse it
    given = form.get(CSRF_FIELD)
    if not session.csrf_matches(given if isinstance(given, str) else None):
        raise CsrfRejected()
    return session


PostSession = Annotated[WebSession, Depends(checked_session)]


def may_any(actor: Actor, *actions: Action) -> bool:
    return any(may(actor.role, a) for a in actions)


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure over https, or always when the app was built to say so."""
    forced: bool = request.app.state.secure_cookies
    return forced or request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, new: auth.NewSession) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        new.cookie,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="strict", secure=secure_cookies(request), path="/"
    )


# -- API --------------------------------------------------------------------------------------

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token from `caselink users token NAME`, sent as `Bearer TOKEN`.",
)


def api_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The user behind the bearer token; 401 without a valid one."""
    token = credentials.credentials if credentials is not None else None
    actor = auth.token_actor(context(request), token)
    if actor is None:
        raise HTTPException(
            401,
            "send a valid API token: Authorization: Bearer TOKEN",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return actor


ApiActor = Annotated[Actor, Depends(api_actor)]


async def api_justification(
    x_justification: Annotated[
        str | None,
        Header(
            description="why you consult this personal data; written to the access log "
            "(DPA 2018 s.62). Required: 400 without it.",
        ),
    ] = None,
) -> str:
    # An empty justification is passed on: the service checks the role first (403), then
    # refuses the missing reason (400), so an unauthorised caller learns nothing more.
    return " ".join((x_justification or "").split())


ApiWhy = Annotated[str, Depends(api_justification)]
