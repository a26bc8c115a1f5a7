"""Duties to tell the victim of key decisions (VC-1), updates naming decisions (VC-2), and a
no-further-action decision's ground (VC-3)."""

from datetime import UTC, datetime, timedelta

import pytest

from caselink.domain.errors import InvalidRequest, RuleViolation
from caselink.domain.journey import (
    AppliedCancellation,
    Duty,
    DutyState,
    Step,
    StepKind,
    derive_duties,
)
from caselink.domain.report import Report
from caselink.domain.rules.cancellation import CancellationCode
from caselink.domain.rules.policy import ForcePolicy
from caselink.domain.rules.victims_code import (
    check_update_names_decision,
    duty_state,
    update_due_at,
)
from caselink.domain.working_days import LONDON

K = StepKind
POLICY = ForcePolicy()
T0 = datetime(2024, 3, 4, 9, tzinfo=UTC)  # Monday 4 March 2024, 09:00 in London
ARRESTED_AT = datetime(2024, 3, 5, 10, tzinfo=UTC)  # Tuesday
DUE = datetime(2024, 3, 6, 23, 59, 59, 999999, tzinfo=UTC)  # end of Wednesday in London
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def step(kind: StepKind, at: datetime, **details: str) -> Step:
    return Step(kind=kind, at=at, details=details)


def told(decision: str, decision_at: datetime, at: datetime, how: str = "phone") -> Step:
    return step(
        K.VICTIM_UPDATED, at, decision=decision, decision_at=decision_at.isoformat(), how=how
    )


ARREST = step(K.ARRESTED, ARRESTED_AT)


def only_duty(steps: list[Step], now: datetime = NOW, policy: ForcePolicy = POLICY) -> Duty:
    [duty] = derive_duties(steps, [], policy, now)
    return duty


# -- duty states --------------------------------------------------------------------------------


def test_vc1_told_by_the_end_of_the_next_working_day_is_met() -> None:
    duty = only_duty([ARREST, told("arrested", ARRESTED_AT, DUE)])
    assert (duty.decision, duty.decision_at, duty.due_at) == ("arrested", ARRESTED_AT, DUE)
    assert duty.state is DutyState.MET
    assert (duty.told_at, duty.told_how, duty.declined) == (DUE, "phone", False)
    assert duty.finding() is None


def test_vc1_told_after_the_due_time_is_late_and_flagged() -> None:
    late = DUE + timedelta(microseconds=1)
    duty = only_duty([ARREST, told("arrested", ARRESTED_AT, late)])
    assert duty.state is DutyState.LATE
    finding = duty.finding()
    assert finding is not None
    assert finding.rule.id == "VC-1"
    assert "told of the arrest of Tue 05 Mar 2024 10:00 on Thu 07 Mar 2024 00:00" in (
        finding.message
    )
    assert "2 working days after it" in finding.message


def test_vc1_not_told_and_past_due_is_overdue() -> None:
    duty = only_duty([ARREST])
    assert duty.state is DutyState.OVERDUE
    assert duty.told_at is None
    finding = duty.finding()
    assert finding is not None
    assert finding.rule.id == "VC-1"
    assert "no record that the victim was told of the arrest" in finding.message


def test_vc1_not_told_and_not_yet_due_is_due() -> None:
    duty = only_duty([ARREST], now=ARRESTED_AT + timedelta(hours=3))
    assert duty.state is DutyState.DUE
    assert duty.finding() is None


def test_vc1_a_victim_who_declined_updates_before_the_due_time_is_owed_none() -> None:
    declined = step(K.UPDATES_DECLINED, ARRESTED_AT + timedelta(hours=1))
    duty = only_duty([ARREST, declined])
    assert duty.state is DutyState.DECLINED
    assert duty.declined
    assert duty.declined_at == declined.at
    assert duty.finding() is None
    # An opt-out given before the decision holds for it too.
    early = step(K.UPDATES_DECLINED, T0)
    assert only_duty([early, ARREST]).state is DutyState.DECLINED


def test_vc1_a_decline_after_a_missed_due_time_does_not_cure_the_breach() -> None:
    declined = step(K.UPDATES_DECLINED, DUE + timedelta(days=3))
    assert only_duty([ARREST, declined]).state is DutyState.OVERDUE


def test_vc1_telling_the_victim_meets_the_duty_even_after_a_decline() -> None:
    steps = [ARREST, step(K.UPDATES_DECLINED, ARRESTED_AT), told("arrested", ARRESTED_AT, DUE)]
    assert only_duty(steps).state is DutyState.MET


