"""Who is using caselink over the web: login with lockout, sessions, CSRF tokens, API tokens.

Passwords are checked with argon2 (services.users.verify_password). A session is a random
cookie value the browser holds; the database keeps only its SHA-256, with the session's CSRF
token and the justification the user gave for reading personal data (DPA 2018 s.62). API
tokens are random values printed once; the database keeps only their SHA-256.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher

from caselink.domain.errors import InvalidRequest, NotFound, NotPermitted
from caselink.domain.roles import Action
from caselink.services import users
from caselink.services.context import Actor, Context
from caselink.storage.sessions import StoredToken

LOCKOUT_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=8)
TOKEN_PREFIX = "clk_"
# Recording last use on every API call would turn each read into a write; once a minute tells
# an administrator the same thing.
_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@cache
def _dummy_hash() -> str:
    # Checked against when the user does not exist, so a wrong name takes as long as a wrong
    # password and the answer's timing does not tell which names exist.
    return PasswordHasher().hash(secrets.token_urlsafe(16))


class LoginRefused(NotPermitted):
    """Wrong name or password, an inactive user, or a locked account."""


def digest(secret: str) -> str:
    """The SHA-256 (hex) under which a session cookie or token is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just opened: the cookie value to give the browser (shown once) and its CSRF
    token."""

    cookie: str
    csrf_token: str
    actor: Actor
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class WebSession:
    """A live session: who it is, the CSRF token every form must carry, the justification given."""

    id_hash: str
    actor: Actor
    csrf_token: str
    justification: str | None
    expires_at: datetime

    def csrf_matches(self, given: str | None) -> bool:
        """Whether a submitted CSRF token is this session's (compared in constant time)."""
        return given is not None and hmac.compare_digest(self.csrf_token, given)


def login(ctx: Context, name: str, password: str) -> NewSession:
    """Open a session for a user whose password matches.

    After ``LOCKOUT_FAILURES`` wrong passwords in a row the account is locked for ``LOCKOUT``;
    while locked, even the right password is refused. A success clears the count.
    """
    now = ctx.clock()
    name = name.strip()
    with ctx.db.unit_of_work() as uow:
        user = uow.users.get(name) if name else None
        if user is None:
            users.verify_password(_dummy_hash(), password)
            raise LoginRefused("wrong name or password")
        if user.locked_until is not None and user.locked_until > now:
            raise LoginRefused(
                f"this account is locked after {LOCKOUT_FAILURES} failed logins until "
                f"{user.locked_until:%H:%M} UTC; ask an administrator if that was not you"
            )
        store = uow.sessions
        if not users.verify_password(user.password_hash, password):
            failures = store.record_failure(name)
            if failures >= LOCKOUT_FAILURES:
                store.lock(name, now + LOCKOUT)
            uow.commit()
            raise LoginRefused("wrong name or password")
        if not user.active:
            raise LoginRefused(f"user {name!r} is deactivated")
        store.clear_failures(name)
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now + SESSION_LIFETIME
        store.add_session(digest(cookie), name, csrf, now, expires)
        uow.commit()
    return NewSession(cookie, csrf, Actor(user.name, user.role), expires)


def session_of(ctx: Context, cookie: str | None) -> WebSession | None:
    """The live session behind a cookie value, or None if it is unknown, expired, revoked, or
    its user has gone or been deactivated."""
    if not cookie:
        return None
    id_hash = digest(cookie)
    with ctx.db.reader() as uow:
        stored = uow.sessions.session(id_hash)
        if stored is None or stored.revoked_at is not None or stored.expires_at <= ctx.clock():
            return None
        user = uow.users.get(stored.user_name)
    if user is None or not user.active:
        return None
    return WebSession(
        id_hash,
        Actor(user.name, user.role),
        stored.csrf_token,
        stored.justification,
        stored.expires_at,
    )


def set_justification(ctx: Context, session: WebSession, justification: str) -> None:
    """Record why this session's user consults personal data; every read logs it (s.62)."""
    text = " ".join(justification.split())
    if len(text) < 5:
        raise InvalidRequest("say why you consult these records, in a few words: it is logged")
    with ctx.db.unit_of_work() as uow:
        uow.sessions.set_justification(session.id_hash, text[:500])
        uow.commit()


def logout(ctx: Context, cookie: str | None) -> None:
    """End the session behind the cookie; it cannot be used again."""
    if not cookie:
        return
    with ctx.db.unit_of_work() as uow:
        uow.sessions.revoke_session(digest(cookie), ctx.clock())
        uow.commit()


def issue_token(ctx: Context, name: str, label: str | None = None) -> str:
    """A new API token for a user, returned once; only its SHA-256 is kept."""
    with ctx.db.unit_of_work() as uow:
        user = uow.users.get(name)
        if user is None:
            raise NotFound(f"no user {name!r}")
        if not user.active:
            raise NotPermitted(f"user {name!r} is deactivated")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        uow.sessions.add_token(digest(token), name, label, ctx.clock())
        uow.commit()
    return token


def token_actor(ctx: Context, token: str | None) -> Actor | None:
    """The user an API token acts as, or None if the token is unknown, revoked or its user is
    gone or deactivated."""
    if not token:
        return None
    now = ctx.clock()
    with ctx.db.reader() as uow:
        stored = uow.sessions.token(digest(token))
        if stored is None or stored.revoked_at is not None:
            return None
        user = uow.users.get(stored.user_name)
    if user is None or not user.active:
        return None
    if stored.last_used_at is None or now - stored.last_used_at > _TOKEN_TOUCH_INTERVAL:
        with ctx.db.unit_of_work() as uow:
            uow.sessions.touch_token(stored.id, now)
            uow.commit()
    return Actor(user.name, user.role)


def list_tokens(ctx: Context, actor: Actor) -> list[StoredToken]:
    """Every API token's owner, label and use (never the token itself): for administrators."""
    actor.require(Action.MANAGE_USERS)
    with ctx.db.reader() as uow:
        return uow.sessions.tokens()
