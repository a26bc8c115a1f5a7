"""The victim's journey in storage: steps appended, each report's milestones and its Victims'
Code duties kept in step with them, and the reads the journey pages and duty lists need.

Steps are the record (with the event log, which holds the same facts hash-chained); milestones
and duties are derived from the steps by the domain and rewritten whenever a report's steps
change, so lists and figures read narrow rows instead of replaying journeys.
"""

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, delete, select, text, update

from caselink.domain.errors import ConcurrentUpdate
from caselink.domain.journey import AppliedCancellation, Duty, Step, StepKind, details_json
from caselink.storage.bulk import BulkWriter, driver_connection, sqlite_time_value
from caselink.storage.tables import (
    cancellations,
    journey_milestones,
    journey_steps,
    police_uk_outcomes,
    reports,
    victim_duties,
)

Key = tuple[str, str]  # (force, reference)
_CHUNK = 1000  # ids to an IN list
_STEP_COLUMNS = ("id", "report_id", "kind", "at", "actor", "details", "source_digest")


class StepText(NamedTuple):
    """An imported row's step in its stored forms, made ready in a worker process
    (storage.prepared.StepPreparer): its line in the file, kind, time as the dialect stores it,
    who recorded it, its details' text, the digest of the row it came from, and the text of its
    document in an import event's payload. A named tuple of plain values: a national year's
    million cross from the workers."""

    line: int
    kind: str
    at: Any
    actor: str
    details: str
    digest: str
    document: str


@dataclass(frozen=True, slots=True)
class StepRow:
    """A step to store: which report, what happened, who recorded it, where it came from."""

    report_id: int
    step: Step
    actor: str
    source_digest: str | None = None


@dataclass(frozen=True, slots=True)
class DutyRow:
    """One Victims' Code duty as listed: the report it is owed on and its state's facts."""

    force: str
    reference: str
    decision: str
    decided_at: datetime
    due_at: datetime
    told_at: datetime | None
    told_how: str | None
    declined: bool


@dataclass(slots=True)
class JourneyState:
    """What the journey's rules need of a stored report to take new steps, and no more: its row
    and the version read, its first contact, the cancellations in effect, its steps so far (in
    time order, then as recorded), the source digests of the steps imported, and whether
    milestones are stored for it."""

    report_id: int
    version: int
    reported_at: datetime
    cancellations: list[AppliedCancellation] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    digests: set[str] = field(default_factory=set)
    derived: bool = False


def details_text(details: Mapping[str, str]) -> str:
    return details_json(details, compact=True)


def step_from_row(row: Any) -> Step:
    return Step(kind=StepKind(row.kind), at=row.at, details=json.loads(row.details))


MILESTONE_COLUMNS = (
    "report_id", "attended_at", "trained_officer", "sarc_answer", "isva_answer",
    "suspect_identified_at", "arrested_at", "cps_referred_at", "charged_at", "verdict",
    "verdict_at", "outcome", "outcome_at", "updates_declined", "police_uk_outcome",
)  # fmt: skip
DUTY_COLUMNS = ("report_id", "decision", "decided_at", "due_at", "told_at", "told_how", "declined")
_PUBLISHED = MILESTONE_COLUMNS.index("police_uk_outcome")


def milestone_values(
    report_id: int, journey: Sequence[Step], outcome: str | None
) -> dict[str, Any]:
    """The milestones of one journey: the first time of each step that marks one, the answers
    to the SARC and ISVA referrals (the latest), the verdict and the outcome in force."""
    values: dict[str, Any] = {
        "report_id": report_id,
        "attended_at": None,
        "trained_officer": None,
        "sarc_answer": None,
        "isva_answer": None,
        "suspect_identified_at": None,
        "arrested_at": None,
        "cps_referred_at": None,
        "charged_at": None,
        "verdict": None,
        "verdict_at": None,
        "outcome": outcome,
        "outcome_at": None,
        "updates_declined": False,
        "police_uk_outcome": None,
    }
    first = {
        StepKind.ATTENDED: "attended_at",
        StepKind.SUSPECT_IDENTIFIED: "suspect_identified_at",
        StepKind.ARRESTED: "arrested_at",
        StepKind.FILE_TO_CPS: "cps_referred_at",
        StepKind.CHARGED: "charged_at",
    }
    for step in journey:
        column = first.get(step.kind)
        if column is not None and values[column] is None:
            values[column] = step.at
            if step.kind is StepKind.ATTENDED:
                trained = step.details.get("trained_officer")
                values["trained_officer"] = None if trained is None else trained == "true"
        if step.kind is StepKind.REFERRAL:
            service = step.details.get("service")
            if service in ("sarc", "isva"):
                values[f"{service}_answer"] = step.details.get("answer")
        elif step.kind is StepKind.VERDICT:
            values["verdict"], values["verdict_at"] = step.details.get("verdict"), step.at
        elif step.kind is StepKind.OUTCOME and outcome is not None:
            values["outcome_at"] = step.at
        elif step.kind is StepKind.UPDATES_DECLINED:
            values["updates_declined"] = True
    return values


