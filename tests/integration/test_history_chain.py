"""The hash chain: any edit, deletion or truncation of stored events is found and named."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, text, update

from caselink.services import history
from caselink.services.context import Actor, Context
from caselink.services.importing import Kind, import_file
from caselink.storage.tables import chain_head, events
from support.sample_files import report, write_reports


@pytest.fixture
def chained(ctx: Context, officer: Actor, tmp_path: Path) -> Context:
    import_file(
        ctx,
        officer,
        Kind.REPORTS,
        write_reports(tmp_path / "r.csv", [report(f"K{i}") for i in range(6)]),
    )
    assert history.verify(ctx).intact
    return ctx


def tamper(ctx: Context, statement: object) -> None:
    with ctx.db.unit_of_work() as uow:
        uow.connection.execute(statement)  # type: ignore[call-overload]
        uow.commit()


def test_an_edited_event_is_named(chained: Context) -> None:
    tamper(
        chained, update(events).where(events.c.seq == 4).values(payload='{"status":"cancelled"}')
    )
    result = history.verify(chained)
    assert not result.intact
    assert result.first_break.seq == 4
    assert "edited" in result.first_break.reason


def test_an_edited_actor_or_time_is_named(chained: Context) -> None:
    tamper(chained, update(events).where(events.c.seq == 2).values(actor="mallory"))
    assert history.verify(chained).first_break.seq == 2


def test_an_event_moved_in_time_is_named_and_on_sqlite_one_whose_time_is_no_time(
    chained: Context,
) -> None:
    moved = datetime(2020, 1, 1, 12, 0, tzinfo=UTC)
    tamper(chained, update(events).where(events.c.seq == 5).values(at=moved))
    assert history.verify(chained).first_break.seq == 5
    if chained.db.engine.dialect.name == "sqlite":  # PostgreSQL stores only times there
        tamper(chained, text("UPDATE events SET at = 'yesterday' WHERE seq = 3"))
        result = history.verify(chained)
        assert (result.first_break.seq, "edited" in result.first_break.reason) == (3, True)


def test_a_deleted_event_is_named(chained: Context) -> None:
    tamper(chained, delete(events).where(events.c.seq == 3))
    result = history.verify(chained)
    assert result.first_break.seq == 3
    assert "missing" in result.first_break.reason


def test_a_truncated_tail_is_found(chained: Context) -> None:
    tamper(chained, delete(events).where(events.c.seq == 6))
    result = history.verify(chained)
    assert result.first_break.seq == 6
    assert "removed from the end" in result.first_break.reason


def test_a_rewritten_chain_without_the_head_is_found(chained: Context) -> None:
    tamper(chained, update(chain_head).values(hash="f" * 64))
    assert not history.verify(chained).intact
