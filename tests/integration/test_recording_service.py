"""Recording decisions through the services, on both databases, with history and access log."""

from pathlib import Path

import pytest

from caselink.domain.errors import InvalidTransition, NotFound, NotPermitted, RuleViolation
from caselink.domain.rules.cancellation import CancellationCode
from caselink.domain.values import Status
from caselink.services import recording, users
from caselink.services.context import Actor, Context
from caselink.services.importing import Kind, import_file
from support.sample_files import report, write_reports

AVI = "CCTV from the venue shows the complainant was elsewhere"


@pytest.fixture
def loaded(ctx: Context, officer: Actor, tmp_path: Path) -> Context:
    rows = [
        report("K1"),
        report("K2", status="incident", offence_code="", decided_at=""),
        report("K0"),
    ]
    import_file(ctx, officer, Kind.REPORTS, write_reports(tmp_path / "r.csv", rows))
    return ctx


def test_cancel_authorise_inform(loaded: Context, officer: Actor, registrar: Actor) -> None:
    ctx = loaded
    r = recording.cancel(
        ctx,
        officer,
        "Kent",
        "K1",
        code=CancellationCode.C2,
        rationale="Alibi verified",
        evidence=AVI,
    )
    assert r.status is Status.CRIME
    assert r.pending_cancellation
    assert r.version == 1
    r = recording.authorise(ctx, registrar, "Kent", "K1", note="seen the footage")
    assert r.status is Status.CANCELLED
    assert r.version == 2
    r = recording.inform(ctx, officer, "Kent", "K1", how="letter")
    with ctx.db.reader() as uow:
        stored = uow.reports.get("Kent", "K1")
        assert stored.status is Status.CANCELLED
        assert stored.cancellations[0].complainant_informed_at is not None
        assert stored.cancellations[0].decided_by == "rita"
        assert uow.events.verify().events == 3 + 3


def test_refusals_write_nothing(loaded: Context, officer: Actor, registrar: Actor) -> None:
    ctx = loaded
    with pytest.raises(RuleViolation, match="CAN-2"):
        recording.cancel(
            ctx,
            officer,
            "Kent",
            "K1",
            code=CancellationCode.C2,
            rationale="Victim withdrew support",
            evidence=AVI,
        )
    with pytest.raises(NotFound, match="does not exist"):
        recording.cancel(
            ctx,
            officer,
            "Kent",
            "K1",
            code=CancellationCode.C3,
            rationale="duplicate",
            evidence="K99",
        )
    with pytest.raises(NotPermitted):
        recording.cancel(
            ctx,
            users.resolve_actor(ctx, "ian"),
            "Kent",
            "K1",
            code=CancellationCode.C4,
            rationale="x",
            evidence="y",
        )
    with pytest.raises(InvalidTransition):
        recording.authorise(ctx, registrar, "Kent", "K1")
    with pytest.raises(NotFound):
        recording.classify(ctx, officer, "Kent", "NOPE", offence_code="19C")
    with ctx.db.reader() as uow:
        assert uow.reports.get("Kent", "K1").version == 0
        assert uow.events.verify().events == 3


def test_classify_and_c3(loaded: Context, officer: Actor) -> None:
    ctx = loaded
    r = recording.classify(ctx, officer, "Kent", "K2", offence_code="19C")
    assert r.status is Status.CRIME
    assert any(
        f.rule.id == "REC-1" for f in r.findings(ctx.policy)
    )  # 2024 report decided now: late
    r = recording.cancel(
        ctx,
        officer,
        "Kent",
        "K2",
        code=CancellationCode.C3,
        rationale="Same incident as K0",
        evidence="K0",
    )
    assert r.pending_cancellation is not None


def test_show_logs_the_consultation_and_inspectors_never_see_complainants(
    loaded: Context, officer: Actor, inspector: Actor
) -> None:
    ctx = loaded
    from caselink.domain.person import Person, PersonRole

    recording.add_person(
        ctx,
        officer,
        "Kent",
        "K1",
        Person(role=PersonRole.COMPLAINANT, forename="Jane", surname="Doe"),
    )
    with pytest.raises(Exception, match="say why"):
        recording.show(ctx, officer, "Kent", "K1", why=" ")
    full = recording.show(ctx, officer, "Kent", "K1", why="case review")
    assert full.report.persons[0].forename == "Jane"
    assert not full.pseudonymised
    seen = recording.show(ctx, inspector, "Kent", "K1", why="inspection")
    assert seen.pseudonymised
    assert seen.report.persons[0].forename is None
    assert "Jane" not in repr(seen.history)
    # The imported source record (its narrative among it) is withheld from inspectors too.
    assert "Account given" in repr(full.history)
    assert "Account given" not in repr(seen.history)
    assert seen.report.narrative == ""
    with ctx.db.reader() as uow:
        log = uow.access_log.recent()
    consults = [(e.actor, e.reference, e.justification) for e in log if e.action == "consult"]
    assert consults == [("ian", "K1", "inspection"), ("olive", "K1", "case review")]
    with pytest.raises(NotPermitted):
        recording.show(ctx, users.resolve_actor(ctx, "ada"), "Kent", "K1", why="curious")
