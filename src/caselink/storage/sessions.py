"""Web sessions, API tokens and login lockout counters, stored by their SHA-256 only.

A session cookie or API token is a random secret held by the user; the database keeps its
SHA-256, so reading the tables does not give anyone a live session.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from caselink.storage.tables import api_tokens, users, web_sessions


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

    # -- API tokens -------------------------------------------------------------------------

    def add_token(self, token_hash: str, user_name: str, label: str | None, at: datetime) -> int:
        result = self._conn.execute(
            insert(api_tokens).values(
                token_hash=token_hash, user_name=user_name, label=label, created_at=at
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

    def tokens(self) -> list[StoredToken]:
        return [_token(r) for r in self._conn.execute(select(api_tokens).order_by(api_tokens.c.id))]

    # -- lockout ----------------------------------------------------------------------------

    def record_failure(self, name: str) -> int:
        """Count one more failed login for the user; returns the new count."""
        self._conn.execute(
            update(users)
            .where(users.c.name == name)
            .values(failed_logins=users.c.failed_logins + 1)
        )
        count = self._conn.execute(
            select(users.c.failed_logins).where(users.c.name == name)
        ).scalar_one_or_none()
        return int(count or 0)

    def lock(self, name: str, until: datetime) -> None:
        """Lock the user out until then; the count starts again when the lock ends."""
        self._conn.execute(
            update(users).where(users.c.name == name).values(locked_until=until, failed_logins=0)
        )

    def clear_failures(self, name: str) -> None:
        self._conn.execute(
            update(users).where(users.c.name == name).values(failed_logins=0, locked_until=None)
        )


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
        row.id, row.user_name, row.label, row.created_at, row.last_used_at, row.revoked_at
    )
