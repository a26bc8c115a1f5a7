"""Administration pages: users with their API tokens and the network addresses held back, the
access log, and an administrator's hand on an account (deactivate, unlock, revoke a token) or an
address (release it). No case data."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from caselink.domain.roles import Action
from caselink.services import auth, report_views, sign_in_watch, users
from caselink.web.forms import RecordId
from caselink.web.security import PostSession, Session, context
from caselink.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/admin/access-log")
def access_log_page(request: Request, session: Session, user: str = "") -> Response:
    entries = report_views.access_log(
        context(request), session.actor, limit=500, user=user.strip() or None
    )
    return render(request, "access_log.html", {"entries": entries, "who": user})


@router.get("/admin/users")
def users_page(request: Request, session: Session) -> Response:
    session.actor.require(Action.MANAGE_USERS)
    ctx = context(request)
    return render(
        request,
        "users.html",
        {
            "users": users.list_users(ctx),
            "tokens": auth.list_tokens(ctx, session.actor),
            "held": sign_in_watch.held_addresses(ctx, session.actor),
            "now": ctx.clock(),
        },
    )


# Each action is a form post with the session's CSRF token; the services check the role and
# write the access-log entry.


@router.post("/admin/users/{name}/deactivate")
def deactivate_user(request: Request, session: PostSession, name: str) -> Response:
    users.deactivate_user(context(request), name, by=session.actor)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{name}/unlock")
def unlock_user(request: Request, session: PostSession, name: str) -> Response:
    users.unlock_user(context(request), name, by=session.actor)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(request: Request, session: PostSession, token_id: RecordId) -> Response:
    auth.revoke_token(context(request), token_id, by=session.actor)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/addresses/release")
def release_address(
    request: Request, session: PostSession, address: Annotated[str, Form()] = ""
) -> Response:
    # an empty address is the service's to refuse, after it checks who asks
    sign_in_watch.release_address(context(request), address, by=session.actor)
    return RedirectResponse("/admin/users", status_code=303)