def test_vc1_the_first_update_counts() -> None:
    steps = [
        ARREST,
        told("arrested", ARRESTED_AT, DUE + timedelta(days=2)),
        told("arrested", ARRESTED_AT, ARRESTED_AT + timedelta(hours=2)),
    ]
    duty = only_duty(steps)
    assert duty.state is DutyState.MET
    assert duty.told_at == ARRESTED_AT + timedelta(hours=2)


def test_vc1_duties_are_judged_as_they_stood_at_now() -> None:
    update = told("arrested", ARRESTED_AT, DUE + timedelta(days=1))
    # Before the update was given, and after the due time: overdue, not late.
    assert only_duty([ARREST, update], now=DUE + timedelta(hours=1)).state is DutyState.OVERDUE
    assert only_duty([ARREST, update]).state is DutyState.LATE
    # A decision after now creates no duty yet.
    assert derive_duties([ARREST], [], POLICY, ARRESTED_AT - timedelta(seconds=1)) == []


def test_vc1_standard_rights_give_five_working_days() -> None:
    standard = ForcePolicy(enhanced_rights=False)
    # Tuesday 5 March + 5 working days: Tuesday 12 March.
    due = datetime(2024, 3, 12, 23, 59, 59, 999999, tzinfo=UTC)
    assert update_due_at(ARRESTED_AT, standard) == due
    assert only_duty([ARREST, told("arrested", ARRESTED_AT, due)], policy=standard).state is (
        DutyState.MET
    )
    assert update_due_at(ARRESTED_AT, ForcePolicy(enhanced_update_working_days=2)) == (
        DUE + timedelta(days=1)
    )


def test_vc1_due_over_christmas_2021() -> None:
    # A charge at 16:00 on Thursday 23 Dec 2021 is due by the end of Friday 24 Dec; one on the
    # Friday is due by the end of Wednesday 29 Dec (27 and 28 were substitute bank holidays).
    thursday = datetime(2021, 12, 23, 16, tzinfo=UTC)
    friday = datetime(2021, 12, 24, 16, tzinfo=UTC)
    assert update_due_at(thursday, POLICY) == datetime(2021, 12, 24, 23, 59, 59, 999999, tzinfo=UTC)
    assert update_due_at(friday, POLICY) == datetime(2021, 12, 29, 23, 59, 59, 999999, tzinfo=UTC)


def test_vc1_a_decision_at_23_30_on_a_friday_is_due_by_monday_night() -> None:
    friday_night = datetime(2024, 6, 28, 23, 30, tzinfo=LONDON)
    due = update_due_at(friday_night, POLICY)
    assert due == datetime(2024, 7, 1, 23, 59, 59, 999999, tzinfo=LONDON)
    steps = [step(K.ARRESTED, friday_night), told("arrested", friday_night, due)]
    assert only_duty(steps).state is DutyState.MET


@pytest.mark.parametrize(
    ("kind", "details"),
    [
        (K.ARRESTED, {}),
        (K.INTERVIEWED, {}),
        (K.RELEASED, {"release": "bail"}),
        (K.CHARGED, {"route": "charge"}),
        (K.NO_FURTHER_ACTION, {"ground": "evidential test not met"}),
    ],
)
def test_vc1_each_key_decision_creates_a_duty(kind: StepKind, details: dict[str, str]) -> None:
    assert only_duty([step(kind, ARRESTED_AT, **details)]).decision == kind.value


@pytest.mark.parametrize(
    ("kind", "details"),
    [
        (K.ATTENDED, {}),
        (K.SUSPECT_IDENTIFIED, {}),
        (K.FILE_TO_CPS, {}),
        (K.VERDICT, {"verdict": "acquitted"}),
        (K.OUTCOME, {"code": "18"}),
    ],
)
def test_vc1_other_steps_create_no_duty(kind: StepKind, details: dict[str, str]) -> None:
    assert derive_duties([step(kind, ARRESTED_AT, **details)], [], POLICY, NOW) == []


@pytest.mark.parametrize(
    ("told_at", "declined_at", "now", "state"),
    [
        (DUE, None, NOW, DutyState.MET),
        (DUE + timedelta(seconds=1), None, NOW, DutyState.LATE),
        (None, None, NOW, DutyState.OVERDUE),
        (None, None, DUE, DutyState.DUE),
        (None, DUE, NOW, DutyState.DECLINED),
        (None, DUE + timedelta(seconds=1), NOW, DutyState.OVERDUE),
        (DUE + timedelta(days=1), None, DUE + timedelta(hours=1), DutyState.OVERDUE),
    ],
)
def test_vc1_duty_state(
    told_at: datetime | None, declined_at: datetime | None, now: datetime, state: DutyState
) -> None:
    assert duty_state(DUE, told_at, declined_at, now) is state


