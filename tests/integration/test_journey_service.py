"""The victim's journey through the services, on both databases: steps recorded under the rules,
duties derived, files imported all-or-nothing and idempotently, history and access log kept."""

import csv
import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caselink.domain.errors import InvalidValue, NotPermitted, RuleViolation
from caselink.services import journey, outcomes, recording
from caselink.services.context import Actor, Context
from caselink.services.importing import ImportRefused, Kind, import_file
from caselink.storage.tables import access_log, events, journey_steps, victim_duties
from support.sample_files import report, write_reports

NOW = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def loaded(ctx: Context, officer: Actor, tmp_path: Path) -> Context:
    rows = [
        report("K1"),
        report("K2"),
        report(
            "K3",
            status="n100",
            offence_code="",
            recording_rationale="Account describes touching, not penetration",
        ),
    ]
    import_file(ctx, officer, Kind.REPORTS, write_reports(tmp_path / "r.csv", rows))
    return dataclasses.replace(ctx, clock=lambda: NOW)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _count(ctx: Context, table: object) -> int:
    with ctx.db.reader() as uow:
        return int(uow.connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_steps_duties_and_history(loaded: Context, officer: Actor) -> None:
    ctx = loaded
    journey.record_step(
        ctx,
        officer,
        "Kent",
        "K1",
        "attended",
        at=_at("2024-03-08T01:00:00"),
        details={"officer": "PC 123", "trained_officer": "true", "preferences": "female officer"},
    )
    journey.record_step(
        ctx,
        officer,
        "Kent",
        "K1",
        "referral",
        at=_at("2024-03-08T02:00:00"),
        details={"service": "sarc", "answer": "accepted"},
    )
    journey.record_step(
        ctx, officer, "Kent", "K1", "suspect_identified", at=_at("2024-03-09T10:00:00")
    )
    # Friday 15 March 2024: one working day runs to the end of Monday 18 March
    done = journey.record_step(
        ctx, officer, "Kent", "K1", "arrested", at=_at("2024-03-15T16:00:00")
    )
    assert done.version == 4
    view = journey.journey(ctx, officer, "Kent", "K1", why="case review")
    [duty] = view.duties
    assert duty.decision == "arrested"
    assert duty.state.value == "overdue"
    assert duty.due_at.date().isoformat() == "2024-03-18"
    with ctx.db.reader() as uow:
        [open_duty] = uow.journeys.duties_open(None)
    assert (open_duty.reference, open_duty.decision) == ("K1", "arrested")

    late = journey.record_step(
        ctx,
        officer,
        "Kent",
        "K1",
        "victim_updated",
        at=_at("2024-03-19T09:00:00"),
        details={
            "decision": "arrested",
            "decision_at": "2024-03-15T16:00:00+00:00",
            "how": "phone",
        },
    )
    assert [f.rule.id for f in late.findings] == ["VC-1"]
    view = journey.journey(ctx, officer, "Kent", "K1", why="case review")
    assert [d.state.value for d in view.duties] == ["late"]
    assert [t.kind for t in view.timeline] == [
        "attended",
        "referral",
        "suspect_identified",
        "arrested",
        "victim_updated",
    ]
    with ctx.db.reader() as uow:
        assert uow.journeys.duties_open(None) == []
        assert uow.events.verify().intact
        told = uow.connection.execute(select(victim_duties.c.told_how)).scalar_one()
    assert told == "phone"
    assert _count(ctx, journey_steps) == 5


def test_inspector_sees_no_personal_details(
    loaded: Context, officer: Actor, inspector: Actor
) -> None:
    ctx = loaded
    journey.record_step(
        ctx,
        officer,
        "Kent",
        "K1",
        "attended",
        at=_at("2024-03-08T01:00:00"),
        details={"officer": "PC 123", "preferences": "female officer"},
    )
    view = journey.journey(ctx, inspector, "Kent", "K1", why="inspection")
    assert view.pseudonymised
    assert "preferences" not in view.timeline[0].details
    with ctx.db.reader() as uow:
        logged = uow.connection.execute(
            select(access_log.c.actor, access_log.c.reference, access_log.c.justification)
        ).all()
    assert ("ian", "K1", "inspection") in [tuple(r) for r in logged]


def test_refused_steps_write_nothing(loaded: Context, officer: Actor, inspector: Actor) -> None:
    ctx = loaded
    before = _count(ctx, events)
    with pytest.raises(RuleViolation, match="INV-1"):
        journey.record_step(ctx, officer, "Kent", "K1", "charged", at=_at("2024-03-10T10:00:00"))
    with pytest.raises(RuleViolation, match="JNY-1"):
        journey.record_step(ctx, officer, "Kent", "K1", "attended", at=_at("2025-01-01T10:00:00"))
    with pytest.raises(RuleViolation, match="OUT-1"):
        journey.record_step(
            ctx,
            officer,
            "Kent",
            "K1",
            "outcome",
            at=_at("2024-03-10T10:00:00"),
            details={"code": "16"},
        )
    with pytest.raises(InvalidValue, match="not a step"):
        journey.record_step(ctx, officer, "Kent", "K1", "teleported")
    with pytest.raises(NotPermitted):
        journey.record_step(ctx, inspector, "Kent", "K1", "arrested")
    assert _count(ctx, events) == before
    assert _count(ctx, journey_steps) == 0


def _journey_file(path: Path, rows: list[tuple[str, str, str, dict[str, str]]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("force", "reference", "step", "at", "actor", "details"))
        for reference, step, at, details in rows:
            writer.writerow(("Kent", reference, step, at, "pc-importer", json.dumps(details)))
    return path


TOLD = {"decision": "arrested", "decision_at": "2024-03-11T10:00:00Z"}
GOOD = [
    ("K1", "attended", "2024-03-08T01:00:00Z", {"trained_officer": "true"}),
    ("K1", "suspect_identified", "2024-03-09T10:00:00Z", {}),
    ("K1", "arrested", "2024-03-11T10:00:00Z", {}),
    ("K1", "victim_updated", "2024-03-11T15:00:00Z", TOLD),
    ("K1", "file_to_cps", "2024-04-01T10:00:00Z", {"purpose": "charging_decision"}),
    ("K1", "cps_decision", "2024-05-01T10:00:00Z", {"decision": "charge"}),
    ("K1", "charged", "2024-05-02T10:00:00Z", {"route": "charge"}),
    ("K1", "outcome", "2024-05-02T11:00:00Z", {"code": "1"}),
    ("K2", "attended", "2024-03-08T03:00:00Z", {"trained_officer": "false"}),
    ("K2", "outcome", "2024-03-20T10:00:00Z", {"code": "18"}),
]  # fmt: skip


def test_import_is_all_or_nothing_and_idempotent(
    loaded: Context, officer: Actor, tmp_path: Path
) -> None:
    ctx = loaded
    bad = _journey_file(
        tmp_path / "bad.csv",
        [*GOOD, ("K2", "verdict", "2024-04-01T10:00:00Z", {"verdict": "acquitted"})],
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(ctx, officer, Kind.JOURNEY, bad)
    assert any("INV-2" in e.reason for e in refused.value.errors)
    assert _count(ctx, journey_steps) == 0

    good = _journey_file(tmp_path / "good.csv", GOOD)
    summary = import_file(ctx, officer, Kind.JOURNEY, good)
    assert (summary.imported, summary.unchanged) == (10, 0)
    again = import_file(ctx, officer, Kind.JOURNEY, good)
    assert (again.imported, again.unchanged) == (0, 10)
    with ctx.db.reader() as uow:
        assert uow.events.verify().intact
        kinds = uow.connection.execute(
            select(events.c.kind).where(events.c.kind == "journey_imported")
        ).all()
    assert len(kinds) == 2  # one event a report
    view = journey.journey(ctx, officer, "Kent", "K1", why="case review")
    assert view.outcome == "1"
    assert [d.state.value for d in view.duties] == ["met", "overdue"]  # charged: never told


def test_import_skip_invalid_writes_rejects(
    loaded: Context, officer: Actor, tmp_path: Path
) -> None:
    ctx = loaded
    rows = [*GOOD, ("K9", "attended", "2024-03-08T01:00:00Z", {})]
    rejects = tmp_path / "rejects.csv"
    summary = import_file(
        ctx,
        officer,
        Kind.JOURNEY,
        _journey_file(tmp_path / "j.csv", rows),
        skip_invalid=True,
        rejects=rejects,
    )
    assert (summary.imported, summary.rejected) == (10, 1)
    assert "no report Kent K9" in rejects.read_text()


def test_figures_from_the_store(
    loaded: Context, officer: Actor, inspector: Actor, tmp_path: Path
) -> None:
    ctx = loaded
    import_file(ctx, officer, Kind.JOURNEY, _journey_file(tmp_path / "good.csv", GOOD))
    doc = outcomes.attrition_figures(ctx, inspector).to_dict()
    national = {s["stage"]: s["count"] for s in doc["national"]["stages"]}
    # K3 is an N100: a rape report, not recorded as a rape crime
    assert national == {
        "reported": 3,
        "recorded": 2,
        "suspect_identified": 1,
        "referred_to_cps": 1,
        "charged": 1,
        "convicted": 0,
    }
    charged = next(s for s in doc["national"]["stages"] if s["stage"] == "charged")
    assert charged["rate"] == pytest.approx(0.5)
    mix = outcomes.outcome_mix_figures(ctx, inspector).to_dict()
    assert {o["outcome"]: o["count"] for o in mix["national"]} == {"1": 1, "18": 1}
    ttc = outcomes.time_to_charge_figures(ctx, inspector).to_dict()["national"]
    assert (ttc["n"], ttc["charged"], ttc["censored"]) == (2, 1, 1)
    compliance = outcomes.compliance_figures(ctx, inspector).to_dict()["national"]
    assert (compliance["met_on_time"], compliance["overdue"]) == (1, 1)
    with pytest.raises(NotPermitted):
        outcomes.attrition_figures(ctx, officer)


def test_inspector_history_holds_no_journey_text(
    loaded: Context, officer: Actor, inspector: Actor, tmp_path: Path
) -> None:
    ctx = loaded
    rows = [
        ("K1", "attended", "2024-03-08T01:00:00Z", {"preferences": "female officer"}),
        ("K1", "needs_assessed", "2024-03-08T02:00:00Z", {"needs": "interpreter, Polish"}),
    ]
    import_file(ctx, officer, Kind.JOURNEY, _journey_file(tmp_path / "j.csv", rows))
    journey.record_step(
        ctx, officer, "Kent", "K1", "needs_assessed", at=_at("2024-03-09T10:00:00"),
        details={"needs": "a night shelter"},
    )  # fmt: skip
    shown = json.dumps(
        recording.show(ctx, inspector, "Kent", "K1", why="inspection").history, default=str
    )
    for text in ("female officer", "Polish", "night shelter"):
        assert text not in shown
    full = json.dumps(
        recording.show(ctx, officer, "Kent", "K1", why="case review").history, default=str
    )
    assert "Polish" in full
