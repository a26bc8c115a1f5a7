"""Who is using caselink over the web: login with lockout, sessions, CSRF tokens, API tokens.

Passwords are checked with argon2 (services.users.verify_password) outside any transaction,
a few at a time (``AccessPolicy.password_checks``): a flood of sign-ins then queues for the
hashing instead of taking every core and holding the database's write turn while it hashes, so
people reading reports are not kept waiting. Whether a checked password is let in, or counted
as a failure that may lock the account, is then decided in one conditional update of the
user's row (storage.sessions), so racing sign-ins cannot slip past a lock.

Every refusal says the same thing, costs one password check and answers with the same status,
whether the name is unknown, the password wrong, the account locked or deactivated: the answer
does not tell anyone which names exist. The one other answer is to a network address with too
many failed sign-ins of late (services.sign_in_watch), whatever the name: it is told so and
checked no further.

A session is a random cookie value the browser holds; the database keeps only its SHA-256,
with the session's CSRF token and the justification the user gave for reading personal data
(DPA 2018 s.62). API tokens are random values printed once; the database keeps only their
SHA-256, and each expires (``AccessPolicy.token_lifetime`` unless issued for fewer days).
"""

import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from caselink.domain.errors import InvalidValue, NotFound, NotPermitted
from caselink.domain.roles import Action, Role
from caselink.services import sign_in_watch, users
from caselink.services.consultation import justification_text
from caselink.services.context import SIGN_IN_WINDOW, Actor, Context
from caselink.services.users import administrator, log_administration
from caselink.storage.access_log import AccessEntry
from caselink.storage.sessions import StoredToken

LOCKOUT_FAILURES = 5
LOCKOUT = SIGN_IN_WINDOW  # an account's lock, and how long an address's failures count
SESSION_LIFETIME = timedelta(hours=8)
TOKEN_PREFIX = "clk_"
MAX_TOKEN_DAYS = 366
LOCKED = "lock"  # the access log's action when failed sign-ins lock an account
# The one answer to every refused sign-in, whatever the reason.
REFUSED = (
    f"wrong name or password, or the account is locked after {LOCKOUT_FAILURES} failed "
    f"sign-ins in a row (for {LOCKOUT.seconds // 60} minutes, or until an administrator "
    "unlocks it)"
)
# A sign-in waits for a turn at the password hashing, at most this long, and at most this many
# wait at once; beyond either it is turned away (LoginBusy). Each waiting sign-in holds one of
# the web server's worker threads (40 by default), so the queue is kept short enough to leave
# threads for pages, and long enough that a burst of sign-ins is served without refusals.
HASHING_WAIT = 30.0
MAX_WAITING = 24
# Names longer than a stored name cannot exist; NUL cannot be stored in PostgreSQL text.
_MAX_NAME = 128
# Recording last use on every API call would turn each read into a write; once a minute tells
# an administrator the same thing.
_TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@cache
def _dummy_hash() -> str:
    # Checked against when the user does not exist, so a wrong name takes as long as a wrong
    # password and the answer's timing does not tell which names exist.
    # Hashed with the stored passwords' own hasher, so checking it costs the same.
    return users.hash_password(secrets.token_urlsafe(16))


class LoginRefused(NotPermitted):
    """Wrong name or password, an inactive user, or a locked account: one answer for all."""


class LoginHeldBack(NotPermitted):
    """Too many failed sign-ins from the caller's network address: ``until`` it may try again."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(
            f"too many failed sign-ins from your network address: try again after {until:%H:%M} UTC"
        )


class LoginBusy(NotPermitted):
    """Too many sign-ins are waiting for a password check: try again shortly."""


class HashingTurns:
    """Turns at checking passwords: ``size`` at once, the rest queue (``MAX_WAITING`` of them
    for at most ``HASHING_WAIT`` seconds) or are turned away."""

    def __init__(self, size: int) -> None:
        self.slots = threading.BoundedSemaphore(size)
        self._count = threading.Lock()
        self._waiting = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._count:
            if self._waiting >= MAX_WAITING:
                raise LoginBusy(_BUSY)
            self._waiting += 1
        try:
            admitted = self.slots.acquire(timeout=HASHING_WAIT)
        finally:
            with self._count:
                self._waiting -= 1
        if not admitted:
            raise LoginBusy(_BUSY)
        try:
            yield
        finally:
            self.slots.release()


_BUSY = "too many sign-ins at once: try again in a minute"


@cache
def hashing_turns(size: int) -> HashingTurns:
    """The process's turns at password checking (one per size: the cores are the process's,
    not one context's)."""
    return HashingTurns(size)


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


