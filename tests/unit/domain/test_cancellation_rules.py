"""Cancellation rules: evidence per code, invalid grounds refused with the rule cited."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caselink.domain.errors import RuleViolation
from caselink.domain.rules.cancellation import (
    INVALID_GROUNDS,
    CancellationCode,
    check_cancellation,
    invalid_grounds_in,
    is_substantive,
)

AVI = "CCTV from the venue shows the complainant was elsewhere"


@pytest.mark.parametrize(
    ("rationale", "ground"),
    [
        ("The victim withdrew support for the investigation", "withdrawal"),
        ("Complainant does not wish to proceed", "withdrawal"),
        ("Insufficient evidence to charge", "insufficient_evidence"),
        ("No corroboration of the account", "insufficient_evidence"),
        ("Officer has doubts about the complainant's credibility", "credibility"),
        ("Inconsistent account given on second interview", "credibility"),
        ("CPS advised NFA", "no_further_action"),
        ("No further action to be taken", "no_further_action"),
        ("Delay in reporting of three years", "delay"),
    ],
)
def test_invalid_grounds_are_refused_citing_the_rule(rationale: str, ground: str) -> None:
    assert ground in {g.key for g in invalid_grounds_in(rationale)}
    with pytest.raises(RuleViolation) as caught:
        check_cancellation(CancellationCode.C2, rationale, AVI, "K1")
    assert caught.value.rule.id == "CAN-2"
    assert "not a ground to cancel" in str(caught.value)
    assert "Crime-recording: making the victim count" in str(caught.value)


@pytest.mark.parametrize(
    ("code", "evidence", "needed"),
    [
        (CancellationCode.C1, None, "receiving force or authority"),
        (CancellationCode.C2, "", "additional verifiable information"),
        (CancellationCode.C2, "n/a", "additional verifiable information"),
        (CancellationCode.C3, "   ", "reference of the crime"),
        (CancellationCode.C4, "none", "what the error was"),
    ],
)
def test_each_code_needs_its_evidence(
    code: CancellationCode, evidence: str | None, needed: str
) -> None:
    with pytest.raises(RuleViolation, match=needed) as caught:
        check_cancellation(code, "A rationale", evidence, "K1")
    assert caught.value.rule.id == "CAN-1"


def test_a_rationale_is_required() -> None:
    with pytest.raises(RuleViolation, match="needs a rationale"):
        check_cancellation(CancellationCode.C2, " ", AVI, "K1")


def test_c3_cannot_name_itself() -> None:
    with pytest.raises(RuleViolation, match="itself"):
        check_cancellation(CancellationCode.C3, "Duplicate", "K1", "K1")


def test_valid_cancellations_pass() -> None:
    check_cancellation(CancellationCode.C2, "Verified alibi: at work at the time", AVI, "K1")
    check_cancellation(CancellationCode.C3, "Same incident reported twice", "K0", "K1")
    check_cancellation(CancellationCode.C1, "Offence occurred in Essex", "Essex", "K1")
    # A transfer's rationale is about jurisdiction, so words like "delay" are no ground test.
    check_cancellation(CancellationCode.C1, "Delay in reporting; offence in Essex", "Essex", "K1")


_phrases = st.sampled_from(
    [
        "withdrew support",
        "insufficient evidence",
        "credibility",
        "no further action",
        "delay in reporting",
    ]
)


@given(prefix=st.text(max_size=40), phrase=_phrases, suffix=st.text(max_size=40))
def test_any_rationale_containing_an_invalid_ground_is_refused(
    prefix: str, phrase: str, suffix: str
) -> None:
    with pytest.raises(RuleViolation):
        check_cancellation(CancellationCode.C2, f"{prefix} {phrase} {suffix}", AVI, "K1")


@given(st.text())
def test_grounds_detection_never_fails_on_any_text(text: str) -> None:
    found = invalid_grounds_in(text)
    assert all(g in INVALID_GROUNDS for g in found)
    assert isinstance(is_substantive(text), bool)