# -- the cancellation of the crime record is a decision too ---------------------------------------


def cancelled_report() -> Report:
    r = Report(force="Kent", reference="K1", reported_at=T0)
    r.classify_crime("19C", "olive", T0 + timedelta(hours=2), POLICY)
    r.request_cancellation(
        CancellationCode.C2,
        "CCTV shows the complainant elsewhere",
        "CCTV ref 5",
        "olive",
        ARRESTED_AT,
        POLICY,
    )
    r.authorise_cancellation("fcr", "registrar", ARRESTED_AT + timedelta(hours=1), POLICY)
    return r


def test_vc1_an_applied_cancellation_creates_a_duty_from_its_authorisation() -> None:
    r = cancelled_report()
    [duty] = r.duties(POLICY, NOW)
    assert (duty.decision, duty.decision_at) == ("cancellation", ARRESTED_AT + timedelta(hours=1))
    assert duty.state is DutyState.OVERDUE


def test_vc1_a_cancellation_duty_is_met_by_informing_the_complainant() -> None:
    r = cancelled_report()
    r.inform_complainant("olive", ARRESTED_AT + timedelta(hours=5), "phone")
    [duty] = r.duties(POLICY, NOW)
    assert duty.state is DutyState.MET
    assert duty.told_at == ARRESTED_AT + timedelta(hours=5)


def test_vc1_and_vc2_a_cancellation_duty_is_met_by_an_update_naming_it() -> None:
    r = cancelled_report()
    applied = ARRESTED_AT + timedelta(hours=1)
    r.record_step(told("cancellation", applied, DUE), "olive", NOW, POLICY)
    [duty] = r.duties(POLICY, NOW)
    assert duty.state is DutyState.MET
    with pytest.raises(RuleViolation) as caught:
        r.record_step(told("cancellation", ARRESTED_AT, DUE), "olive", NOW, POLICY)
    assert caught.value.rule.id == "VC-2"


def test_vc1_a_pending_cancellation_creates_no_duty() -> None:
    r = Report(force="Kent", reference="K1", reported_at=T0)
    r.classify_crime("19C", "olive", T0, POLICY)
    r.request_cancellation(CancellationCode.C2, "alibi", "CCTV ref 5", "olive", ARRESTED_AT, POLICY)
    assert r.pending_cancellation is not None
    assert r.duties(POLICY, NOW) == []


def test_derive_duties_takes_applied_cancellations_as_given() -> None:
    informed = AppliedCancellation(ARRESTED_AT, informed_at=ARRESTED_AT + timedelta(days=3))
    [duty] = derive_duties([], [informed], POLICY, NOW)
    assert duty.state is DutyState.LATE


# -- findings -----------------------------------------------------------------------------------


def journey_report(*steps: Step) -> Report:
    r = Report(force="Kent", reference="K1", reported_at=T0)
    for s in steps:
        r.record_step(s, "olive", NOW, POLICY)
    return r


def test_findings_flag_late_and_overdue_duties_never_met_due_or_declined() -> None:
    interviewed_at = ARRESTED_AT + timedelta(hours=4)
    charged_at = datetime(2024, 4, 2, 10, tzinfo=UTC)
    r = journey_report(
        ARREST,
        step(K.INTERVIEWED, interviewed_at),
        told("interviewed", interviewed_at, interviewed_at + timedelta(hours=1)),  # met
        told("arrested", ARRESTED_AT, DUE + timedelta(days=2)),  # late
        step(K.CHARGED, charged_at, route="charge"),  # overdue by NOW
    )
    messages = [f.message for f in r.findings(POLICY, NOW) if f.rule.id == "VC-1"]
    assert len(messages) == 2
    assert "told of the arrest" in messages[0]
    assert "no record that the victim was told of the charge" in messages[1]
    # Judged just after the charge, it is still due: only the late arrest is flagged.
    early = r.findings(POLICY, charged_at + timedelta(hours=1))
    assert [f.message for f in early] == messages[:1]


