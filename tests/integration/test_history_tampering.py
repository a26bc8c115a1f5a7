"""Tampering with a copy of a store, one edit at a time, behind the application's back: each
edit must be found and named by `history verify`, on both databases.

The chain alone catches an edited, deleted or reordered event; these are the edits it does
not catch: an event moved to another report, a report row changed without an event, and a
chain rewritten (or shortened) whole, which only a signed checkpoint outside the database can
show.
"""

import dataclasses
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, delete, insert, select, update

from caselink.domain.errors import InvalidRequest
from caselink.domain.rules.cancellation import CancellationCode
from caselink.services import history, journey, recording
from caselink.services.context import Actor, Context, HistoryAnchor
from caselink.services.importing import Kind, import_file
from caselink.services.report_views import NewReport, record_report
from caselink.storage.history.event_log import event_hash
from caselink.storage.schema import GENESIS_HASH
from caselink.storage.tables import (
    cancellations,
    chain_head,
    events,
    journey_steps,
    persons,
    report_owners,
    reports,
)
from support.sample_files import report, write_persons, write_reports

NOW = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)
EVIDENCE = "CCTV from the venue shows the complainant was elsewhere"


@pytest.fixture
def store(ctx: Context, officer: Actor, registrar: Actor, tmp_path: Path) -> Context:
    """Imported reports (one imported cancelled), persons, a report recorded by hand, a
    cancellation asked for and authorised, and a journey step: every kind of row the replay
    checks. Checkpoints signed under a key kept beside the test, outside the database."""
    key = tmp_path / "history.key"
    history.create_checkpoint_key(key)
    ctx = dataclasses.replace(
        ctx, clock=lambda: NOW, anchor=HistoryAnchor(key, tmp_path / "history.checkpoints")
    )
    rows = [
        report("K1"),
        report("K2"),
        report(
            "K3",
            status="cancelled",
            cancellation_code="C2",
            cancellation_rationale="Alibi verified",
            cancellation_evidence=EVIDENCE,
            cancellation_authorised_by="rita",
            complainant_informed_at="2024-03-09T10:00:00",
        ),
    ]
    import_file(ctx, officer, Kind.REPORTS, write_reports(tmp_path / "r.csv", rows))
    people = [
        {"reference": "K1", "force": "Kent", "role": "suspect", "source_id": "p1", "surname": "X"}
    ]
    import_file(ctx, officer, Kind.PERSONS, write_persons(tmp_path / "p.csv", people))
    record_report(
        ctx,
        officer,
        NewReport(
            force="Kent",
            reference="W1",
            reported_at=datetime(2024, 6, 1, 9, 0, tzinfo=UTC),
            offence_code="19C",
            narrative="Reported at the front counter",
            complainant_surname="Quill",
        ),
    )
    recording.cancel(
        ctx,
        officer,
        "Kent",
        "K1",
        code=CancellationCode.C2,
        rationale="Alibi verified",
        evidence=EVIDENCE,
    )
    recording.authorise(ctx, registrar, "Kent", "K1", note="seen the footage")
    journey.record_step(
        ctx, officer, "Kent", "K2", "attended", at=datetime(2024, 3, 8, 1, 0, tzinfo=UTC)
    )
    history.checkpoint(ctx)
    result = history.verify(ctx)
    assert result.intact, result
    assert result.checkpoints.checked == 1
    return ctx


def tamper(ctx: Context, *statements: object) -> None:
    with ctx.db.unit_of_work() as uow:
        for statement in statements:
            uow.connection.execute(statement)  # type: ignore[call-overload]
        uow.commit()


def report_id(ctx: Context, reference: str) -> int:
    with ctx.db.reader() as uow:
        found = uow.connection.execute(
            select(reports.c.id).where(reports.c.reference == reference)
        ).scalar_one()
    return int(found)


def named(ctx: Context) -> dict[str, str]:
    """Each report `history verify` names, with what it says of it."""
    result = history.verify(ctx)
    assert not result.intact
    assert result.chain.intact, "these edits leave the chain itself whole"
    return {m.reference: "; ".join(m.problems) for m in result.mismatches}


