"""Users: adding them with a role and an argon2 password hash, resolving who is acting, and an
administrator's hand on them: deactivating a user and lifting a sign-in lock.

Every administrative action is written to the access log (action ``administer``), naming who
did it and to whom, so the log shows how each account came to be as it is. An action is done
``by`` a signed-in administrator (an ``Actor``, whose role is checked) or, on the command line,
by the operating-system account that holds the database (its name, a ``str``).
"""

import re

from argon2 import PasswordHasher
from zxcvbn import zxcvbn

from caselink.domain.errors import InvalidValue, NotFound, NotPermitted
from caselink.domain.ownership import NATIONAL, Home
from caselink.domain.roles import Action, Role
from caselink.services.context import Actor, Context
from caselink.storage.access_log import AccessEntry
from caselink.storage.unit_of_work import UnitOfWork
from caselink.storage.users import StoredUser

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
# zxcvbn's score (0–4) estimates how many guesses a password takes: 3 means at least 10^8, well
# beyond the common passwords, names, words, keyboard walks, repeats and sequences on its lists.
MIN_STRENGTH = 3
# zxcvbn refuses to look at more than 72 characters (its matching is quadratic); a password's
# first 72 characters being strong makes the whole strong enough.
_STRENGTH_WINDOW = 72
_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()

ADMINISTER = "administer"  # the access log's action for what an administrator does to a user
_ADMIN_REASON = "user administration"


def add_user(
    ctx: Context, name: str, role: Role, password: str, by: str, home: Home = NATIONAL
) -> None:
    """Add a user of a force or a national unit (``home``); the password is kept only as an
    argon2id hash. A password that is short, all white space or well known
    (``password_problem``) is refused."""
    if not _NAME.match(name):
        raise InvalidValue(
            "name",
            name,
            "2–64 characters: lower-case letters, digits, . _ -, starting with a letter",
        )
    problem = password_problem(password, name)
    if problem is not None:
        raise InvalidValue("password", "…", problem)
    password_hash = _hasher.hash(password)  # hashed before the transaction: it takes a while
    with ctx.db.unit_of_work() as uow:
        if uow.users.get(name) is not None:
            raise InvalidValue("name", name, "a user of that name exists")
        uow.users.add(name, role, password_hash, ctx.clock(), by, home)
        log_administration(ctx, uow, by, f"added user {name} as {role.value} of {home}")
        uow.commit()


def password_problem(password: str, name: str = "") -> str | None:
    """What is wrong with a new password, or None if it will do: at least ``MIN_PASSWORD``
    characters, not only white space, and not guessable from the lists of common passwords,
    words and names that zxcvbn ships (its score below ``MIN_STRENGTH``), the user's own name
    and "caselink" counted as known words."""
    if not password.strip():
        return "must not be empty or only white space"
    if len(password) < MIN_PASSWORD:
        return f"must be at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"must be at most {MAX_PASSWORD} characters"
    known = [w for w in (name, "caselink") if w]
    if zxcvbn(password[:_STRENGTH_WINDOW], user_inputs=known)["score"] < MIN_STRENGTH:
        return (
            "is too easy to guess (a common password, word, name or pattern): "
            "use several unrelated words"
        )
    return None


