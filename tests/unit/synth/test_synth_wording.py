"""Officers' words: valid rationales rest on no invalid ground, wrong ones do or lack evidence."""

import numpy as np
import pytest

from caselink.domain.rules.cancellation import invalid_grounds_in, is_substantive
from caselink.synth import rationales
from caselink.synth.recording_practice import (
    C1,
    C2,
    C3,
    C4,
    CANCELLED,
    INVALID_GROUNDS,
    NO_INFORMATION,
    TRANSFERRED,
    VALID,
    Outcomes,
)


@pytest.mark.parametrize("text", rationales._AVI_RATIONALES + rationales._VALID_N100)
def test_valid_wording_rests_on_no_invalid_ground(text: str) -> None:
    assert invalid_grounds_in(text) == []


@pytest.mark.parametrize(("key", "text"), rationales._INVALID_GROUNDS)
def test_invalid_wording_is_caught_by_the_rule(key: str, text: str) -> None:
    assert key in [g.key for g in invalid_grounds_in(text)]


def test_placeholders_are_not_evidence() -> None:
    for text in rationales.PLACEHOLDERS:
        assert not is_substantive(text or None)


def test_texts_follow_the_decision() -> None:
    code = np.array([C1, C2, C3, C4, C2, C3])
    validity = np.array([VALID, VALID, VALID, VALID, INVALID_GROUNDS, NO_INFORMATION])
    outcomes = Outcomes(
        status=np.where(code == C1, TRANSFERRED, CANCELLED),
        code=code,
        validity=validity,
        pending=np.zeros(6, dtype=bool),
        told=np.ones(6, dtype=bool),
        late=np.zeros(6, dtype=bool),
        receiving=np.array([3, -1, -1, -1, -1, -1]),
    )
    refs = [f"KEN-2017-{i:06d}" for i in range(6)]
    original = np.array([-1, -1, 0, -1, -1, -1])
    forces = ("A", "B", "C", "Dorset")
    texts = rationales.write_texts(
        outcomes, np.zeros(6, dtype=bool), refs, original, forces, np.random.default_rng(0)
    )
    assert texts.cancellation_evidence[0] == "Dorset"
    assert texts.cancellation_evidence[2] == refs[0]
    assert is_substantive(texts.cancellation_evidence[1])
    assert is_substantive(texts.cancellation_evidence[3])
    rationale = texts.cancellation_rationale[4]
    assert rationale is not None
    assert invalid_grounds_in(rationale)
    assert not is_substantive(texts.cancellation_evidence[5])
    assert all(texts.why)
    assert texts.recording_rationale == [None] * 6
