"""The report's status lifecycle under the recording rules, without any storage."""

from datetime import UTC, datetime, timedelta

import pytest

from caselink.domain.errors import InvalidTransition, NotPermitted, RuleViolation
from caselink.domain.events import EventKind
from caselink.domain.report import CancellationState, Report
from caselink.domain.rules.cancellation import CancellationCode
from caselink.domain.rules.policy import ForcePolicy
from caselink.domain.values import Status

T0 = datetime(2024, 3, 7, 23, 15, tzinfo=UTC)
POLICY = ForcePolicy()
AVI = "CCTV from the venue shows the complainant was elsewhere at the time"


def incident(reference: str = "K1") -> Report:
    return Report(force="Kent", reference=reference, reported_at=T0)


def crime(code: str = "19C") -> Report:
    r = incident()
    r.classify_crime(code, "olive", T0 + timedelta(hours=2), POLICY)
    return r


def rules_of(report: Report) -> set[str]:
    return {f.rule.id for f in report.findings(POLICY)}


def test_classify_within_deadline_is_not_flagged() -> None:
    r = crime()
    assert r.status is Status.CRIME
    assert r.offence_code == "19C"
    assert r.decided_at == T0 + timedelta(hours=2)
    assert "REC-1" not in rules_of(r)
    assert [e.kind for e in r.events] == [EventKind.CLASSIFIED]


def test_late_decision_is_recorded_and_flagged_never_refused() -> None:
    r = incident()
    r.classify_crime("19C", "olive", T0 + timedelta(hours=30), POLICY)
    assert r.status is Status.CRIME
    assert "REC-1" in rules_of(r)
    assert r.events[0].payload["late"].startswith("recording decision made 30.0 hours")


def test_deadline_is_force_policy() -> None:
    r = incident()
    r.classify_crime(
        "19C",
        "olive",
        T0 + timedelta(hours=30),
        ForcePolicy(recording_deadline=timedelta(hours=48)),
    )
    assert not r.findings(ForcePolicy(recording_deadline=timedelta(hours=48)))


def test_crime_needs_offence_code() -> None:
    with pytest.raises(RuleViolation, match="REC-2"):
        incident().classify_crime("", "olive", T0, POLICY)


def test_n100_needs_rationale_and_can_later_be_recorded_as_crime() -> None:
    r = incident()
    with pytest.raises(RuleViolation, match="REC-3"):
        r.classify_n100("  ", "olive", T0, POLICY)
    r.classify_n100("Account does not disclose a rape offence yet; enquiries", "olive", T0, POLICY)
    assert r.status is Status.N100
    r.classify_crime("19C", "olive", T0 + timedelta(days=3), POLICY)
    assert r.status is Status.CRIME
    assert r.decided_at == T0  # the first decision is the one the deadline measures


def test_rape_cancellation_waits_for_registrar_and_still_counts() -> None:
    r = crime()
    r.request_cancellation(CancellationCode.C2, "Verified alibi", AVI, "olive", T0, POLICY)
    assert r.status is Status.CRIME
    assert r.counts_as_crime
    assert r.pending_cancellation is not None
    assert "CAN-3" in rules_of(r)
    with pytest.raises(NotPermitted, match="registrar"):
        r.authorise_cancellation("oscar", "officer", T0, POLICY)
    with pytest.raises(NotPermitted, match="asked for"):
        r.authorise_cancellation("olive", "registrar", T0, POLICY)
    r.authorise_cancellation("rita", "registrar", T0 + timedelta(days=1), POLICY)
    assert r.status is Status.CANCELLED
    assert not r.counts_as_crime
    assert r.cancellations[0].state is CancellationState.APPLIED
    assert "CAN-4" in rules_of(r)  # nobody has told the complainant yet
    r.inform_complainant("olive", T0 + timedelta(days=2), "letter")
    assert "CAN-4" not in rules_of(r)


def test_authorisation_policy_can_be_switched_off() -> None:
    policy = ForcePolicy(rape_cancellation_needs_authorisation=False)
    r = crime()
    r.request_cancellation(CancellationCode.C2, "Verified alibi", AVI, "olive", T0, policy)
    assert r.status is Status.CANCELLED


def test_non_rape_cancellation_applies_at_once_and_n100_waits() -> None:
    r = crime("20A")
    r.request_cancellation(
        CancellationCode.C4,
        "Keyed twice by the call handler",
        "duplicate keying",
        "olive",
        T0,
        POLICY,
    )
    assert r.status is Status.CANCELLED
    n = incident()
    n.classify_n100("Not yet a rape offence on the account", "olive", T0, POLICY)
    n.request_cancellation(CancellationCode.C2, "Verified alibi", AVI, "olive", T0, POLICY)
    assert n.status is Status.N100
    assert n.pending_cancellation is not None


def test_transfer_goes_to_transferred() -> None:
    r = crime()
    r.request_cancellation(
        CancellationCode.C1, "Offence happened in Essex", "Essex", "olive", T0, POLICY
    )
    r.authorise_cancellation("rita", "registrar", T0, POLICY)
    assert r.status is Status.TRANSFERRED


def test_refused_cancellation_leaves_the_crime_standing_and_a_new_request_is_possible() -> None:
    r = crime()
    r.request_cancellation(CancellationCode.C2, "Verified alibi", AVI, "olive", T0, POLICY)
    with pytest.raises(InvalidTransition):
        r.refuse_cancellation("rita", "registrar", T0, POLICY, " ")
    r.refuse_cancellation("rita", "registrar", T0, POLICY, "The alibi is not verified")
    assert r.status is Status.CRIME
    assert r.pending_cancellation is None
    r.request_cancellation(
        CancellationCode.C2, "Verified alibi", AVI + " (statement 2)", "olive", T0, POLICY
    )
    assert len(r.cancellations) == 2


def test_lifecycle_refuses_impossible_moves() -> None:
    r = crime("20A")
    r.request_cancellation(
        CancellationCode.C4, "Keyed twice", "duplicate keying", "olive", T0, POLICY
    )
    with pytest.raises(InvalidTransition):
        r.classify_crime("19C", "olive", T0, POLICY)
    with pytest.raises(InvalidTransition):
        r.request_cancellation(CancellationCode.C4, "again", "again", "olive", T0, POLICY)
    with pytest.raises(InvalidTransition):
        incident().request_cancellation(CancellationCode.C4, "x", "y", "olive", T0, POLICY)
    with pytest.raises(InvalidTransition):
        incident().inform_complainant("olive", T0)
    with pytest.raises(InvalidTransition):
        crime().authorise_cancellation("rita", "registrar", T0, POLICY)


def test_every_change_is_an_event_with_its_facts() -> None:
    r = crime()
    r.request_cancellation(CancellationCode.C2, "Verified alibi", AVI, "olive", T0, POLICY)
    r.authorise_cancellation("rita", "registrar", T0, POLICY, note="checked")
    kinds = [e.kind for e in r.events]
    assert kinds == [
        EventKind.CLASSIFIED,
        EventKind.CANCELLATION_REQUESTED,
        EventKind.CANCELLATION_AUTHORISED,
    ]
    assert r.events[1].payload["evidence"] == AVI
    assert r.events[2].actor == "rita"


def test_recorded_payload_holds_every_fact() -> None:
    r = crime()
    payload = r.recorded_payload("cli")
    assert payload["source"] == "cli"
    assert payload["offence_code"] == "19C"
    assert payload["reported_at"] == T0.isoformat()
