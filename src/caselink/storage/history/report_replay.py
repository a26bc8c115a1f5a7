"""Replaying every report's events against its stored row, a slice of reports at a time.

Events are read by report (the ``report_id`` index), not in chain order, so each report's
replay needs only its own events and memory stays flat over millions of reports. The hash
chain is walked separately (``EventLog.verify``); this pass trusts the events' content, which
that walk proves, and asks whether the rows beside them still agree.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from caselink.domain.event_replay import ReplayedReport, StoredReport, apply, differences
from caselink.storage.tables import (
    cancellations,
    events,
    journey_steps,
    persons,
    report_owners,
    reports,
)


@dataclass(frozen=True, slots=True)
class ReportMismatch:
    """A stored report that is not what its events say, or an event filed under no report."""

    force: str
    reference: str
    problems: tuple[str, ...]


def _counts(conn: Connection, table: object, lo: int, hi: int) -> dict[int, int]:
    column = table.c.report_id  # type: ignore[attr-defined]
    rows = conn.execute(
        select(column, func.count()).where(column.between(lo, hi)).group_by(column)
    ).all()
    return {int(r[0]): int(r[1]) for r in rows}


def _slice(conn: Connection, lo: int, hi: int) -> Iterator[ReportMismatch]:
    stored = conn.execute(
        select(
            reports.c.id,
            reports.c.force,
            reports.c.reference,
            reports.c.status,
            reports.c.offence_code,
            reports.c.recording_rationale,
        ).where(reports.c.id.between(lo, hi))
    ).all()
    held: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for rid, code, state in conn.execute(
        select(cancellations.c.report_id, cancellations.c.code, cancellations.c.state)
        .where(cancellations.c.report_id.between(lo, hi))
        .order_by(cancellations.c.report_id, cancellations.c.id)
    ):
        held[int(rid)].append((str(code), str(state)))
    people = _counts(conn, persons, lo, hi)
    owners = dict(
        conn.execute(
            select(report_owners.c.report_id, report_owners.c.force).where(
                report_owners.c.report_id.between(lo, hi)
            )
        ).all()
    )
    steps = _counts(conn, journey_steps, lo, hi)
    by_id = {int(row.id): row for row in stored}
    replayed: dict[int, ReplayedReport] = {}
    strays: dict[int, list[str]] = defaultdict(list)
    for seq, rid, kind, force, reference, payload in conn.execute(
        select(
            events.c.seq,
            events.c.report_id,
            events.c.kind,
            events.c.force,
            events.c.reference,
            events.c.payload,
        )
        .where(events.c.report_id.between(lo, hi))
        .order_by(events.c.report_id, events.c.seq)
    ):
        owner = by_id.get(rid)
        if owner is not None and (force, reference) != (owner.force, owner.reference):
            # The hash covers the event's force and reference, not the row it is filed under:
            # an event moved to another report shows here.
            strays[rid].append(f"event {seq} is of {force} {reference}, filed under it")
            continue
        state = replayed.get(rid)
        if state is None:
            state = replayed[rid] = ReplayedReport(force or "", reference or "")
        try:
            apply(state, kind, json.loads(payload))
        except (ValueError, KeyError, TypeError, AttributeError):
            # Only an event edited after it was written says something the domain never
            # wrote; the chain walk names it, and the report is named here.
            strays[rid].append(f"event {seq} cannot be replayed")
    for rid, row in by_id.items():
        state = replayed.pop(rid, None) or ReplayedReport(row.force, row.reference)
        problems = strays.get(rid, []) + differences(
            state,
            StoredReport(
                row.force,
                row.reference,
                row.status,
                row.offence_code,
                row.recording_rationale,
                held.get(rid, ()),
                people.get(rid, 0),
                steps.get(rid, 0),
                owners.get(rid),
            ),
        )
        if problems:
            yield ReportMismatch(row.force, row.reference, tuple(problems))
    for rid, state in replayed.items():
        gone = f"its events are filed under report {rid}, which is gone"
        yield ReportMismatch(state.force, state.reference, (gone,))


def replay_reports(
    conn: Connection, progress: Callable[[int], None] | None = None, slice_size: int = 5_000
) -> Iterator[ReportMismatch]:
    """Every report whose stored state differs from its events, in report order."""
    top = conn.execute(select(func.max(reports.c.id))).scalar() or 0
    top_event = conn.execute(select(func.max(events.c.report_id))).scalar() or 0
    last = max(int(top), int(top_event))
    orphans = conn.execute(
        select(events.c.seq, events.c.force, events.c.reference)
        .where(events.c.report_id.is_(None))
        .order_by(events.c.seq)
        .limit(1)
    ).first()
    if orphans is not None:
        yield ReportMismatch(
            orphans.force or "",
            orphans.reference or "",
            (f"event {orphans.seq} is filed under no report",),
        )
    for lo in range(1, last + 1, slice_size):
        yield from _slice(conn, lo, min(lo + slice_size - 1, last))
        if progress is not None:
            progress(min(lo + slice_size - 1, last))
