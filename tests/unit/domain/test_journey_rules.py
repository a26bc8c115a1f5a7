"""The order rules of the victim's journey (JNY-*, INV-*, OUT-*), each refusal citing its rule."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caselink.domain.errors import InvalidValue, RuleViolation
from caselink.domain.events import EventKind
from caselink.domain.journey import Step, StepKind
from caselink.domain.outcome_types import OUTCOME_TYPES, OutcomeGroup, parse_outcome_types
from caselink.domain.report import Report
from caselink.domain.rules.catalogue import ALL_RULES
from caselink.domain.rules.journey import AFTER_CLOSE, check_details, check_journey, check_steps
from caselink.domain.rules.policy import ForcePolicy

K = StepKind
T0 = datetime(2024, 3, 4, 9, tzinfo=UTC)  # a Monday
NOW = T0 + timedelta(days=400)
POLICY = ForcePolicy()


def step(kind: StepKind, hours: float, **details: str) -> Step:
    return Step(kind=kind, at=T0 + timedelta(hours=hours), details=details)


def report(*steps: Step) -> Report:
    r = Report(force="Kent", reference="K1", reported_at=T0)
    for s in steps:
        r.record_step(s, "olive", NOW, POLICY)
    return r


def refused(r: Report, s: Step, now: datetime = NOW) -> RuleViolation:
    before_steps, before_events = list(r.journey), list(r.events)
    with pytest.raises(RuleViolation) as caught:
        r.record_step(s, "olive", now, POLICY)
    # A refusal leaves the report exactly as it was.
    assert r.journey == before_steps
    assert r.events == before_events
    return caught.value


ARREST = step(K.ARRESTED, 24)
CHARGE = step(K.CHARGED, 48, route="charge")
NFA = step(K.NO_FURTHER_ACTION, 48, ground="CPS advised the evidential test is not met")


# -- the catalogue ------------------------------------------------------------------------------


def test_every_journey_rule_is_in_the_catalogue_once_with_a_citation() -> None:
    ids = [r.id for r in ALL_RULES]
    assert len(ids) == len(set(ids))
    journey_ids = {"JNY-1", "JNY-2", "JNY-3", "INV-1", "INV-2", "INV-3", "INV-4", "OUT-1"}
    assert journey_ids | {"OUT-2", "VC-1", "VC-2", "VC-3"} <= set(ids)
    assert all(r.citation and r.title for r in ALL_RULES)


def test_every_step_kind_is_an_event_kind_with_the_same_value() -> None:
    for kind in StepKind:
        assert EventKind(kind.value).value == kind.value
    assert EventKind.JOURNEY_IMPORTED.value == "journey_imported"


# -- steps --------------------------------------------------------------------------------------


def test_a_step_keeps_its_time_in_utc_and_a_copy_of_its_details() -> None:
    details = {"release": "bail"}
    s = Step(
        kind=K.RELEASED, at=datetime.fromisoformat("2024-07-01T10:00:00+01:00"), details=details
    )
    details["release"] = "under_investigation"
    assert s.at == datetime(2024, 7, 1, 9, tzinfo=UTC)
    assert s.at.tzinfo is UTC
    assert s.details == {"release": "bail"}


def test_a_step_without_its_offset_or_with_odd_details_is_refused() -> None:
    with pytest.raises(InvalidValue, match="offset"):
        Step(kind=K.ARRESTED, at=datetime(2024, 3, 4, 9), details={})
    with pytest.raises(InvalidValue, match="strings"):
        Step(kind=K.ATTENDED, at=T0, details={"trained_officer": True})  # type: ignore[dict-item]


# -- JNY-1 --------------------------------------------------------------------------------------


def test_jny1_a_step_in_the_future_is_refused() -> None:
    now = T0 + timedelta(days=2)
    caught = refused(report(), step(K.ARRESTED, 49), now)
    assert caught.rule.id == "JNY-1"
    assert "in the future" in str(caught)


def test_jny1_a_step_before_first_contact_is_refused() -> None:
    caught = refused(report(), step(K.ATTENDED, -1))
    assert caught.rule.id == "JNY-1"
    assert "before the report's first contact" in str(caught)


def test_jny1_a_step_at_first_contact_or_at_now_is_accepted() -> None:
    r = report(step(K.ATTENDED, 0))
    r.record_step(step(K.NEEDS_ASSESSED, 5), "olive", T0 + timedelta(hours=5), POLICY)
    assert [s.kind for s in r.journey] == [K.ATTENDED, K.NEEDS_ASSESSED]


# -- JNY-2 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("details", "words"),
    [
        ({"answer": "accepted"}, "needs its service"),
        ({"service": "sarc"}, "needs its answer"),
        ({"service": "counsellor", "answer": "accepted"}, "service 'counsellor' must be one of"),
        ({"service": "isva", "answer": "maybe"}, "answer 'maybe' must be one of"),
        ({"service": "sarc", "answer": "not_appropriate"}, "needs the reason why"),
        ({"service": "sarc", "answer": "not_appropriate", "reason": "  "}, "needs the reason"),
        ({"service": "other", "answer": "accepted"}, "needs its description"),
    ],
)
def test_jny2_a_referral_names_its_service_and_answer(details: dict[str, str], words: str) -> None:
    caught = refused(report(), step(K.REFERRAL, 2, **details))
    assert caught.rule.id == "JNY-2"
    assert words in str(caught)


@pytest.mark.parametrize(
    "details",
    [
        {"service": "sarc", "answer": "accepted"},
        {"service": "isva", "answer": "declined"},  # a decline is a valid answer
        {"service": "sarc", "answer": "not_appropriate", "reason": "offence over 7 days ago"},
        {"service": "other", "answer": "accepted", "description": "Rape Crisis counselling"},
    ],
)
def test_jny2_valid_referrals_are_accepted(details: dict[str, str]) -> None:
    assert report(step(K.REFERRAL, 2, **details)).journey[0].details == details


# -- JNY-3 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("s", "words"),
    [
        (step(K.ARRESTED, 1, reason="x"), "has no field 'reason'"),
        (step(K.RELEASED, 1, release="maybe"), "release 'maybe' must be one of"),
        (step(K.ATTENDED, 1, trained_officer="yes"), "must be one of: true, false"),
        (step(K.FILE_TO_CPS, 1, purpose="lunch"), "must be one of: advice, charging_decision"),
        (step(K.CPS_DECISION, 1), "needs its decision"),
        (step(K.VRR_DECIDED, 1, result="maybe"), "must be one of: upheld, overturned"),
        (step(K.VERDICT, 1), "needs its verdict"),
        (step(K.REOPENED, 1, reason=" "), "needs its reason"),
        (step(K.VICTIM_UPDATED, 1, decision="arrested"), "needs its decision_at"),
        (
            step(K.VICTIM_UPDATED, 1, decision="arrested", decision_at="yesterday"),
            "not an ISO 8601 time with its offset",
        ),
        (
            step(K.VICTIM_UPDATED, 1, decision="arrested", decision_at="2024-03-04T09:00:00"),
            "not an ISO 8601 time with its offset",
        ),
        (
            step(K.VICTIM_UPDATED, 1, decision="lunch", decision_at="2024-03-04T09:00:00Z"),
            "decision 'lunch' must be one of",
        ),
        (
            step(K.VICTIM_UPDATED, 1, decision="arrested", decision_at=T0.isoformat(), how="owl"),
            "how 'owl' must be one of",
        ),
    ],
)
def test_jny3_a_step_holds_only_the_details_its_kind_allows(s: Step, words: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        check_details(s)
    assert caught.value.rule.id == "JNY-3"
    assert words in str(caught.value)


def test_jny3_blank_optional_fields_mean_unknown() -> None:
    check_details(step(K.RELEASED, 1, release=""))
    check_details(step(K.ATTENDED, 1, officer="PC 1234", trained_officer="false"))


def test_steps_whose_details_were_checked_are_judged_by_every_other_rule() -> None:
    # an import's parser checks each row's details; judging its rows leaves only that out
    odd = step(K.ARRESTED, 24, colour="blue")
    with pytest.raises(RuleViolation) as caught:
        check_steps([], [odd], first_contact=T0, now=NOW)
    assert caught.value.rule.id == "JNY-3"
    check_steps([], [odd], first_contact=T0, now=NOW, details_checked=True)
    for refused_step, rule in ((CHARGE, "INV-1"), (step(K.ARRESTED, -1), "JNY-1")):
        with pytest.raises(RuleViolation) as caught:
            check_steps([], [refused_step], first_contact=T0, now=NOW, details_checked=True)
        assert caught.value.rule.id == rule


# -- INV-1 --------------------------------------------------------------------------------------


def test_inv1_a_charge_without_an_arrest_or_a_cps_decision_to_charge_is_refused() -> None:
    caught = refused(report(), CHARGE)
    assert caught.rule.id == "INV-1"
    assert "needs an earlier arrest" in str(caught)


def test_inv1_a_charge_after_an_arrest_is_accepted() -> None:
    assert report(ARREST, CHARGE).journey[-1] is CHARGE


def test_inv1_a_summons_after_a_cps_decision_to_charge_is_accepted() -> None:
    r = report(
        step(K.FILE_TO_CPS, 10, purpose="charging_decision"),
        step(K.CPS_DECISION, 20, decision="charge"),
        step(K.CHARGED, 30, route="summons"),
    )
    assert r.journey[-1].kind is K.CHARGED


def test_inv1_a_cps_request_for_more_work_is_no_decision_to_charge() -> None:
    r = report(
        step(K.FILE_TO_CPS, 10, purpose="advice"), step(K.CPS_DECISION, 20, decision="more_work")
    )
    assert refused(r, step(K.CHARGED, 30, route="summons")).rule.id == "INV-1"


def test_inv1_an_arrest_after_the_charge_does_not_count() -> None:
    r = report(step(K.ARRESTED, 60))
    assert refused(r, CHARGE).rule.id == "INV-1"


# -- INV-2 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [K.FIRST_HEARING, K.VERDICT])
def test_inv2_a_hearing_or_verdict_needs_an_earlier_charge(kind: StepKind) -> None:
    details = {"verdict": "convicted_rape"} if kind is K.VERDICT else {}
    caught = refused(report(ARREST), step(kind, 72, **details))
    assert caught.rule.id == "INV-2"
    assert "needs an earlier charge" in str(caught)
    r = report(ARREST, CHARGE, step(kind, 72, **details))
    assert r.journey[-1].kind is kind


# -- INV-3 --------------------------------------------------------------------------------------


def test_inv3_a_cps_decision_needs_an_earlier_file() -> None:
    caught = refused(report(), step(K.CPS_DECISION, 20, decision="charge"))
    assert caught.rule.id == "INV-3"
    r = report(step(K.FILE_TO_CPS, 10), step(K.CPS_DECISION, 20, decision="nfa_evidential"))
    assert len(r.journey) == 2


# -- INV-4 --------------------------------------------------------------------------------------


def test_inv4_a_review_request_needs_an_earlier_decision_not_to_proceed() -> None:
    caught = refused(report(ARREST), step(K.VRR_REQUESTED, 60))
    assert caught.rule.id == "INV-4"
    assert "no further action" in str(caught)
    assert report(NFA, step(K.VRR_REQUESTED, 60)).journey[-1].kind is K.VRR_REQUESTED


def test_inv4_a_cps_decision_not_to_charge_may_be_reviewed_too() -> None:
    r = report(
        step(K.FILE_TO_CPS, 10),
        step(K.CPS_DECISION, 20, decision="nfa_public_interest"),
        step(K.VRR_REQUESTED, 30),
    )
    assert r.journey[-1].kind is K.VRR_REQUESTED


def test_inv4_a_review_decision_needs_a_request_not_yet_decided() -> None:
    assert refused(report(NFA), step(K.VRR_DECIDED, 60, result="upheld")).rule.id == "INV-4"
    r = report(NFA, step(K.VRR_REQUESTED, 60), step(K.VRR_DECIDED, 70, result="upheld"))
    caught = refused(r, step(K.VRR_DECIDED, 80, result="overturned"))
    assert caught.rule.id == "INV-4"
    assert "not yet decided" in str(caught)


# -- OUT-1 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["0", "23", "99", "16a", "sixteen"])
def test_out1_an_unknown_outcome_code_is_refused(code: str) -> None:
    caught = refused(report(ARREST), step(K.OUTCOME, 60, code=code))
    assert caught.rule.id == "OUT-1"
    assert "not a Home Office outcome type" in str(caught)


def test_out1_an_outcome_needs_its_code() -> None:
    assert refused(report(ARREST), step(K.OUTCOME, 60)).rule.id == "OUT-1"


def test_out1_outcome_1_needs_a_charge() -> None:
    caught = refused(report(ARREST), step(K.OUTCOME, 60, code="1"))
    assert caught.rule.id == "OUT-1"
    assert "needs a charge" in str(caught)
    assert report(ARREST, CHARGE, step(K.OUTCOME, 60, code="1")).outcome == "1"


@pytest.mark.parametrize("code", ["15", "16"])
def test_out1_outcomes_15_and_16_need_an_identified_suspect(code: str) -> None:
    caught = refused(report(step(K.ATTENDED, 1)), step(K.OUTCOME, 60, code=code))
    assert caught.rule.id == "OUT-1"
    assert "none is identified" in str(caught)
    r = report(step(K.SUSPECT_IDENTIFIED, 5, person="S1"), step(K.OUTCOME, 60, code=code))
    assert r.outcome == code


@pytest.mark.parametrize("code", ["14", "18"])
@pytest.mark.parametrize("naming", [K.SUSPECT_IDENTIFIED, K.ARRESTED, K.INTERVIEWED])
def test_out1_outcomes_14_and_18_need_no_identified_suspect(code: str, naming: StepKind) -> None:
    caught = refused(report(step(naming, 5)), step(K.OUTCOME, 60, code=code))
    assert caught.rule.id == "OUT-1"
    assert "a suspect has been" in str(caught)
    assert report(step(K.ATTENDED, 1), step(K.OUTCOME, 60, code=code)).outcome == code


# -- OUT-2 --------------------------------------------------------------------------------------


def closed() -> Report:
    return report(ARREST, CHARGE, step(K.OUTCOME, 60, code="1"))


@pytest.mark.parametrize(
    "s",
    [
        step(K.INTERVIEWED, 70),
        step(K.ATTENDED, 70),
        step(K.UPDATES_DECLINED, 70),
        step(K.OUTCOME, 70, code="1"),
    ],
)
def test_out2_no_investigation_step_after_an_outcome_closes_the_report(s: Step) -> None:
    caught = refused(closed(), s)
    assert caught.rule.id == "OUT-2"
    assert "reopen it first" in str(caught)


def test_out2_proceedings_reviews_and_updates_continue_after_an_outcome() -> None:
    r = closed()
    r.record_step(step(K.FIRST_HEARING, 70), "olive", NOW, POLICY)
    r.record_step(step(K.VERDICT, 80, verdict="convicted_rape"), "olive", NOW, POLICY)
    told = step(K.VICTIM_UPDATED, 90, decision="charged", decision_at=CHARGE.at.isoformat())
    r.record_step(told, "olive", NOW, POLICY)
    assert r.is_closed
    assert {s.kind for s in r.journey} >= {K.FIRST_HEARING, K.VERDICT, K.VICTIM_UPDATED}
    assert K.VRR_REQUESTED in AFTER_CLOSE


def test_out2_reopening_needs_a_closed_report_and_opens_it() -> None:
    caught = refused(report(ARREST), step(K.REOPENED, 60, reason="new witness"))
    assert caught.rule.id == "OUT-2"
    assert "nothing to reopen" in str(caught)
    r = closed()
    r.record_step(step(K.REOPENED, 70, reason="new witness"), "olive", NOW, POLICY)
    assert r.outcome is None
    assert not r.is_closed
    r.record_step(step(K.INTERVIEWED, 80), "olive", NOW, POLICY)
    r.record_step(step(K.OUTCOME, 90, code="15"), "olive", NOW, POLICY)
    assert r.outcome == "15"


def test_out2_a_back_dated_outcome_cannot_close_before_later_steps() -> None:
    r = report(step(K.SUSPECT_IDENTIFIED, 5), ARREST, step(K.INTERVIEWED, 30))
    caught = refused(r, step(K.OUTCOME, 10, code="16"))
    assert caught.rule.id == "OUT-2"
    assert "would leave the later arrested" in str(caught)


def test_a_step_recorded_late_takes_its_place_in_the_timeline() -> None:
    # The arrest is recorded after the charge was refused, dated before the charge's time.
    r = report()
    refused(r, CHARGE)
    r.record_step(ARREST, "olive", NOW, POLICY)
    r.record_step(CHARGE, "olive", NOW, POLICY)
    r.record_step(step(K.ATTENDED, 1), "olive", NOW, POLICY)  # back-dated: fine
    assert [s.kind for s in r.journey] == [K.ARRESTED, K.CHARGED, K.ATTENDED]  # as recorded
    check_journey(r.journey)


# -- the aggregate ------------------------------------------------------------------------------


def test_record_step_emits_an_event_of_the_steps_kind_with_its_time_and_details() -> None:
    r = Report(force="Kent", reference="K1", reported_at=T0)
    released = step(K.RELEASED, 30, release="under_investigation")
    r.record_step(released, "olive", NOW, POLICY)
    [event] = r.events
    assert event.kind is EventKind.RELEASED
    assert (event.actor, event.at) == ("olive", NOW)
    assert event.payload == {"at": released.at.isoformat(), "release": "under_investigation"}


def test_import_steps_is_all_or_nothing_and_one_event() -> None:
    r = Report(force="Kent", reference="K1", reported_at=T0)
    with pytest.raises(RuleViolation) as caught:
        r.import_steps([ARREST, step(K.VERDICT, 40, verdict="acquitted")], "imp", NOW, "j")
    assert caught.value.rule.id == "INV-2"
    assert (r.journey, r.events) == ([], [])
    r.import_steps([ARREST, CHARGE], "imp", NOW, "journey.csv")
    [event] = r.events
    assert event.kind is EventKind.JOURNEY_IMPORTED
    assert event.payload["source"] == "journey.csv"
    assert [d["step"] for d in event.payload["steps"]] == ["arrested", "charged"]
    assert r.journey == [ARREST, CHARGE]


def test_suspect_identified_outcome_and_closure() -> None:
    r = report(step(K.ATTENDED, 1))
    assert (r.suspect_identified, r.outcome, r.is_closed) == (False, None, False)
    r.record_step(step(K.SUSPECT_IDENTIFIED, 5, person="S1"), "olive", NOW, POLICY)
    r.record_step(step(K.OUTCOME, 60, code="16"), "olive", NOW, POLICY)
    assert (r.suspect_identified, r.outcome, r.is_closed) == (True, "16", True)


# -- the outcome types table --------------------------------------------------------------------


def test_the_outcome_table_has_all_22_home_office_types() -> None:
    assert list(OUTCOME_TYPES) == [str(n) for n in range(1, 23)]
    assert OUTCOME_TYPES["1"].title == "Charged/summonsed"
    assert OUTCOME_TYPES["1"].group is OutcomeGroup.CHARGED
    assert OUTCOME_TYPES["18"].group is OutcomeGroup.NO_SUSPECT
    assert {OUTCOME_TYPES[c].group for c in ("14", "15", "16")} == {
        OutcomeGroup.EVIDENTIAL_DIFFICULTIES
    }
    assert "does not support" in OUTCOME_TYPES["16"].title
    assert "not identified" in OUTCOME_TYPES["14"].title
    assert all(t.title for t in OUTCOME_TYPES.values())


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("code,title,group\n1,a,charged\n1,b,charged\n", "appears twice"),
        ("code,title,group\n1,,charged\n", "without its code or title"),
        ("code,title,group\n1,a,solved\n", "solved"),
    ],
)
def test_a_wrong_outcome_table_is_refused(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_outcome_types(text)


# -- properties of the order rules --------------------------------------------------------------

TEMPLATES: list[tuple[StepKind, dict[str, str]]] = [
    (K.ATTENDED, {}),
    (K.SUSPECT_IDENTIFIED, {}),
    (K.ARRESTED, {}),
    (K.INTERVIEWED, {}),
    (K.RELEASED, {"release": "bail"}),
    (K.FILE_TO_CPS, {"purpose": "charging_decision"}),
    (K.CPS_DECISION, {"decision": "charge"}),
    (K.CPS_DECISION, {"decision": "nfa_evidential"}),
    (K.CHARGED, {"route": "charge"}),
    (K.NO_FURTHER_ACTION, {"ground": "evidential test not met"}),
    (K.VRR_REQUESTED, {}),
    (K.VRR_DECIDED, {"result": "upheld"}),
    (K.FIRST_HEARING, {}),
    (K.VERDICT, {"verdict": "acquitted"}),
    (K.UPDATES_DECLINED, {}),
    (K.REOPENED, {"reason": "new evidence"}),
]
# Steps toward a trial come more often than outcomes, so that journeys reach a charge and a
# verdict, and run on past a first outcome.
TEMPLATES = (
    TEMPLATES * 2
    + [t for t in TEMPLATES if t[0] in (K.ARRESTED, K.CHARGED, K.FIRST_HEARING, K.VERDICT)] * 3
    + [(K.OUTCOME, {"code": code}) for code in ("1", "14", "15", "16", "18", "21")]
)


def _is_consistent(journey: list[Step]) -> bool:
    """An oracle written apart from the rules: what a sound journey looks like."""
    seen: list[Step] = []
    closed_ = False
    for s in journey:
        kinds = {p.kind for p in seen}
        cps = {p.details.get("decision") for p in seen if p.kind is K.CPS_DECISION}
        if s.kind in (K.VERDICT, K.FIRST_HEARING) and K.CHARGED not in kinds:
            return False
        if s.kind is K.CHARGED and K.ARRESTED not in kinds and "charge" not in cps:
            return False
        if s.kind is K.CPS_DECISION and K.FILE_TO_CPS not in kinds:
            return False
        if s.kind is K.OUTCOME and s.details["code"] == "1" and K.CHARGED not in kinds:
            return False
        if closed_ and s.kind not in AFTER_CLOSE:
            return False
        closed_ = (closed_ or s.kind is K.OUTCOME) and s.kind is not K.REOPENED
        seen.append(s)
    return True


@settings(max_examples=150, deadline=None)
@given(
    picks=st.lists(
        st.tuples(st.integers(0, len(TEMPLATES) - 1), st.integers(1, 500)),
        min_size=10,
        max_size=40,
    )
)
def test_any_journey_the_rules_accept_is_sound(picks: list[tuple[int, int]]) -> None:
    r = Report(force="Kent", reference="K1", reported_at=T0)
    hours = 0
    for index, gap in picks:
        hours += gap
        kind, details = TEMPLATES[index]
        try:
            r.record_step(step(kind, hours, **details), "olive", NOW, POLICY)
        except RuleViolation:
            continue
    assert _is_consistent(r.journey)
    check_journey(r.journey)
    # No verdict ever stands before a charge.
    for i, s in enumerate(r.journey):
        if s.kind is K.VERDICT:
            assert any(p.kind is K.CHARGED for p in r.journey[:i])


PATH: list[tuple[StepKind, dict[str, str]]] = [
    (K.ARRESTED, {}),
    (K.INTERVIEWED, {}),
    (K.CHARGED, {"route": "charge"}),
    (K.FIRST_HEARING, {}),
    (K.VERDICT, {"verdict": "convicted_rape"}),
    (K.OUTCOME, {"code": "1"}),
]


@settings(max_examples=150, deadline=None)
@given(order=st.permutations(range(len(PATH))))
def test_a_permutation_of_a_valid_path_is_accepted_only_in_a_sound_order(
    order: list[int],
) -> None:
    position = {PATH[i][0]: n for n, i in enumerate(order)}
    r = Report(force="Kent", reference="K1", reported_at=T0)
    refusals: dict[StepKind, str] = {}
    for n, i in enumerate(order):
        kind, details = PATH[i]
        try:
            r.record_step(step(kind, 10 * (n + 1), **details), "olive", NOW, POLICY)
        except RuleViolation as exc:
            refusals[kind] = exc.rule.id
    if position[K.CHARGED] < position[K.ARRESTED]:
        assert refusals[K.CHARGED] == "INV-1"
    sound = (
        position[K.ARRESTED] < position[K.CHARGED]
        and position[K.CHARGED] < min(position[K.FIRST_HEARING], position[K.VERDICT])
        and position[K.OUTCOME] > max(position[K.CHARGED], position[K.INTERVIEWED])
    )
    assert (not refusals) == sound


@settings(max_examples=200, deadline=None)
@given(
    picks=st.lists(
        st.tuples(st.integers(0, len(TEMPLATES) - 1), st.integers(0, 300)),
        min_size=1,
        max_size=25,
    ),
    split=st.integers(0, 25),
    shuffle=st.randoms(use_true_random=False),
    in_order=st.booleans(),
)
def test_judging_steps_together_gives_the_verdicts_of_judging_them_one_by_one(
    picks: list[tuple[int, int]], split: int, shuffle: random.Random, in_order: bool
) -> None:
    # import_steps judges new steps in one walk when they come after the history in time
    # order, and one by one otherwise: both must refuse exactly what record_step would.
    hours, steps = 0, []
    for index, gap in picks:
        hours += gap
        kind, details = TEMPLATES[index]
        made = step(kind, hours, **details)
        if made not in steps:  # the same step twice is one form sent twice, not a rule's matter
            steps.append(made)
    history, new = steps[: min(split, len(steps))], steps[min(split, len(steps)) :]
    if not in_order:
        shuffle.shuffle(new)
    one_by_one = Report(force="Kent", reference="K1", reported_at=T0)
    kept = []
    for s in history:
        try:
            one_by_one.record_step(s, "olive", NOW, POLICY)
            kept.append(s)
        except RuleViolation:
            continue
    together = Report(force="Kent", reference="K1", reported_at=T0, journey=list(kept))
    expected: str | None = None
    for s in new:
        try:
            one_by_one.record_step(s, "olive", NOW, POLICY)
        except RuleViolation as exc:
            expected = exc.rule.id
            break
    try:
        together.import_steps(new, "olive", NOW, "file.csv")
        got: str | None = None
    except RuleViolation as exc:
        got = exc.rule.id
    assert got == expected
