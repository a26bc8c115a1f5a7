"""Stored users: name, role, home (force or national unit), password hash and the lockout
counters."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from caselink.domain.ownership import NATIONAL, Home
from caselink.domain.roles import Role
from caselink.storage.tables import users


@dataclass(frozen=True, slots=True)
class StoredUser:
    name: str
    role: Role
    password_hash: str
    active: bool
    failed_logins: int
    locked_until: datetime | None
    home: Home

    def locked(self, now: datetime) -> bool:
        """Whether sign-in is locked at this moment (a lock that has ended does not count)."""
        return self.locked_until is not None and self.locked_until > now


class UserStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, name: str) -> StoredUser | None:
        row = self._conn.execute(select(users).where(users.c.name == name)).first()
        return _user(row) if row else None

    def add(
        self, name: str, role: Role, password_hash: str, at: datetime, by: str, home: Home
    ) -> None:
        self._conn.execute(
            insert(users).values(
                name=name,
                role=role.value,
                force=home.force,
                unit=home.unit,
                password_hash=password_hash,
                active=True,
                failed_logins=0,
                locked_until=None,
                created_at=at,
                created_by=by,
            )
        )

    def set_password(self, name: str, password_hash: str) -> None:
        self._conn.execute(
            update(users).where(users.c.name == name).values(password_hash=password_hash)
        )

    def deactivate(self, name: str) -> bool:
        """Mark the user inactive; False if they were inactive already."""
        result = self._conn.execute(
            update(users).where(users.c.name == name, users.c.active.is_(True)).values(active=False)
        )
        return bool(result.rowcount)

    def move(self, name: str, role: Role, home: Home) -> None:
        """Give the user another role or home."""
        self._conn.execute(
            update(users)
            .where(users.c.name == name)
            .values(role=role.value, force=home.force, unit=home.unit)
        )

    def all(self) -> list[StoredUser]:
        return [_user(r) for r in self._conn.execute(select(users).order_by(users.c.name))]


def _user(row: Any) -> StoredUser:
    return StoredUser(
        row.name,
        Role(row.role),
        row.password_hash,
        row.active,
        row.failed_logins,
        row.locked_until,
        Home(force=row.force) if row.force else Home(unit=row.unit or NATIONAL.unit),
    )