def test_a_status_changed_without_an_event_is_named(store: Context) -> None:
    tamper(store, update(reports).where(reports.c.reference == "K2").values(status="cancelled"))
    assert "status is cancelled but its events say crime" in named(store)["K2"]


def test_an_offence_code_changed_without_an_event_is_named(store: Context) -> None:
    tamper(store, update(reports).where(reports.c.reference == "W1").values(offence_code="20A"))
    assert "offence code is 20A but its events say 19C" in named(store)["W1"]


def test_a_store_checked_in_two_processes_names_the_same_reports(store: Context) -> None:
    # a large store replays its reports in a second process while this one walks the chain
    tamper(store, update(reports).where(reports.c.reference == "K2").values(status="cancelled"))
    here = history.verify(store)
    beside = history.verify(store, replay_elsewhere_from=0)
    assert not beside.intact
    assert beside.mismatches == here.mismatches
    assert beside.mismatch_count == here.mismatch_count == 1
    assert (beside.chain, beside.checkpoints) == (here.chain, here.checkpoints)


def test_an_imported_offence_code_changed_is_named(store: Context) -> None:
    tamper(store, update(reports).where(reports.c.reference == "K2").values(offence_code="17A"))
    assert "offence code" in named(store)["K2"]


def test_an_authorised_cancellation_turned_back_to_pending_is_named(store: Context) -> None:
    tamper(
        store,
        update(cancellations)
        .where(cancellations.c.report_id == report_id(store, "K1"))
        .values(state="pending"),
    )
    assert "cancellations" in named(store)["K1"]


def test_a_cancellation_slipped_in_is_named(store: Context) -> None:
    tamper(
        store,
        insert(cancellations).values(
            report_id=report_id(store, "W1"),
            code="C4",
            rationale="no crime",
            requested_by="mallory",
            requested_at=NOW,
            state="applied",
        ),
        update(reports).where(reports.c.reference == "W1").values(status="cancelled"),
    )
    problems = named(store)["W1"]
    assert "status is cancelled" in problems
    assert "cancellations" in problems


def test_an_event_moved_to_another_report_is_named(store: Context) -> None:
    with store.db.reader() as uow:
        seq = uow.connection.execute(
            select(events.c.seq).where(events.c.kind == "cancellation_authorised")
        ).scalar_one()
    tamper(
        store, update(events).where(events.c.seq == seq).values(report_id=report_id(store, "K2"))
    )
    found = named(store)
    assert f"event {seq} is of Kent K1, filed under it" in found["K2"]
    assert "status is cancelled but its events say crime" in found["K1"]


def test_a_report_with_no_events_is_named(store: Context) -> None:
    with store.db.reader() as uow:
        row = uow.connection.execute(select(reports).where(reports.c.reference == "K2")).one()
    values = {**row._asdict(), "reference": "K9"}
    del values["id"]
    tamper(store, insert(reports).values(**values))
    assert "0 recorded events" in named(store)["K9"]


def test_a_deleted_journey_step_or_person_is_named(store: Context) -> None:
    tamper(
        store,
        delete(journey_steps).where(journey_steps.c.report_id == report_id(store, "K2")),
        delete(persons).where(persons.c.report_id == report_id(store, "K1")),
    )
    found = named(store)
    assert "journey has 0 steps but its events add 1" in found["K2"]
    assert "holds 0 persons but its events add 1" in found["K1"]


def _rewrite_from(conn: Connection, first: int) -> None:
    """Recompute every hash from event ``first`` on and move the head: what someone with
    write access to the database and this code can do."""
    prev = (
        conn.execute(select(events.c.hash).where(events.c.seq == first - 1)).scalar()
        or GENESIS_HASH
    )
    rows = conn.execute(select(events).where(events.c.seq >= first).order_by(events.c.seq)).all()
    for row in rows:
        digest = event_hash(
            prev, row.seq, row.kind, row.force, row.reference, row.actor, row.at, row.payload
        )
        conn.execute(
            update(events).where(events.c.seq == row.seq).values(prev_hash=prev, hash=digest)
        )
        prev = digest
    last = rows[-1].seq if rows else first - 1
    conn.execute(update(chain_head).values(seq=last, hash=prev))


