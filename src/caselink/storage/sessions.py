"""Web sessions, API tokens and login lockout counters, stored by their SHA-256 only.

A session cookie or API token is a random secret held by the user; the database keeps its
SHA-256, so reading the tables does not give anyone a live session.

Counting a failed sign-in and locking the account is one conditional ``UPDATE`` of the user's
row, and so is admitting a right password (only while the account is active and not locked):
the database's row lock orders racing sign-ins, so none can pass a lock another has just set.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, insert, literal, or_, select, update

from caselink.storage.tables import api_tokens, sign_in_failures, users, web_sessions


@dataclass(frozen=True, slots=True)
class StoredSession:
    id_hash: str
    user_name: str
    csrf_token: str
    justification: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredToken:
    id: int
    user_name: str
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None

    def live(self, now: datetime) -> bool:
        """Not revoked and not expired (a token without an expiry is treated as expired)."""
        return self.revoked_at is None and self.expires_at is not None and self.expires_at > now

    def state(self, now: datetime) -> str:
        """The token's state as an administrator's list shows it: live, expired or revoked."""
        if self.revoked_at is not None:
            return "revoked"
        return "live" if self.live(now) else "expired"


class SessionStore:
    """Rows of ``web_sessions`` and ``api_tokens``, and the lockout columns of ``users``."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- sessions ---------------------------------------------------------------------------

    def add_session(
        self, id_hash: str, user_name: str, csrf_token: str, at: datetime, expires_at: datetime
    ) -> None:
        self._conn.execute(
            insert(web_sessions).values(
                id_hash=id_hash,
                user_name=user_name,
                csrf_token=csrf_token,
                justification=None,
                created_at=at,
                expires_at=expires_at,
                revoked_at=None,
            )
        )

    def session(self, id_hash: str) -> StoredSession | None:
        row = self._conn.execute(
            select(web_sessions).where(web_sessions.c.id_hash == id_hash)
        ).first()
        return _session(row) if row else None

    def set_justification(self, id_hash: str, justification: str) -> None:
        self._conn.execute(
            update(web_sessions)
            .where(web_sessions.c.id_hash == id_hash)
            .values(justification=justification)
        )

    def revoke_session(self, id_hash: str, at: datetime) -> None:
        self._conn.execute(
            update(web_sessions)
            .where(web_sessions.c.id_hash == id_hash, web_sessions.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    def revoke_sessions_of(self, user_name: str, at: datetime) -> int:
        """End every session of the user still open; returns how many there were."""
        result = self._conn.execute(
            update(web_sessions)
            .where(
                web_sessions.c.user_name == user_name,
                web_sessions.c.revoked_at.is_(None),
                web_sessions.c.expires_at > at,
            )
            .values(revoked_at=at)
        )
        return int(result.rowcount)

    # -- API tokens -------------------------------------------------------------------------

    def add_token(
        self,
        token_hash: str,
        user_name: str,
        label: str | None,
        at: datetime,
        expires_at: datetime,
    ) -> int:
        result = self._conn.execute(
            insert(api_tokens).values(
                token_hash=token_hash,
                user_name=user_name,
                label=label,
                created_at=at,
                expires_at=expires_at,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def token(self, token_hash: str) -> StoredToken | None:
        row = self._conn.execute(
            select(api_tokens).where(api_tokens.c.token_hash == token_hash)
        ).first()
        return _token(row) if row else None

    def touch_token(self, token_id: int, at: datetime) -> None:
        self._conn.execute(
            update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=at)
        )

    def tokens(self, user_name: str | None = None) -> list[StoredToken]:
        query = select(api_tokens).order_by(api_tokens.c.id)
        if user_name is not None:
            query = query.where(api_tokens.c.user_name == user_name)
        return [_token(r) for r in self._conn.execute(query)]

    def token_by_id(self, token_id: int) -> StoredToken | None:
        row = self._conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        return _token(row) if row else None

    def revoke_token(self, token_id: int, at: datetime) -> bool:
        """Revoke one token; False if it was revoked already."""
        result = self._conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return bool(result.rowcount)

    def revoke_tokens_of(self, user_name: str, at: datetime) -> int:
        """Revoke every token of the user not yet revoked or expired; returns how many."""
        result = self._conn.execute(
            update(api_tokens)
            .where(
                api_tokens.c.user_name == user_name,
                api_tokens.c.revoked_at.is_(None),
                or_(api_tokens.c.expires_at.is_(None), api_tokens.c.expires_at > at),
            )
            .values(revoked_at=at)
        )
        return int(result.rowcount)

    # -- lockout ----------------------------------------------------------------------------

    def admit(self, name: str, password_hash: str, now: datetime) -> str | None:
        """Admit a sign-in whose password matched ``password_hash``, in one step: clear the
        failure count if the user is still active, still has that password and is not locked
        now. Returns the user's role, or None if any of those no longer holds."""
        row = self._conn.execute(
            update(users)
            .where(
                users.c.name == name,
                users.c.active.is_(True),
                users.c.password_hash == password_hash,
                or_(users.c.locked_until.is_(None), users.c.locked_until <= now),
            )
            .values(failed_logins=0, locked_until=None)
            .returning(users.c.role)
        ).first()
        return None if row is None else str(row.role)

    def record_failure(self, name: str, now: datetime, limit: int, lock_until: datetime) -> bool:
        """Count one failed sign-in and, at ``limit`` failures in a row, lock the account until
        ``lock_until`` (the count starts again from nothing) — one statement, so racing
        failures are counted one after another. Failures while locked neither count nor extend
        the lock. Returns whether this failure set the lock (the lock it leaves ends at
        ``lock_until``, which no earlier failure's clock gives)."""
        locked = and_(users.c.locked_until.is_not(None), users.c.locked_until > now)
        reaches = users.c.failed_logins + 1 >= limit
        until = literal(lock_until, users.c.locked_until.type)
        row = self._conn.execute(
            update(users)
            .where(users.c.name == name)
            .values(
                failed_logins=case(
                    (locked, users.c.failed_logins),
                    (reaches, 0),
                    else_=users.c.failed_logins + 1,
                ),
                locked_until=case((locked, users.c.locked_until), (reaches, until), else_=None),
            )
            .returning(users.c.locked_until)
        ).first()
        return row is not None and row.locked_until == lock_until

    def unlock(self, name: str) -> bool:
        """Lift a lock and forget the failures; False if there was nothing to lift."""
        result = self._conn.execute(
            update(users)
            .where(
                users.c.name == name,
                or_(users.c.failed_logins > 0, users.c.locked_until.is_not(None)),
            )
            .values(failed_logins=0, locked_until=None)
        )
        return bool(result.rowcount)

    # -- network addresses ------------------------------------------------------------------

    def address_failures(self, address: str, since: datetime) -> list[datetime]:
        """When an address's sign-ins failed after ``since``, oldest first."""
        failures = sign_in_failures
        return list(
            self._conn.scalars(
                select(failures.c.at)
                .where(failures.c.address == address, failures.c.at > since)
                .order_by(failures.c.at, failures.c.id)
            )
        )

    def add_address_failure(self, address: str, at: datetime, forget_upto: datetime) -> None:
        """Count a failed sign-in from ``address``, and forget every address's failures at or
        before ``forget_upto``: the table holds one window's failures, however many come."""
        self._conn.execute(delete(sign_in_failures).where(sign_in_failures.c.at <= forget_upto))
        self._conn.execute(insert(sign_in_failures).values(address=address, at=at))

    def failing_addresses(self, since: datetime, at_least: int) -> dict[str, list[datetime]]:
        """Each address with ``at_least`` failed sign-ins after ``since``, with when they failed,
        oldest first."""
        failures = sign_in_failures
        failing = (
            select(failures.c.address)
            .where(failures.c.at > since)
            .group_by(failures.c.address)
            .having(func.count() >= at_least)
        )
        found: dict[str, list[datetime]] = {}
        for address, at in self._conn.execute(
            select(failures.c.address, failures.c.at)
            .where(failures.c.at > since, failures.c.address.in_(failing))
            .order_by(failures.c.address, failures.c.at, failures.c.id)
        ):
            found.setdefault(address, []).append(at)
        return found

    def forget_address(self, address: str) -> int:
        """Forget an address's failed sign-ins; how many there were."""
        result = self._conn.execute(
            delete(sign_in_failures).where(sign_in_failures.c.address == address)
        )
        return int(result.rowcount)


def _session(row: Any) -> StoredSession:
    return StoredSession(
        row.id_hash,
        row.user_name,
        row.csrf_token,
        row.justification,
        row.created_at,
        row.expires_at,
        row.revoked_at,
    )


def _token(row: Any) -> StoredToken:
    return StoredToken(
        row.id,
        row.user_name,
        row.label,
        row.created_at,
        row.last_used_at,
        row.revoked_at,
        row.expires_at,
    )
