"""The form that records a step of the victim's journey: the fields each kind of step asks for,
with their choices, and reading a posted form back into the step's kind, time and details.

Each kind's inputs are named `<kind>.<field>` (a CPS decision and an update both have a
"decision"), so only the chosen kind's fields are read. Which fields are required and which
values are allowed is the domain's rule (JNY-2, JNY-3, VC-3, OUT-1); the form offers the
choices and leaves the judging to it, so a refusal always names the rule.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from caselink.domain.journey import (
    ChargeRoute,
    CpsDecision,
    FilePurpose,
    Referral,
    ReferralAnswer,
    Release,
    ReviewResult,
    StepKind,
    UpdateChannel,
    Verdict,
)
from caselink.domain.outcome_types import OUTCOME_TYPES
from caselink.web import forms
from caselink.web.forms import FieldErrors
from caselink.web.journey_display import step_label, value_words

# The update's decision and its time travel as one choice: "arrested|2024-03-11T10:00:00+00:00".
TOLD_OF = "told_of"


@dataclass(frozen=True, slots=True)
class StepField:
    """One input of a kind of step: the detail it fills, its label and, for a select, its
    choices as (value, label)."""

    name: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = False


def _choices(kind: type[StrEnum], key: str) -> tuple[tuple[str, str], ...]:
    return tuple((m.value, value_words(key, m.value)) for m in kind)


_YES_NO = (("true", "yes"), ("false", "no"))
_OUTCOMES = tuple((code, f"{code} — {t.title}") for code, t in OUTCOME_TYPES.items())

STEP_FIELDS: dict[StepKind, tuple[StepField, ...]] = {
    StepKind.ATTENDED: (
        StepField("officer", "Officer attending"),
        StepField("trained_officer", "Specially trained officer (SOIT)", _YES_NO),
        StepField("preferences", "The victim's preferences"),
    ),
    StepKind.NEEDS_ASSESSED: (StepField("needs", "Needs assessed"),),
    StepKind.REFERRAL: (
        StepField("service", "Service", _choices(Referral, "service"), required=True),
        StepField("answer", "Answer", _choices(ReferralAnswer, "answer"), required=True),
        StepField("reason", "Why not appropriate"),
        StepField("description", "The other service"),
    ),
    StepKind.SUSPECT_IDENTIFIED: (StepField("person", "Suspect's person record (source id)"),),
    StepKind.ARRESTED: (),
    StepKind.INTERVIEWED: (),
    StepKind.RELEASED: (StepField("release", "Released", _choices(Release, "release")),),
    StepKind.FILE_TO_CPS: (StepField("purpose", "For", _choices(FilePurpose, "purpose")),),
    StepKind.CPS_DECISION: (
        StepField("decision", "Decision", _choices(CpsDecision, "decision"), required=True),
    ),
    StepKind.CHARGED: (StepField("route", "Route", _choices(ChargeRoute, "route")),),
    StepKind.NO_FURTHER_ACTION: (StepField("ground", "Ground", required=True),),
    StepKind.VRR_REQUESTED: (),
    StepKind.VRR_DECIDED: (
        StepField("result", "Result", _choices(ReviewResult, "result"), required=True),
    ),
    StepKind.FIRST_HEARING: (),
    StepKind.VERDICT: (
        StepField("verdict", "Verdict", _choices(Verdict, "verdict"), required=True),
    ),
    StepKind.VICTIM_UPDATED: (
        # Its choices are the report's own decisions: filled in per page (told_of_choices).
        StepField(TOLD_OF, "Decision told of", required=True),
        StepField("how", "How", _choices(UpdateChannel, "how")),
    ),
    StepKind.UPDATES_DECLINED: (),
    StepKind.OUTCOME: (StepField("code", "Home Office outcome type", _OUTCOMES, required=True),),
    StepKind.REOPENED: (StepField("reason", "Reason", required=True),),
}

_BY_VALUE = {k.value: fields for k, fields in STEP_FIELDS.items()}
STEP_CHOICES: tuple[tuple[str, str], ...] = tuple((k.value, step_label(k)) for k in STEP_FIELDS)


def input_name(kind: str, field: str) -> str:
    return f"{kind}.{field}"


@dataclass(frozen=True, slots=True)
class PostedStep:
    kind: str
    at: datetime | None  # None: now
    details: dict[str, str]


def read_step(form: Mapping[str, str], errors: FieldErrors) -> PostedStep | None:
    """The step a posted form describes; None, with the fault filed, when it names no kind or
    its time cannot be read."""
    kind = forms.text(form.get("step"))
    if kind is None:
        errors.add("step", "choose the step to record")
        return None
    at = forms.moment("at", form.get("at"), errors)
    if errors:
        return None
    # An unknown kind is the service's to refuse: it names the kinds there are.
    fields = _BY_VALUE.get(kind, ())
    details: dict[str, str] = {}
    for field in fields:
        value = forms.text(form.get(input_name(kind, field.name)))
        if value is None:
            continue
        if field.name == TOLD_OF:
            decision, _, decision_at = value.partition("|")
            details["decision"] = decision
            if decision_at:
                details["decision_at"] = decision_at
        else:
            details[field.name] = value
    return PostedStep(kind, at, details)