def login(ctx: Context, name: str, password: str, *, address: str | None = None) -> NewSession:
    """Open a session for an active user whose password matches.

    After ``LOCKOUT_FAILURES`` wrong passwords in a row the account is locked for ``LOCKOUT``;
    while locked, even the right password is refused, and failures neither count nor extend the
    lock. A success clears the count. Every refusal is ``LoginRefused(REFUSED)``.

    Sign-ins from a network ``address`` with ``ctx.access.address_failures`` failures within
    ``LOCKOUT`` are refused with ``LoginHeldBack``, before any password is checked
    (services.sign_in_watch): the answer says nothing of the name, so it need not cost the
    same as a wrong password.
    """
    limit = ctx.access.address_failures
    name = name.strip()
    known = bool(name) and len(name) <= _MAX_NAME and "\x00" not in name
    with ctx.db.reader() as uow:
        if address is not None:
            until = sign_in_watch.address_held_until(uow, address, ctx.clock(), limit)
            if until is not None:
                raise LoginHeldBack(until)
        user = uow.users.get(name) if known else None
    # The password is checked whoever asks (an unknown name against a dummy hash), outside any
    # transaction: a refusal takes as long as a success and holds no lock while it hashes.
    with hashing_turns(ctx.access.password_checks).turn():
        matches = users.verify_password(
            user.password_hash if user is not None else _dummy_hash(), password
        )
    now = ctx.clock()
    with ctx.db.unit_of_work() as uow:
        store = uow.sessions
        if user is None or not matches:
            # An unknown name is "counted" too (the update matches no row), so its refusal
            # waits for the same write as a known name's and its timing tells nothing.
            # Locks go in the access log, so an administrator sees who was locked out and when
            # (and can tell a forgotten password from someone guessing), and where a spraying
            # of many names came from.
            locks: list[str] = []
            held = (
                None if address is None else sign_in_watch.count_failure(uow, address, now, limit)
            )
            if held is not None:
                locks.append(
                    f"sign-ins from {address} held back after {limit} failed attempts within "
                    f"{LOCKOUT.seconds // 60} minutes, until {held:%Y-%m-%d %H:%M} UTC"
                )
            until = now + LOCKOUT
            if store.record_failure(name if known else "", now, LOCKOUT_FAILURES, until):
                locks.append(
                    f"sign-in locked after {LOCKOUT_FAILURES} failed attempts in a row, "
                    f"until {until:%Y-%m-%d %H:%M} UTC"
                )
            uow.access_log.write(
                [AccessEntry(now, name, LOCKED, None, None, "sign-in", what) for what in locks]
            )
            uow.commit()
            raise LoginRefused(REFUSED)
        # Admitted only if, at this moment, the user is active, unlocked and has the password
        # that was checked: a lock set by a racing failure since the read above wins.
        role = store.admit(name, user.password_hash, now)  # as it stands now, not as read
        if role is None:
            raise LoginRefused(REFUSED)
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now + SESSION_LIFETIME
        store.add_session(digest(cookie), name, csrf, now, expires)
        uow.commit()
    return NewSession(cookie, csrf, Actor(user.name, Role(role), user.home), expires)


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
        Actor(user.name, user.role, user.home),
        stored.csrf_token,
        stored.justification,
        stored.expires_at,
    )


