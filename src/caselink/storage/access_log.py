"""The access log (Data Protection Act 2018 s.62): who consulted or disclosed which record, when
and why.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select

from caselink.storage.access_grants import owner_where
from caselink.storage.tables import access_log


@dataclass(frozen=True, slots=True)
class AccessEntry:
    at: datetime
    actor: str
    action: str  # consult, disclose (export), ...
    force: str | None
    reference: str | None
    justification: str
    detail: str | None = None


class AccessLog:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def write(self, entries: Sequence[AccessEntry]) -> None:
        if entries:
            self._conn.execute(
                insert(access_log),
                [
                    {
                        "at": e.at,
                        "actor": e.actor,
                        "action": e.action,
                        "force": e.force,
                        "reference": e.reference,
                        "justification": e.justification,
                        "detail": e.detail,
                    }
                    for e in entries
                ],
            )

    def recent(
        self, limit: int = 100, actor: str | None = None, force: str | None = None
    ) -> list[AccessEntry]:
        query = select(access_log).order_by(access_log.c.id.desc()).limit(limit)
        if actor:
            query = query.where(access_log.c.actor == actor)
        if force:
            # The force's reports: those it recorded (before and after any transfer away) and
            # those transferred to it.
            owner = owner_where(access_log.c.force, access_log.c.reference)
            query = query.where(or_(access_log.c.force == force, owner == force))
        return [_entry(r) for r in self._conn.execute(query)]


def _entry(row: Any) -> AccessEntry:
    return AccessEntry(
        row.at, row.actor, row.action, row.force, row.reference, row.justification, row.detail
    )
