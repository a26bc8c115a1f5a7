"""Rules on cancelling and transferring a recorded crime (reason codes, evidence, grounds)."""

import re
from dataclasses import dataclass
from enum import StrEnum

from caselink.domain.errors import RuleViolation
from caselink.domain.rules.catalogue import CANCELLATION_EVIDENCE, CANCELLATION_GROUNDS


class CancellationCode(StrEnum):
    """The Home Office reasons a recorded crime may leave the count (since 2015)."""

    C1 = "C1"  # transferred to another force or investigating authority
    C2 = "C2"  # additional verifiable information shows no notifiable crime
    C3 = "C3"  # duplicate of, or part of, a crime already recorded
    C4 = "C4"  # recorded in error

    @property
    def is_transfer(self) -> bool:
        return self is CancellationCode.C1

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    CancellationCode.C1: "transferred to another force or authority",
    CancellationCode.C2: "additional verifiable information shows no crime",
    CancellationCode.C3: "duplicate of or part of another recorded crime",
    CancellationCode.C4: "recorded in error",
}


@dataclass(frozen=True, slots=True)
class InvalidGround:
    """A reason that is not a reason to cancel, and the words that show a rationale rests on it."""

    key: str
    description: str
    pattern: re.Pattern[str]


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")", re.IGNORECASE)


INVALID_GROUNDS: tuple[InvalidGround, ...] = (
    InvalidGround(
        "withdrawal",
        "the complainant withdrew support",
        _words(
            r"withdr[ae]w",
            r"withdrawn",
            r"withdrawing",
            r"withdrawal",
            r"no longer (?:wish|want|support)",
            r"(?:does|did) not (?:wish|want) to (?:proceed|pursue|support|continue)",
            r"declined? to (?:proceed|support|engage|pursue|continue)",
            r"not supporting",
            r"unwilling to (?:proceed|support|engage)",
            r"won'?t support",
        ),
    ),
    InvalidGround(
        "insufficient_evidence",
        "insufficient evidence",
        _words(
            r"insufficient evidence",
            r"lack of (?:evidence|corroboration)",
            r"not enough evidence",
            r"no (?:supporting |corroborating |independent )?evidence",
            r"no corroboration",
            r"unable to (?:prove|evidence|corroborate)",
            r"evidential difficult",
        ),
    ),
    InvalidGround(
        "credibility",
        "doubt about the complainant's credibility",
        _words(
            r"credib",
            r"not believed",
            r"disbelie",
            r"doubts?\b",
            r"doubtful",
            r"unreliable",
            r"inconsistent (?:account|statement|version)",
            r"fantasist",
            r"attention[- ]seek",
            r"history of (?:false|making) (?:allegation|report)",
        ),
    ),
    InvalidGround(
        "no_further_action",
        "no further action",
        _words(
            r"nfa\b", r"no further action", r"not in the public interest", r"no realistic prospect"
        ),
    ),
    InvalidGround(
        "delay",
        "delay in reporting",
        _words(
            r"delay(?:ed)? (?:in )?report",
            r"late report",
            r"reported (?:late|too late)",
            r"did not report (?:it )?(?:until|for)",
        ),
    ),
)

# Evidence that is no evidence: what officers type to get past a mandatory field.
_PLACEHOLDERS = frozenset(
    {
        "",
        "-",
        "--",
        "n/a",
        "na",
        "none",
        "nil",
        "null",
        "unknown",
        "see above",
        "see rationale",
        "tbc",
        "?",
    }
)


def invalid_grounds_in(rationale: str) -> list[InvalidGround]:
    """The invalid grounds a rationale rests on, in catalogue order (CAN-2)."""
    return [g for g in INVALID_GROUNDS if g.pattern.search(rationale)]


def is_substantive(evidence: str | None) -> bool:
    """Whether an evidence field says something, rather than holding a placeholder."""
    return evidence is not None and evidence.strip().lower() not in _PLACEHOLDERS


def check_grounds(rationale: str) -> None:
    """Refuse a rationale resting on a ground that is not a ground to cancel (CAN-2)."""
    found = invalid_grounds_in(rationale)
    if found:
        named = "; ".join(g.description for g in found)
        raise RuleViolation(
            CANCELLATION_GROUNDS,
            f"the rationale rests on {named}, which is not a ground to cancel a recorded crime: "
            "only additional verifiable information that no crime took place is",
        )


def check_evidence(
    code: CancellationCode, rationale: str | None, evidence: str | None, own_reference: str
) -> None:
    """Refuse a cancellation that does not state its reason and the evidence its code needs
    (CAN-1).
    """
    if not rationale or not rationale.strip():
        raise RuleViolation(CANCELLATION_EVIDENCE, f"a {code} needs a rationale")
    if not is_substantive(evidence):
        needed = {
            CancellationCode.C1: "the receiving force or authority",
            CancellationCode.C2: "the additional verifiable information",
            CancellationCode.C3: "the reference of the crime it duplicates or is part of",
            CancellationCode.C4: "what the error was",
        }[code]
        raise RuleViolation(CANCELLATION_EVIDENCE, f"a {code} ({code.meaning}) needs {needed}")
    assert evidence is not None
    if code is CancellationCode.C3 and evidence.strip() == own_reference:
        raise RuleViolation(
            CANCELLATION_EVIDENCE, "a C3 cannot name the report itself as the original"
        )


def check_cancellation(
    code: CancellationCode, rationale: str | None, evidence: str | None, own_reference: str
) -> None:
    """All the checks a new cancellation or transfer must pass (CAN-1, CAN-2).

    A transfer's rationale is about jurisdiction, so the grounds test applies to C2–C4 only.
    """
    check_evidence(code, rationale, evidence, own_reference)
    if not code.is_transfer:
        assert rationale is not None
        check_grounds(rationale)