def set_justification(ctx: Context, session: WebSession, justification: str) -> None:
    """Record why this session's user consults personal data; every read logs it (s.62)."""
    text = justification_text(justification)
    with ctx.db.unit_of_work() as uow:
        uow.sessions.set_justification(session.id_hash, text)
        uow.commit()


def logout(ctx: Context, cookie: str | None) -> None:
    """End the session behind the cookie; it cannot be used again."""
    if not cookie:
        return
    with ctx.db.unit_of_work() as uow:
        uow.sessions.revoke_session(digest(cookie), ctx.clock())
        uow.commit()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just issued: the secret itself (shown once), its number and its expiry."""

    token: str
    id: int
    user_name: str
    label: str | None
    expires_at: datetime


def issue_token(
    ctx: Context, name: str, label: str | None = None, *, by: str, days: int | None = None
) -> IssuedToken:
    """A new API token for a user and when it expires, returned once; only its SHA-256 is kept.
    It lives ``days`` days (1 to ``MAX_TOKEN_DAYS``), by default ``AccessPolicy.token_lifetime``.
    ``by`` is who issued it, for the access log."""
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidValue("days", days, f"a token lives 1 to {MAX_TOKEN_DAYS} days")
    lifetime = timedelta(days=days) if days is not None else ctx.access.token_lifetime
    now = ctx.clock()
    expires = now + lifetime
    with ctx.db.unit_of_work() as uow:
        user = uow.users.get(name)
        if user is None:
            raise NotFound(f"no user {name!r}")
        if not user.active:
            raise NotPermitted(f"user {name!r} is deactivated")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id = uow.sessions.add_token(digest(token), name, label, now, expires)
        log_administration(
            ctx, uow, by, f"issued API token {token_id} to {name}, expiring {expires:%Y-%m-%d}"
        )
        uow.commit()
    return IssuedToken(token, token_id, name, label, expires)


def token_actor(ctx: Context, token: str | None) -> Actor | None:
    """The user an API token acts as, or None if the token is unknown, revoked, expired or its
    user is gone or deactivated."""
    if not token:
        return None
    now = ctx.clock()
    with ctx.db.reader() as uow:
        stored = uow.sessions.token(digest(token))
        if stored is None or not stored.live(now):
            return None
        user = uow.users.get(stored.user_name)
    if user is None or not user.active:
        return None
    if stored.last_used_at is None or now - stored.last_used_at > _TOKEN_TOUCH_INTERVAL:
        with ctx.db.unit_of_work() as uow:
            uow.sessions.touch_token(stored.id, now)
            uow.commit()
    return Actor(user.name, user.role, user.home)


def revoke_token(ctx: Context, token_id: int, by: Actor | str) -> StoredToken:
    """Revoke one API token by its number (from ``tokens``); it is refused from now on. ``by``
    as for ``users.administrator``."""
    who = administrator(by)
    now = ctx.clock()
    with ctx.db.unit_of_work() as uow:
        stored = uow.sessions.token_by_id(token_id)
        if stored is None:
            raise NotFound(f"no API token {token_id}")
        if not uow.sessions.revoke_token(token_id, now):
            raise InvalidValue("token", token_id, "that token is revoked already")
        log_administration(ctx, uow, who, f"revoked API token {token_id} of {stored.user_name}")
        uow.commit()
        revoked = uow.sessions.token_by_id(token_id)
    assert revoked is not None
    return revoked


def tokens(ctx: Context, user: str | None = None) -> list[StoredToken]:
    """API tokens (all, or one user's) with owner, label, issue, expiry, last use and
    revocation; never the token itself. For the command line, whose users hold the database."""
    with ctx.db.reader() as uow:
        return uow.sessions.tokens(user)


def list_tokens(ctx: Context, actor: Actor) -> list[StoredToken]:
    """Every API token's owner, label and use (never the token itself): for administrators."""
    actor.require(Action.MANAGE_USERS)
    with ctx.db.reader() as uow:
        return uow.sessions.tokens()
