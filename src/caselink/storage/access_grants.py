"""Requests to read another force's report in full, and the owning force's answers; and who
owns a report transferred to another force (``uow.access_grants``)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    ScalarSelect,
    and_,
    delete,
    func,
    insert,
    select,
    update,
)

from caselink.storage.in_lists import in_lists
from caselink.storage.tables import access_grants, report_owners, reports


@dataclass(frozen=True, slots=True)
class StoredGrant:
    id: int
    requested_by: str
    force: str
    reference: str
    reason: str
    requested_at: datetime
    state: str
    decided_by: str | None
    decided_at: datetime | None
    note: str | None
    expires_at: datetime | None


def _grant(row: Any) -> StoredGrant:
    return StoredGrant(
        int(row.id),
        row.requested_by,
        row.force,
        row.reference,
        row.reason,
        row.requested_at,
        row.state,
        row.decided_by,
        row.decided_at,
        row.note,
        row.expires_at,
    )


def owner_where(force: ColumnElement[Any], reference: ColumnElement[Any]) -> ScalarSelect[Any]:
    """The force a transfer handed the report named by ``force`` and ``reference`` to (NULL
    while its recording force owns it), for a row of another table that names a report."""
    return (
        select(report_owners.c.force)
        .join(reports, reports.c.id == report_owners.c.report_id)
        .where(reports.c.force == force, reports.c.reference == reference)
        .scalar_subquery()
    )


class AccessGrantStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, requested_by: str, force: str, reference: str, reason: str, at: datetime) -> int:
        result = self._conn.execute(
            insert(access_grants).values(
                requested_by=requested_by,
                force=force,
                reference=reference,
                reason=reason,
                requested_at=at,
                state="pending",
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def get(self, grant_id: int, *, for_update: bool = False) -> StoredGrant | None:
        query = select(access_grants).where(access_grants.c.id == grant_id)
        row = self._conn.execute(query.with_for_update() if for_update else query).first()
        return None if row is None else _grant(row)

    def decide(
        self,
        grant_id: int,
        state: str,
        by: str,
        at: datetime,
        note: str | None,
        expires_at: datetime | None,
    ) -> bool:
        """Record the answer to a pending request; False when it was answered meanwhile."""
        done = self._conn.execute(
            update(access_grants)
            .where(access_grants.c.id == grant_id, access_grants.c.state == "pending")
            .values(state=state, decided_by=by, decided_at=at, note=note, expires_at=expires_at)
        )
        return done.rowcount == 1

    def granted(
        self, reader: str, pairs: list[tuple[str, str]], now: datetime
    ) -> set[tuple[str, str]]:
        """Which of these (force, reference) the reader holds a live grant for."""
        found: set[tuple[str, str]] = set()
        for part in in_lists(pairs):
            found |= self._granted(reader, part, now)
        return found

    def _granted(
        self, reader: str, pairs: Sequence[tuple[str, str]], now: datetime
    ) -> set[tuple[str, str]]:
        """Which of these (force, reference) the reader holds a live grant for."""
        if not pairs:
            return set()
        forces = {f for f, _ in pairs}
        rows = self._conn.execute(
            select(access_grants.c.force, access_grants.c.reference).where(
                and_(
                    access_grants.c.requested_by == reader,
                    access_grants.c.state == "granted",
                    access_grants.c.expires_at > now,
                    access_grants.c.force.in_(forces),
                    access_grants.c.reference.in_({r for _, r in pairs}),
                )
            )
        ).all()
        wanted = set(pairs)
        return {(r.force, r.reference) for r in rows if (r.force, r.reference) in wanted}

    def owners(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The owner of each (force, reference) whose owner is not its recording force."""
        found: dict[tuple[str, str], str] = {}
        for part in in_lists(keys):
            found |= self._owners(part)
        return found

    def _owners(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The owner of each (force, reference) whose owner is not its recording force."""
        if not keys:
            return {}
        rows = self._conn.execute(
            select(reports.c.force, reports.c.reference, report_owners.c.force.label("owner"))
            .join(report_owners, report_owners.c.report_id == reports.c.id)
            .where(
                reports.c.force.in_({f for f, _ in keys}),
                reports.c.reference.in_({r for _, r in keys}),
            )
        ).all()
        wanted = set(keys)
        return {(r.force, r.reference): r.owner for r in rows if (r.force, r.reference) in wanted}

    def handed_over(self) -> dict[tuple[str, str], str]:
        """The owner of every (force, reference) whose owner is not its recording force: the
        reports handed over, few beside a force's others."""
        rows = self._conn.execute(
            select(reports.c.force, reports.c.reference, report_owners.c.force.label("owner")).join(
                report_owners, report_owners.c.report_id == reports.c.id
            )
        ).all()
        return {(r.force, r.reference): r.owner for r in rows}

    def set_owner(self, report_id: int, force: str, by: str, at: datetime) -> None:
        """Hand a report to ``force``, in place of whoever owned it before (the history keeps
        each hand-over as an event)."""
        self._conn.execute(delete(report_owners).where(report_owners.c.report_id == report_id))
        self._conn.execute(
            insert(report_owners).values(
                report_id=report_id, force=force, accepted_by=by, accepted_at=at
            )
        )

    def pending_for_force(self, force: str) -> list[StoredGrant]:
        """Requests waiting for ``force``: for the reports it owns, recorded or transferred in."""
        owner = owner_where(access_grants.c.force, access_grants.c.reference)
        rows = self._conn.execute(
            select(access_grants)
            .where(func.coalesce(owner, access_grants.c.force) == force)
            .where(access_grants.c.state == "pending")
            .order_by(access_grants.c.requested_at)
        ).all()
        return [_grant(r) for r in rows]

    def of_reader(self, reader: str, limit: int = 200) -> list[StoredGrant]:
        rows = self._conn.execute(
            select(access_grants)
            .where(access_grants.c.requested_by == reader)
            .order_by(access_grants.c.requested_at.desc())
            .limit(limit)
        ).all()
        return [_grant(r) for r in rows]