def resolve_actor(ctx: Context, name: str | None) -> Actor:
    """The stored user a command acts as; unknown or inactive users may do nothing."""
    if not name:
        raise NotPermitted(
            "say who you are: --user NAME or CASELINK_USER (add users with `caselink users add`)"
        )
    with ctx.db.reader() as uow:
        user = uow.users.get(name)
    if user is None:
        raise NotFound(
            f"no user {name!r}: add one with "
            f"`caselink users add {name} --role ROLE --password-stdin`"
        )
    if not user.active:
        raise NotPermitted(f"user {name!r} is deactivated")
    return Actor(user.name, user.role, user.home)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether the password matches the stored hash (constant-time inside argon2)."""
    try:
        return bool(_hasher.verify(stored_hash, password))
    except Exception:  # argon2 raises several mismatch and format errors; all mean "no"
        return False


def hash_password(password: str) -> str:
    """An argon2id hash of the password, at the cost every stored password has."""
    return _hasher.hash(password)


def list_users(ctx: Context) -> list[StoredUser]:
    """Every user with role and state; no password hashes leave this function's callers' sight."""
    with ctx.db.reader() as uow:
        return uow.users.all()


def deactivate_user(ctx: Context, name: str, by: Actor | str) -> tuple[int, int]:
    """Deactivate a user at once: they can no longer sign in or act, and every session and API
    token of theirs ends in the same transaction. The user and everything they did stay (nothing
    is deleted). An administrator may not deactivate themselves (someone must be left to undo
    it). Returns how many sessions and tokens were ended."""
    who = administrator(by)
    if isinstance(by, Actor) and by.name == name:
        raise NotPermitted("you may not deactivate yourself: ask another administrator")
    now = ctx.clock()
    with ctx.db.unit_of_work() as uow:
        if uow.users.get(name) is None:
            raise NotFound(f"no user {name!r}")
        if not uow.users.deactivate(name):
            raise InvalidValue("name", name, "that user is deactivated already")
        sessions = uow.sessions.revoke_sessions_of(name, now)
        tokens = uow.sessions.revoke_tokens_of(name, now)
        log_administration(
            ctx,
            uow,
            who,
            f"deactivated user {name}; ended {sessions} session(s) and {tokens} API token(s)",
        )
        uow.commit()
    return sessions, tokens


def move_user(
    ctx: Context, name: str, by: str, *, role: Role | None = None, home: Home | None = None
) -> tuple[int, int]:
    """Give a user another role or home (force or national unit). What they may do changes at
    once: every session and API token of theirs ends in the same transaction, so none goes on
    with the old scope. Returns how many sessions and tokens were ended."""
    now = ctx.clock()
    with ctx.db.unit_of_work() as uow:
        user = uow.users.get(name)
        if user is None:
            raise NotFound(f"no user {name!r}")
        new_role, new_home = role or user.role, home or user.home
        if (new_role, new_home) == (user.role, user.home):
            raise InvalidValue("name", name, f"is {user.role.value} of {user.home} already")
        uow.users.move(name, new_role, new_home)
        sessions = uow.sessions.revoke_sessions_of(name, now)
        tokens = uow.sessions.revoke_tokens_of(name, now)
        log_administration(
            ctx,
            uow,
            by,
            f"moved user {name} from {user.role.value} of {user.home} to {new_role.value} of "
            f"{new_home}; ended {sessions} session(s) and {tokens} API token(s)",
        )
        uow.commit()
    return sessions, tokens


def unlock_user(ctx: Context, name: str, by: Actor | str) -> bool:
    """Lift a sign-in lock and forget the user's failed sign-ins. Returns False (and logs
    nothing) when there was no lock or failure to lift."""
    who = administrator(by)
    with ctx.db.unit_of_work() as uow:
        if uow.users.get(name) is None:
            raise NotFound(f"no user {name!r}")
        if not uow.sessions.unlock(name):
            return False
        log_administration(ctx, uow, who, f"unlocked user {name}")
        uow.commit()
    return True


def administrator(by: Actor | str) -> str:
    """The name an administrative action is logged under: a signed-in user must be allowed to
    manage users; a command-line account is trusted as the database's holder."""
    if isinstance(by, Actor):
        by.require(Action.MANAGE_USERS)
        return by.name
    return by


def log_administration(ctx: Context, uow: UnitOfWork, by: str, what: str) -> None:
    """One access-log entry for an administrative action, committed with the action itself."""
    uow.access_log.write(
        [AccessEntry(ctx.clock(), by, ADMINISTER, None, None, _ADMIN_REASON, what)]
    )
