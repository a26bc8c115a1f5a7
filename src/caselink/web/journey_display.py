"""The victim's journey in words: what each kind of step and each detail is called, how a
step's details read on the timeline, and the officer's list of victims to tell."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from caselink.domain.journey import CANCELLATION, StepKind, parse_time
from caselink.domain.outcome_types import OUTCOME_TYPES

# The Victims' Code counts days as they are lived in England and Wales.
LONDON = ZoneInfo("Europe/London")

STEP_LABELS: dict[str, str] = {
    StepKind.ATTENDED: "First response attended",
    StepKind.NEEDS_ASSESSED: "Needs assessed",
    StepKind.REFERRAL: "Referral to support",
    StepKind.SUSPECT_IDENTIFIED: "Suspect identified",
    StepKind.ARRESTED: "Suspect arrested",
    StepKind.INTERVIEWED: "Suspect interviewed under caution",
    StepKind.RELEASED: "Suspect released",
    StepKind.FILE_TO_CPS: "File to the CPS",
    StepKind.CPS_DECISION: "CPS decision",
    StepKind.CHARGED: "Charged or summonsed",
    StepKind.NO_FURTHER_ACTION: "No further action",
    StepKind.VRR_REQUESTED: "Right to Review requested",
    StepKind.VRR_DECIDED: "Right to Review decided",
    StepKind.FIRST_HEARING: "First hearing",
    StepKind.VERDICT: "Verdict",
    StepKind.VICTIM_UPDATED: "Victim told of a decision",
    StepKind.UPDATES_DECLINED: "Victim declined updates",
    StepKind.OUTCOME: "Outcome",
    StepKind.REOPENED: "Reopened",
    CANCELLATION: "Crime record cancelled",
}

# A decision as the victim is told of it: "the charge of 2 May".
DECISION_WORDS: dict[str, str] = {
    StepKind.ARRESTED: "arrest",
    StepKind.INTERVIEWED: "interview under caution",
    StepKind.RELEASED: "release",
    StepKind.CHARGED: "charge",
    StepKind.NO_FURTHER_ACTION: "decision to take no further action",
    CANCELLATION: "cancellation of the crime record",
}

DETAIL_LABELS: dict[str, str] = {
    "officer": "officer",
    "trained_officer": "specially trained officer",
    "preferences": "preferences",
    "needs": "needs",
    "service": "service",
    "answer": "answer",
    "reason": "reason",
    "description": "service described",
    "person": "person record",
    "release": "released",
    "purpose": "purpose",
    "decision": "decision",
    "decision_at": "decided",
    "route": "route",
    "ground": "ground",
    "result": "result",
    "verdict": "verdict",
    "how": "how",
    "code": "outcome type",
}

_VALUE_WORDS: dict[str, str] = {
    "sarc": "SARC (Sexual Assault Referral Centre)",
    "isva": "ISVA (Independent Sexual Violence Adviser)",
    "not_appropriate": "not appropriate",
    "under_investigation": "under investigation",
    "charging_decision": "charging decision",
    "nfa_evidential": "no further action: evidential",
    "nfa_public_interest": "no further action: public interest",
    "more_work": "more work requested",
    "convicted_rape": "convicted of rape",
    "convicted_other": "convicted of another offence",
    "in_person": "in person",
    "true": "yes",
    "false": "no",
}


def step_label(kind: str) -> str:
    return STEP_LABELS.get(kind, kind.replace("_", " "))


def value_words(key: str, value: str) -> str:
    """A detail's value as a reader says it: an outcome code with its Home Office title, a
    decision told of by its name."""
    if key == "code" and value in OUTCOME_TYPES:
        return f"{value} — {OUTCOME_TYPES[value].title}"
    if key == "decision" and value in STEP_LABELS:
        return step_label(value).lower()
    if key == "decision_at" and (moment := parse_time(value)) is not None:
        return f"{moment:%Y-%m-%d %H:%M}"
    return _VALUE_WORDS.get(value, value)


def outcome_words(outcome: str) -> str:
    """An outcome as read: a Home Office code with its title, or police.uk's category as is."""
    return value_words("code", outcome)


def detail_lines(details: Mapping[str, str]) -> list[tuple[str, str]]:
    """A step's details as (label, words), in a fixed order, blanks left out."""
    order = list(DETAIL_LABELS)
    keys = sorted(details, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [
        (DETAIL_LABELS.get(k, k.replace("_", " ")), value_words(k, details[k]))
        for k in keys
        if details[k].strip()
    ]


class _OpenDuty(Protocol):
    @property
    def force(self) -> str: ...
    @property
    def reference(self) -> str: ...
    @property
    def decision(self) -> str: ...
    @property
    def decided_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class DutyLine:
    """A duty on the officer's home page: whose report, which decision, and how late."""

    force: str
    reference: str
    decision: str
    decided_at: datetime
    due_day: str  # the day it falls due, in England and Wales
    overdue: bool
    overdue_days: int  # whole days past the day it fell due


def due_day(due_at: datetime) -> str:
    """The day a duty falls due by the end of, in England and Wales: "Fri 05 Apr 2024"."""
    return f"{due_at.astimezone(LONDON):%a %d %b %Y}"


def end_of_today(now: datetime) -> datetime:
    """The start of tomorrow in England and Wales: duties due before it are due today or
    overdue."""
    today = now.astimezone(LONDON).date()
    return datetime.combine(today + timedelta(days=1), time(0), tzinfo=LONDON)


def duty_lines(rows: Iterable[_OpenDuty], now: datetime) -> list[DutyLine]:
    today = now.astimezone(LONDON).date()
    lines = []
    for r in rows:
        due = r.due_at.astimezone(LONDON).date()
        overdue = r.due_at < now
        lines.append(
            DutyLine(
                r.force,
                r.reference,
                DECISION_WORDS.get(r.decision, step_label(r.decision).lower()),
                r.decided_at,
                due_day(r.due_at),
                overdue,
                max((today - due).days, 0) if overdue else 0,
            )
        )
    return lines


def told_of_choices(
    duties: Sequence[tuple[str, datetime, str]], steps: Sequence[tuple[str, datetime]]
) -> list[tuple[str, str]]:
    """The decisions an update may tell of, as (value, label) for a select: each duty first
    (with its state), then any other step of the journey. The value carries the decision and
    its time, which together name it."""
    seen: set[tuple[str, datetime]] = set()
    choices = []
    for decision, at, state in duties:
        seen.add((decision, at))
        choices.append(
            (
                f"{decision}|{at.isoformat()}",
                f"{step_label(decision)}, {at:%Y-%m-%d %H:%M} UTC — duty {state}",
            )
        )
    for kind, at in steps:
        if (kind, at) in seen or kind in (StepKind.VICTIM_UPDATED, StepKind.UPDATES_DECLINED):
            continue
        seen.add((kind, at))
        choices.append((f"{kind}|{at.isoformat()}", f"{step_label(kind)}, {at:%Y-%m-%d %H:%M} UTC"))
    return choices