def test_a_rewritten_chain_passes_the_chain_but_not_the_checkpoint(store: Context) -> None:
    with store.db.unit_of_work() as uow:
        conn = uow.connection
        conn.execute(update(events).where(events.c.seq == 2).values(actor="mallory"))
        _rewrite_from(conn, 2)
        uow.commit()
    result = history.verify(store)
    assert result.chain.intact
    assert not result.mismatch_count
    assert not result.intact
    assert "rewritten" in result.checkpoints.problems[0]
    assert history.tail_problem(store) is not None


def test_dropped_newest_events_with_the_head_rewound_fail_the_checkpoint(store: Context) -> None:
    with store.db.unit_of_work() as uow:
        conn = uow.connection
        head = conn.execute(select(chain_head.c.seq)).scalar_one()
        # The journey step and the authorisation go; their rows are put back as they were before
        # them, so the replay has nothing to say: only the checkpoint knows.
        conn.execute(delete(events).where(events.c.seq > head - 2))
        conn.execute(delete(journey_steps))
        conn.execute(
            update(cancellations)
            .where(cancellations.c.report_id == report_id(store, "K1"))
            .values(state="pending", decided_by=None, decided_at=None)
        )
        conn.execute(update(reports).where(reports.c.reference == "K1").values(status="crime"))
        _rewrite_from(conn, head - 1)
        uow.commit()
    result = history.verify(store)
    assert result.chain.intact
    assert not result.mismatch_count
    assert "events were removed" in result.checkpoints.problems[0]
    assert "no longer passes through the checkpoint" in (history.tail_problem(store) or "")


def test_an_altered_checkpoint_line_is_refused(store: Context) -> None:
    assert store.anchor is not None
    path = store.anchor.checkpoint_file
    path.write_text(path.read_text().replace('"seq": ', '"seq": 1', 1))
    problems = history.verify(store).checkpoints.problems
    assert problems == ("checkpoint line 1: its signature does not match this key",)


def test_a_checkpoint_signed_with_another_key_is_refused(store: Context, tmp_path: Path) -> None:
    other = tmp_path / "other.key"
    history.create_checkpoint_key(other)
    assert store.anchor is not None
    elsewhere = dataclasses.replace(
        store, anchor=HistoryAnchor(other, store.anchor.checkpoint_file)
    )
    assert "signature does not match" in history.verify(elsewhere).checkpoints.problems[0]


def test_a_key_others_can_read_is_refused(store: Context) -> None:
    assert store.anchor is not None
    os.chmod(store.anchor.key_file, 0o644)
    with pytest.raises(InvalidRequest, match="readable by others"):
        history.checkpoint(store)


def test_a_key_is_never_overwritten(store: Context) -> None:
    assert store.anchor is not None
    with pytest.raises(InvalidRequest, match="never overwritten"):
        history.create_checkpoint_key(store.anchor.key_file)


def test_no_checkpoint_is_signed_over_a_broken_chain(store: Context) -> None:
    tamper(store, update(events).where(events.c.seq == 3).values(actor="mallory"))
    with pytest.raises(InvalidRequest, match="no checkpoint was written"):
        history.checkpoint(store)


def test_without_a_key_verify_says_the_chain_is_not_anchored(store: Context) -> None:
    bare = dataclasses.replace(store, anchor=None)
    result = history.verify(bare)
    assert result.intact
    assert not result.checkpoints.configured
    with pytest.raises(InvalidRequest, match="no checkpoint key is configured"):
        history.checkpoint(bare)


def test_a_report_handed_to_another_force_without_an_event_is_named(store: Context) -> None:
    tamper(
        store,
        insert(report_owners).values(
            report_id=report_id(store, "K2"), force="Surrey", accepted_by="mallory", accepted_at=NOW
        ),
    )
    assert "owned by Surrey but its events say Kent" in named(store)["K2"]