def duty_values(report_id: int, duty: Duty) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "decision": duty.decision,
        "decided_at": duty.decision_at,
        "due_at": duty.due_at,
        "told_at": duty.told_at,
        "told_how": duty.told_how,
        "declined": duty.declined,
    }


def bump_read_versions(conn: Connection, read: Mapping[int, int]) -> None:
    """Move these reports (id: the version read) to their next version; refused whole, nothing
    written, if any was changed since it was read."""
    if not read:
        return
    statement = (
        update(reports)
        .where(reports.c.id == bindparam("rid"), reports.c.version == bindparam("read"))
        .values(version=bindparam("read") + 1)
    )
    rows = [{"rid": rid, "read": version} for rid, version in read.items()]
    if conn.dialect.supports_sane_multi_rowcount:
        # One statement for the lot; the driver counts the rows it changed across them.
        done = conn.execute(statement, rows).rowcount
    else:
        done = sum(conn.execute(statement, [row]).rowcount for row in rows)
    if done != len(rows):
        raise ConcurrentUpdate(
            f"{len(rows) - done} of {len(rows)} reports were changed by someone else since "
            "they were read; nothing was written: try again"
        )


class JourneyRepository:
    """Journeys in one transaction: steps appended, milestones and duties rewritten."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._bulk = BulkWriter(conn)
        # The reports whose versions this transaction moved on: what another process read of
        # them before it (an import's workers) is out of date.
        self.changed: set[int] = set()

    def steps(self, report_ids: Iterable[int]) -> dict[int, list[Step]]:
        """Each report's steps in the order they happened (then the order recorded)."""
        ids = sorted(set(report_ids))
        found: dict[int, list[Step]] = {}
        for start in range(0, len(ids), 1000):
            rows = self._conn.execute(
                select(journey_steps)
                .where(journey_steps.c.report_id.in_(ids[start : start + 1000]))
                .order_by(journey_steps.c.report_id, journey_steps.c.at, journey_steps.c.id)
            )
            for row in rows:
                found.setdefault(row.report_id, []).append(step_from_row(row))
        return found

    def digests(self, report_ids: Iterable[int]) -> set[tuple[int, str]]:
        """The (report, source digest) of every imported step of these reports."""
        ids = sorted(set(report_ids))
        found: set[tuple[int, str]] = set()
        for start in range(0, len(ids), 1000):
            rows = self._conn.execute(
                select(journey_steps.c.report_id, journey_steps.c.source_digest).where(
                    journey_steps.c.report_id.in_(ids[start : start + 1000]),
                    journey_steps.c.source_digest.is_not(None),
                )
            )
            found.update((r.report_id, r.source_digest) for r in rows)
        return found

    def states(self, keys: Iterable[Key]) -> dict[Key, JourneyState]:
        """The journey state of each stored report among these keys, in a few queries for the
        lot: what adding steps in bulk reads instead of loading whole reports."""
        found = self._report_rows(sorted(set(keys)))
        by_id = {state.report_id: state for state in found.values()}
        ids = sorted(by_id)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            for c in self._conn.execute(
                select(
                    cancellations.c.report_id,
                    cancellations.c.requested_at,
                    cancellations.c.decided_at,
                    cancellations.c.complainant_informed_at,
                )
                .where(cancellations.c.report_id.in_(chunk), cancellations.c.state == "applied")
                .order_by(cancellations.c.id)
            ):
                at = c.decided_at if c.decided_at is not None else c.requested_at
                by_id[c.report_id].cancellations.append(
                    AppliedCancellation(at, c.complainant_informed_at)
                )
            for row in self._conn.execute(
                select(journey_steps)
                .where(journey_steps.c.report_id.in_(chunk))
                .order_by(journey_steps.c.report_id, journey_steps.c.at, journey_steps.c.id)
            ):
                state = by_id[row.report_id]
                state.steps.append(step_from_row(row))
                if row.source_digest is not None:
                    state.digests.add(row.source_digest)
            for rid in self._conn.scalars(
                select(journey_milestones.c.report_id).where(
                    journey_milestones.c.report_id.in_(chunk)
                )
            ):
                by_id[rid].derived = True
        return found

    def _report_rows(self, keys: Sequence[Key]) -> dict[Key, JourneyState]:
        # One query a chunk of keys, each key one probe of the unique (force, reference) index:
        # joined to the keys as arrays on PostgreSQL (an IN list on a growing table got plans
        # that read the whole force), to a VALUES list on SQLite (an IN list of pairs scans).
        if self._conn.dialect.name != "postgresql":
            return self._sqlite_report_rows(keys)
        columns = (reports.c.id, reports.c.force, reports.c.reference, reports.c.reported_at)
        statement = text(
            "SELECT r.id, r.force, r.reference, r.reported_at, r.version FROM reports r "
            "JOIN unnest(CAST(:forces AS text[]), CAST(:refs AS text[])) AS k(force, ref) "
            "ON r.force = k.force AND r.reference = k.ref"
        ).columns(*columns, reports.c.version)
        found: dict[Key, JourneyState] = {}
        for start in range(0, len(keys), _CHUNK // 2):
            chunk = keys[start : start + _CHUNK // 2]
            values = {"forces": [k[0] for k in chunk], "refs": [k[1] for k in chunk]}
            for r in self._conn.execute(statement, values):
                found[(r.force, r.reference)] = JourneyState(r.id, r.version, r.reported_at)
        return found

    def _sqlite_report_rows(self, keys: Sequence[Key]) -> dict[Key, JourneyState]:
        # Through the driver: binding a thousand parameters and reading times back through
        # SQLAlchemy cost a national year's journey import over five seconds (py-spy).
        found: dict[Key, JourneyState] = {}
        cursor = driver_connection(self._conn).cursor()
        try:
            for start in range(0, len(keys), _CHUNK // 2):
                chunk = keys[start : start + _CHUNK // 2]
                pairs = ", ".join("(?, ?)" for _ in chunk)
                rows = cursor.execute(
                    "SELECT r.id, r.force, r.reference, r.reported_at, r.version "
                    f"FROM (VALUES {pairs}) AS k CROSS JOIN reports r "
                    "ON r.force = k.column1 AND r.reference = k.column2",
                    [value for key in chunk for value in key],
                )
                for rid, force, reference, reported, version in rows:
                    found[(force, reference)] = JourneyState(
                        rid, version, sqlite_time_value(reported)
                    )
        finally:
            cursor.close()
        return found

    def bump_versions(self, read: Mapping[int, int]) -> None:
        """Move these reports (id: the version read) to their next version, their new steps
        being their change; refused whole if any was changed since it was read."""
        bump_read_versions(self._conn, read)
        self.changed.update(read)

    def add_steps(self, rows: Sequence[StepRow]) -> None:
        if not rows:
            return
        ids = self._bulk.allocate_ids(journey_steps, len(rows))
        values = []
        for i, r in zip(ids, rows, strict=True):
            kind, details = r.step.kind.value, details_text(r.step.details)
            values.append((i, r.report_id, kind, r.step.at, r.actor, details, r.source_digest))
        self._bulk.insert(journey_steps, _STEP_COLUMNS, values)

    def add_step_texts(self, rows: Sequence[tuple[int, StepText]]) -> None:
        """Store imported steps, as (report, its step's stored forms made ready)."""
        if not rows:
            return
        ids = self._bulk.allocate_ids(journey_steps, len(rows))
        self._bulk.insert_ready(
            journey_steps,
            _STEP_COLUMNS,
            [
                (i, rid, t.kind, t.at, t.actor, t.details, t.digest)
                for i, (rid, t) in zip(ids, rows, strict=True)
            ],
        )

    def put_derived(
        self, milestones: Sequence[dict[str, Any]], duties: Mapping[int, Sequence[Duty]]
    ) -> None:
        """Replace the milestones and duties of these reports with the ones derived now."""
        self.put_derived_ready(
            self._bulk.convert(
                journey_milestones,
                MILESTONE_COLUMNS,
                [tuple(m[c] for c in MILESTONE_COLUMNS) for m in milestones],
            ),
            self._bulk.convert(
                victim_duties,
                DUTY_COLUMNS,
                [tuple(duty_values(rid, d).values()) for rid, ds in duties.items() for d in ds],
            ),
        )

    def put_derived_ready(
        self,
        milestones: Sequence[tuple[Any, ...]],
        duties: Sequence[tuple[Any, ...]],
        *,
        new: Collection[int] = (),
    ) -> None:
        """Replace the milestones and duties of the reports they are of with these, made ready
        as the dialect stores them (MILESTONE_COLUMNS, police.uk's outcome left out, and
        DUTY_COLUMNS).

        ``new`` are reports known to have none stored yet: theirs are inserted without first
        being looked for and deleted."""
        ids = sorted(({m[0] for m in milestones} | {d[0] for d in duties}).difference(new))
        published: dict[int, str] = {}  # police.uk's outcome is no step: it is kept as it was
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            published.update(
                (r.report_id, r.police_uk_outcome)
                for r in self._conn.execute(
                    select(journey_milestones.c.report_id, journey_milestones.c.police_uk_outcome)
                    .where(journey_milestones.c.report_id.in_(chunk))
                    .where(journey_milestones.c.police_uk_outcome.is_not(None))
                )
            )
            self._conn.execute(
                delete(journey_milestones).where(journey_milestones.c.report_id.in_(chunk))
            )
            self._conn.execute(delete(victim_duties).where(victim_duties.c.report_id.in_(chunk)))
        if published:
            milestones = [
                (*m[:_PUBLISHED], published[m[0]], *m[_PUBLISHED + 1 :]) if m[0] in published else m
                for m in milestones
            ]
        self._bulk.insert_ready(journey_milestones, MILESTONE_COLUMNS, milestones)
        self._bulk.insert_ready(victim_duties, DUTY_COLUMNS, duties)

    def police_uk_outcomes(self, report_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
        """Each report's police.uk outcomes as (month, category), oldest first."""
        ids = sorted(set(report_ids))
        found: dict[int, list[tuple[str, str]]] = {}
        for start in range(0, len(ids), 1000):
            rows = self._conn.execute(
                select(police_uk_outcomes)
                .where(police_uk_outcomes.c.report_id.in_(ids[start : start + 1000]))
                .order_by(police_uk_outcomes.c.month)
            )
            for r in rows:
                found.setdefault(r.report_id, []).append((r.month, r.outcome))
        return found

    def add_police_uk_outcomes(self, rows: Sequence[tuple[int, str, str]]) -> None:
        """Store (report, month, category) outcomes as police.uk published them."""
        self._bulk.insert(police_uk_outcomes, ("report_id", "month", "outcome"), list(rows))

    def set_police_uk_outcome(self, outcomes: Mapping[int, str]) -> None:
        """Make these the reports' latest police.uk outcome, keeping the rest of their
        milestones (a report with none yet gets a row of its own)."""
        if not outcomes:
            return
        ids = sorted(outcomes)
        have: set[int] = set()
        for start in range(0, len(ids), 1000):
            have.update(
                self._conn.scalars(
                    select(journey_milestones.c.report_id).where(
                        journey_milestones.c.report_id.in_(ids[start : start + 1000])
                    )
                )
            )
        for rid in sorted(have):
            self._conn.execute(
                update(journey_milestones)
                .where(journey_milestones.c.report_id == rid)
                .values(police_uk_outcome=outcomes[rid])
            )
        fresh = [
            {**milestone_values(rid, [], None), "police_uk_outcome": outcomes[rid]}
            for rid in ids
            if rid not in have
        ]
        if fresh:
            self._bulk.insert_dicts(journey_milestones, fresh)

    def duties_open(
        self, due_before: datetime | None, forces: Sequence[str] = (), limit: int = 500
    ) -> list[DutyRow]:
        """Duties not yet met and not declined, oldest due first; those due before a time when
        one is given."""
        query = (
            select(
                reports.c.force,
                reports.c.reference,
                victim_duties.c.decision,
                victim_duties.c.decided_at,
                victim_duties.c.due_at,
                victim_duties.c.told_at,
                victim_duties.c.told_how,
                victim_duties.c.declined,
            )
            .join(reports, reports.c.id == victim_duties.c.report_id)
            .where(victim_duties.c.told_at.is_(None), victim_duties.c.declined.is_(False))
            .order_by(victim_duties.c.due_at, reports.c.force, reports.c.reference)
            .limit(limit)
        )
        if due_before is not None:
            query = query.where(victim_duties.c.due_at < due_before)
        if forces:
            query = query.where(reports.c.force.in_(list(forces)))
        return [DutyRow(*row) for row in self._conn.execute(query)]
