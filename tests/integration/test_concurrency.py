"""Optimistic concurrency: of two updates to the same version exactly one wins, the other writes
nothing.
"""

import threading
from pathlib import Path

from caselink.domain.errors import ConcurrentUpdate
from caselink.domain.rules.cancellation import CancellationCode
from caselink.services import recording, users
from caselink.services.context import Actor, Context
from caselink.services.importing import Kind, import_file
from support.sample_files import report, write_reports

AVI = "CCTV from the venue shows the complainant was elsewhere"


def test_two_concurrent_updates_one_winner(ctx: Context, officer: Actor, tmp_path: Path) -> None:
    import_file(
        ctx,
        officer,
        Kind.REPORTS,
        write_reports(tmp_path / "r.csv", [report("K1", offence_code="20A")]),
    )
    other = users.resolve_actor(ctx, "oscar")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def attempt(actor: Actor, code: CancellationCode, evidence: str) -> None:
        barrier.wait()
        try:
            recording.cancel(
                ctx,
                actor,
                "Kent",
                "K1",
                code=code,
                rationale="seen both",
                evidence=evidence,
                expected_version=0,
            )
            outcomes[actor.name] = "won"
        except ConcurrentUpdate as exc:
            outcomes[actor.name] = f"conflict: {exc}"

    threads = [
        threading.Thread(target=attempt, args=(officer, CancellationCode.C2, AVI)),
        threading.Thread(target=attempt, args=(other, CancellationCode.C4, "keyed in error")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(v.split(":")[0] for v in outcomes.values()) == ["conflict", "won"]
    winner = next(name for name, v in outcomes.items() if v == "won")
    with ctx.db.reader() as uow:
        stored = uow.reports.get("Kent", "K1")
        assert stored.version == 1
        assert len(stored.cancellations) == 1
        assert stored.cancellations[0].requested_by == winner
        assert uow.events.verify().events == 2  # recorded + the winner's, nothing of the loser


def test_a_stale_save_is_refused_even_without_expected_version(
    ctx: Context, officer: Actor, tmp_path: Path
) -> None:
    import_file(
        ctx,
        officer,
        Kind.REPORTS,
        write_reports(tmp_path / "r.csv", [report("K1", offence_code="20A")]),
    )
    # Two units of work read version 0; the first saves; the second's save must fail.
    with ctx.db.unit_of_work(write=False) as first_read:
        stale = first_read.reports.get("Kent", "K1")
    recording.classify(ctx, officer, "Kent", "K1", offence_code="20B")
    with ctx.db.unit_of_work() as uow:
        fresh = uow.reports.get("Kent", "K1")
        uow.reports._loaded[id(stale)] = uow.reports._loaded.pop(
            id(fresh)
        )  # save the stale copy in its place
        uow.reports._loaded[id(stale)].version = 0
        try:
            uow.reports.save(stale)
            raise AssertionError("a stale save must be refused")
        except ConcurrentUpdate:
            pass