def test_findings_without_now_judge_at_the_latest_moment_the_report_records() -> None:
    r = journey_report(ARREST)
    # The arrest is the latest fact: its update is not yet due at that moment.
    assert not r.findings(POLICY)
    r.record_step(step(K.INTERVIEWED, DUE + timedelta(days=1)), "olive", NOW, POLICY)
    assert [f.rule.id for f in r.findings(POLICY)] == ["VC-1"]


def test_findings_of_a_declined_victim_are_empty() -> None:
    r = journey_report(step(K.UPDATES_DECLINED, T0 + timedelta(hours=1)), ARREST)
    assert r.findings(POLICY, NOW) == []


def test_record_step_returns_the_finding_of_the_duty_it_concerns() -> None:
    r = journey_report(ARREST)
    findings = r.record_step(
        told("arrested", ARRESTED_AT, DUE + timedelta(days=4)), "o", NOW, POLICY
    )
    assert [f.rule.id for f in findings] == ["VC-1"]
    # Recording a decision after its update was due: overdue at once.
    findings = r.record_step(
        step(K.INTERVIEWED, ARRESTED_AT + timedelta(hours=1)), "o", NOW, POLICY
    )
    assert ["no record" in f.message for f in findings] == [True]
    # A step that is no decision concerns no duty.
    assert r.record_step(step(K.ATTENDED, T0), "o", NOW, POLICY) == []


# -- VC-2 ---------------------------------------------------------------------------------------


def test_vc2_an_update_for_a_decision_that_did_not_happen_is_refused() -> None:
    r = journey_report(ARREST)
    for update in (
        told("charged", ARRESTED_AT, DUE),  # no charge at all
        told("arrested", ARRESTED_AT + timedelta(minutes=1), DUE),  # no arrest at that time
        told("cancellation", ARRESTED_AT, DUE),  # no cancellation
    ):
        with pytest.raises(RuleViolation) as caught:
            r.record_step(update, "olive", NOW, POLICY)
        assert caught.value.rule.id == "VC-2"
        assert "records no such decision" in str(caught.value)
    assert len(r.journey) == 1


def test_vc2_an_update_cannot_come_before_the_decision_it_tells_of() -> None:
    r = journey_report(ARREST)
    with pytest.raises(RuleViolation) as caught:
        r.record_step(
            told("arrested", ARRESTED_AT, ARRESTED_AT - timedelta(hours=1)), "o", NOW, POLICY
        )
    assert caught.value.rule.id == "VC-2"
    with pytest.raises(RuleViolation, match="taken later") as direct:
        check_update_names_decision("arrested", ARRESTED_AT, T0, {("arrested", ARRESTED_AT)})
    assert direct.value.rule.id == "VC-2"


def test_vc2_an_update_may_name_a_decision_by_any_spelling_of_its_time() -> None:
    r = journey_report(ARREST)
    in_london = ARRESTED_AT.astimezone(LONDON).isoformat()
    update = step(K.VICTIM_UPDATED, DUE, decision="arrested", decision_at=in_london, how="letter")
    r.record_step(update, "olive", NOW, POLICY)
    assert r.duties(POLICY, NOW)[0].state is DutyState.MET


# -- VC-3 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("details", [{}, {"ground": ""}, {"ground": "   "}])
def test_vc3_no_further_action_needs_its_ground(details: dict[str, str]) -> None:
    r = journey_report(ARREST)
    with pytest.raises(RuleViolation) as caught:
        r.record_step(step(K.NO_FURTHER_ACTION, DUE, **details), "olive", NOW, POLICY)
    assert caught.value.rule.id == "VC-3"
    assert "ask for it to be reviewed" in str(caught.value)


def test_vc1_two_decisions_of_one_kind_at_one_moment_are_one_duty() -> None:
    # two suspects arrested together: one update, naming the kind and the time, tells of both
    other = step(K.ARRESTED, ARRESTED_AT, suspect="the second suspect")
    duty = only_duty([ARREST, other, told("arrested", ARRESTED_AT, DUE)])
    assert (duty.decision_at, duty.state) == (ARRESTED_AT, DutyState.MET)


def test_the_same_step_recorded_twice_is_refused_and_changes_nothing() -> None:
    r = Report(force="Kent", reference="K1", reported_at=T0)
    r.record_step(ARREST, "olive", NOW, POLICY)
    steps, events = list(r.journey), list(r.events)
    with pytest.raises(InvalidRequest, match="already recorded"):
        r.record_step(step(K.ARRESTED, ARRESTED_AT), "olive", NOW, POLICY)
    assert (r.journey, r.events) == (steps, events)
