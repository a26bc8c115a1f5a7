"""Rules on the recording decision: deadline, offence code, N100 rationale."""

from datetime import datetime

from caselink.domain.errors import RuleViolation
from caselink.domain.rules.catalogue import (
    CRIME_NEEDS_OFFENCE,
    N100_RATIONALE,
    RECORDING_DEADLINE,
    Finding,
)
from caselink.domain.rules.policy import ForcePolicy


def late_decision(
    reported_at: datetime, decided_at: datetime | None, policy: ForcePolicy
) -> Finding | None:
    """A finding when the recording decision came after the deadline (REC-1).

    A late decision is recorded and flagged, never refused: refusing it would lose the record.
    """
    if decided_at is None:
        return None
    delay = decided_at - reported_at
    if delay <= policy.recording_deadline:
        return None
    hours = delay.total_seconds() / 3600
    limit = policy.recording_deadline.total_seconds() / 3600
    return Finding(
        RECORDING_DEADLINE,
        f"recording decision made {hours:.1f} hours after the report (due within {limit:g})",
    )


def require_offence_code(offence_code: str | None) -> None:
    """A report recorded as a crime carries its offence code (REC-2)."""
    if not offence_code:
        raise RuleViolation(CRIME_NEEDS_OFFENCE, "a crime must be recorded with its offence code")


def require_n100_rationale(rationale: str | None) -> None:
    """An N100 states why the rape report was not recorded as a rape crime (REC-3)."""
    if not rationale or not rationale.strip():
        raise RuleViolation(
            N100_RATIONALE, "an N100 needs the reason the report was not recorded as a rape crime"
        )
