"""Users: adding them with a role and an argon2 password hash, and resolving who is acting."""

import re

from argon2 import PasswordHasher

from caselink.domain.errors import InvalidValue, NotFound, NotPermitted
from caselink.domain.roles import Role
from caselink.services.context import Actor, Context
from caselink.storage.users import StoredUser

MIN_PASSWORD = 12
_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()


def add_user(ctx: Context, name: str, role: Role, password: str, by: str) -> None:
    """Add a user; the password is kept only as an argon2id hash."""
    if not _NAME.match(name):
        raise InvalidValue(
            "name",
            name,
            "2–64 characters: lower-case letters, digits, . _ -, starting with a letter",
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidValue("password", "…", f"must be at least {MIN_PASSWORD} characters")
    with ctx.db.unit_of_work() as uow:
        if uow.users.get(name) is not None:
            raise InvalidValue("name", name, "a user of that name exists")
        uow.users.add(name, role, _hasher.hash(password), ctx.clock(), by)
        uow.commit()


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
    return Actor(user.name, user.role)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether the password matches the stored hash (constant-time inside argon2)."""
    try:
        return bool(_hasher.verify(stored_hash, password))
    except Exception:  # argon2 raises several mismatch and format errors; all mean "no"
        return False


def list_users(ctx: Context) -> list[StoredUser]:
    """Every user with role and state; no password hashes leave this function's callers' sight."""
    with ctx.db.reader() as uow:
        return uow.users.all()
