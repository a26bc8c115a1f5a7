"""Administration pages: users with their API tokens, and the access log. No case data."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from caselink.domain.roles import Action
from caselink.services import auth, report_views, users
from caselink.web.security import Session, context
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
        {"users": users.list_users(ctx), "tokens": auth.list_tokens(ctx, session.actor)},
    )
