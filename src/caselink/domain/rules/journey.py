"""Rules on the steps of the victim's journey: what each step holds and the order steps come in.

Steps are judged in time order, not in the order they are recorded: a step recorded late but
dated earlier takes its place in the timeline, and every later step must still make sense after
it (a back-dated outcome cannot close a report before the arrest that followed it). Each rule
refuses what cannot be true with a :class:`~caselink.domain.errors.RuleViolation` citing it;
what is merely late is a finding of the Victims' Code rules instead.
"""

from bisect import bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import pairwise

from caselink.domain.errors import RuleViolation
from caselink.domain.journey import (
    CANCELLATION,
    ChargeRoute,
    CpsDecision,
    FilePurpose,
    Referral,
    ReferralAnswer,
    Release,
    ReviewResult,
    Step,
    StepKind,
    UpdateChannel,
    Verdict,
    names_a_suspect,
    parse_time,
    timeline,
)
from caselink.domain.outcome_types import (
    CHARGED_OR_SUMMONSED,
    EVIDENTIAL_NO_SUSPECT_VICTIM_DOES_NOT_SUPPORT,
    EVIDENTIAL_SUSPECT_VICTIM_DOES_NOT_SUPPORT,
    EVIDENTIAL_SUSPECT_VICTIM_SUPPORTS,
    NO_SUSPECT_IDENTIFIED,
    OUTCOME_TYPES,
)
from caselink.domain.rules.catalogue import (
    CHARGE_AFTER_ARREST,
    CPS_DECISION_AFTER_FILE,
    JOURNEY_DETAILS,
    JOURNEY_REFERRAL,
    JOURNEY_STEP_TIME,
    OUTCOME_CLOSES,
    OUTCOME_CONSISTENT,
    PROCEEDINGS_AFTER_CHARGE,
    REVIEW_AFTER_NFA,
    VICTIM_UPDATE_NAMES_DECISION,
)
from caselink.domain.rules.victims_code import check_nfa_ground, check_update_names_decision

# What may still happen once an outcome has closed the report (OUT-2): court proceedings run
# on after a charge outcome, a review after a no-further-action one, and the victim is told.
AFTER_CLOSE: frozenset[StepKind] = frozenset(
    {
        StepKind.REOPENED,
        StepKind.VICTIM_UPDATED,
        StepKind.VRR_REQUESTED,
        StepKind.VRR_DECIDED,
        StepKind.FIRST_HEARING,
        StepKind.VERDICT,
    }
)

_OUTCOMES_NEEDING_SUSPECT = frozenset(
    {EVIDENTIAL_SUSPECT_VICTIM_SUPPORTS, EVIDENTIAL_SUSPECT_VICTIM_DOES_NOT_SUPPORT}
)
_OUTCOMES_WITHOUT_SUSPECT = frozenset(
    {EVIDENTIAL_NO_SUSPECT_VICTIM_DOES_NOT_SUPPORT, NO_SUSPECT_IDENTIFIED}
)

# A victim may be told of any step but an update or an opt-out, or of a cancellation.
UPDATE_SUBJECTS: frozenset[str] = frozenset(
    {k.value for k in StepKind if k not in (StepKind.VICTIM_UPDATED, StepKind.UPDATES_DECLINED)}
    | {CANCELLATION}
)

_FREE = None  # a field of free text
_BOOLEAN = ("true", "false")
_TIME = "time"


def _values(kind: type[StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in kind)


# Each kind's fields: name -> allowed values (None for free text, _TIME for an ISO time), and
# which of them are required. Referral, no_further_action and outcome fields have their own
# rules (JNY-2, VC-3, OUT-1) and are checked there.
_FIELDS: dict[StepKind, dict[str, tuple[str, ...] | str | None]] = {
    StepKind.ATTENDED: {"officer": _FREE, "trained_officer": _BOOLEAN, "preferences": _FREE},
    StepKind.NEEDS_ASSESSED: {"needs": _FREE},
    StepKind.REFERRAL: {
        "service": _values(Referral),
        "answer": _values(ReferralAnswer),
        "reason": _FREE,
        "description": _FREE,
    },
    StepKind.SUSPECT_IDENTIFIED: {"person": _FREE},
    StepKind.ARRESTED: {},
    StepKind.INTERVIEWED: {},
    StepKind.RELEASED: {"release": _values(Release)},
    StepKind.FILE_TO_CPS: {"purpose": _values(FilePurpose)},
    StepKind.CPS_DECISION: {"decision": _values(CpsDecision)},
    StepKind.CHARGED: {"route": _values(ChargeRoute)},
    StepKind.NO_FURTHER_ACTION: {"ground": _FREE},
    StepKind.VRR_REQUESTED: {},
    StepKind.VRR_DECIDED: {"result": _values(ReviewResult)},
    StepKind.FIRST_HEARING: {},
    StepKind.VERDICT: {"verdict": _values(Verdict)},
    StepKind.VICTIM_UPDATED: {
        "decision": tuple(sorted(UPDATE_SUBJECTS)),
        "decision_at": _TIME,
        "how": _values(UpdateChannel),
    },
    StepKind.UPDATES_DECLINED: {},
    StepKind.OUTCOME: {"code": _FREE},
    StepKind.REOPENED: {"reason": _FREE},
}
_REQUIRED: dict[StepKind, tuple[str, ...]] = {
    StepKind.CPS_DECISION: ("decision",),
    StepKind.VRR_DECIDED: ("result",),
    StepKind.VERDICT: ("verdict",),
    StepKind.VICTIM_UPDATED: ("decision", "decision_at"),
    StepKind.REOPENED: ("reason",),
}
# The fields whose values are checked, in the order they are checked (free text is not): worked
# out once, since every step of a million-step import is checked.
_CHECKED: dict[StepKind, tuple[tuple[str, tuple[str, ...] | str], ...]] = {
    kind: tuple((key, allowed) for key, allowed in fields.items() if allowed is not _FREE)
    for kind, fields in _FIELDS.items()
}
_REFERRAL_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("service", _values(Referral)),
    ("answer", _values(ReferralAnswer)),
)


def _when(step: Step) -> str:
    return f"{step.kind.value} at {step.at.isoformat()}"


def check_time(step: Step, first_contact: datetime, now: datetime) -> None:
    """Refuse a step dated in the future or before the report's first contact (JNY-1)."""
    if step.at > now:
        raise RuleViolation(
            JOURNEY_STEP_TIME, f"{_when(step)} is in the future (now is {now.isoformat()})"
        )
    if step.at < first_contact:
        raise RuleViolation(
            JOURNEY_STEP_TIME,
            f"{_when(step)} comes before the report's first contact at {first_contact.isoformat()}",
        )


def check_details(step: Step) -> None:
    """Refuse a step whose details its kind does not allow (JNY-3), a referral without its
    service and answer (JNY-2), a no-further-action decision without its ground (VC-3), and an
    outcome that is not a Home Office outcome type (OUT-1).

    These checks need nothing but the step, so a file's rows can be checked as they are read.
    """
    kind, details = step.kind, step.details
    fields = _FIELDS[kind]
    if not fields.keys() >= details.keys():
        for key in sorted(details):
            if key not in fields:
                known = ", ".join(fields) or "none"
                raise RuleViolation(
                    JOURNEY_DETAILS, f"{_when(step)} has no field {key!r} (its fields: {known})"
                )
    if kind is StepKind.REFERRAL:
        _check_referral(step)
        return
    if kind is StepKind.NO_FURTHER_ACTION:
        check_nfa_ground(step.detail("ground"), step.at)
    if kind is StepKind.OUTCOME:
        _check_outcome_code(step)
    for key in _REQUIRED.get(kind, ()):
        if step.detail(key) is None:
            raise RuleViolation(JOURNEY_DETAILS, f"{_when(step)} needs its {key}")
    for key, allowed in _CHECKED[kind]:
        value = details.get(key)
        if value is None or not value.strip():
            continue
        if allowed == _TIME:
            if parse_time(value) is None:
                raise RuleViolation(
                    JOURNEY_DETAILS,
                    f"{_when(step)}: {key} {value!r} is not an ISO 8601 time with its offset",
                )
        elif value not in allowed:
            raise RuleViolation(
                JOURNEY_DETAILS,
                f"{_when(step)}: {key} {value!r} must be one of: {', '.join(allowed)}",
            )


def _check_referral(step: Step) -> None:
    """A referral names its service and the answer; "other" says what; not_appropriate why."""
    service, answer = step.detail("service"), step.detail("answer")
    for (key, allowed), value in zip(_REFERRAL_FIELDS, (service, answer), strict=True):
        if value is None:
            raise RuleViolation(
                JOURNEY_REFERRAL, f"{_when(step)} needs its {key} ({', '.join(allowed)})"
            )
        if value not in allowed:
            raise RuleViolation(
                JOURNEY_REFERRAL,
                f"{_when(step)}: {key} {value!r} must be one of: {', '.join(allowed)}",
            )
    if answer == ReferralAnswer.NOT_APPROPRIATE and step.detail("reason") is None:
        raise RuleViolation(
            JOURNEY_REFERRAL,
            f"{_when(step)}: a referral judged not appropriate needs the reason why",
        )
    if service == Referral.OTHER and step.detail("description") is None:
        raise RuleViolation(
            JOURNEY_REFERRAL, f"{_when(step)}: a referral to another service needs its description"
        )


def _check_outcome_code(step: Step) -> None:
    code = step.detail("code")
    if code is None:
        raise RuleViolation(OUTCOME_CONSISTENT, f"{_when(step)} needs its Home Office code")
    if code not in OUTCOME_TYPES:
        raise RuleViolation(
            OUTCOME_CONSISTENT,
            f"{_when(step)}: {code!r} is not a Home Office outcome type (1 to 22)",
        )


@dataclass(slots=True)
class _Journey:
    """What the steps so far establish, walked in time order."""

    decisions: set[tuple[str, datetime]]
    kinds: set[StepKind] = field(default_factory=set)
    cps_charge: bool = False
    not_proceeding: int = 0  # decisions not to proceed: police NFA and CPS NFA
    reviews_requested: int = 0
    reviews_decided: int = 0
    suspect: bool = False
    closed_by: Step | None = None

    def check(self, step: Step) -> None:
        """Refuse ``step`` if it cannot follow the steps walked so far."""
        self._check_closed(step)
        kind = step.kind
        if kind is StepKind.CHARGED and not (StepKind.ARRESTED in self.kinds or self.cps_charge):
            raise RuleViolation(
                CHARGE_AFTER_ARREST,
                f"{_when(step)} needs an earlier arrest, or a CPS decision to charge "
                "(the summons route)",
            )
        if kind in (StepKind.FIRST_HEARING, StepKind.VERDICT) and (
            StepKind.CHARGED not in self.kinds
        ):
            raise RuleViolation(PROCEEDINGS_AFTER_CHARGE, f"{_when(step)} needs an earlier charge")
        if kind is StepKind.CPS_DECISION and StepKind.FILE_TO_CPS not in self.kinds:
            raise RuleViolation(
                CPS_DECISION_AFTER_FILE, f"{_when(step)} needs an earlier file to the CPS"
            )
        if kind is StepKind.VRR_REQUESTED and not self.not_proceeding:
            raise RuleViolation(
                REVIEW_AFTER_NFA,
                f"{_when(step)} needs an earlier decision to take no further action",
            )
        if kind is StepKind.VRR_DECIDED and self.reviews_decided >= self.reviews_requested:
            raise RuleViolation(
                REVIEW_AFTER_NFA,
                f"{_when(step)} needs an earlier request for a review not yet decided",
            )
        if kind is StepKind.OUTCOME:
            self._check_outcome(step)
        if kind is StepKind.VICTIM_UPDATED:
            self._check_update(step)

    def _check_closed(self, step: Step) -> None:
        closing = self.closed_by
        if step.kind is StepKind.REOPENED and closing is None:
            raise RuleViolation(
                OUTCOME_CLOSES, f"{_when(step)}: the report is open, there is nothing to reopen"
            )
        if closing is not None and step.kind not in AFTER_CLOSE:
            raise RuleViolation(
                OUTCOME_CLOSES,
                f"{_when(step)} comes after outcome {closing.detail('code')} closed the report "
                f"at {closing.at.isoformat()}: reopen it first",
            )

    def _check_outcome(self, step: Step) -> None:
        code = step.detail("code")
        if code == CHARGED_OR_SUMMONSED and StepKind.CHARGED not in self.kinds:
            raise RuleViolation(
                OUTCOME_CONSISTENT, f"{_when(step)}: outcome 1 (charged/summonsed) needs a charge"
            )
        if code in _OUTCOMES_NEEDING_SUSPECT and not self.suspect:
            raise RuleViolation(
                OUTCOME_CONSISTENT,
                f"{_when(step)}: outcome {code} is for a named suspect, and none is identified",
            )
        if code in _OUTCOMES_WITHOUT_SUSPECT and self.suspect:
            raise RuleViolation(
                OUTCOME_CONSISTENT,
                f"{_when(step)}: outcome {code} is for a crime with no suspect identified, "
                "but a suspect has been",
            )

    def _check_update(self, step: Step) -> None:
        decision = step.detail("decision")
        decision_at = parse_time(step.details.get("decision_at"))
        if decision is None or decision_at is None:  # refused by check_details already
            raise RuleViolation(
                VICTIM_UPDATE_NAMES_DECISION, f"{_when(step)} needs its decision and decision_at"
            )
        check_update_names_decision(decision, decision_at, step.at, self.decisions)

    def add(self, step: Step) -> None:
        """Take ``step`` into what the journey establishes."""
        kind = step.kind
        self.kinds.add(kind)
        self.decisions.add((kind.value, step.at))
        self.suspect = self.suspect or names_a_suspect(step)
        if kind is StepKind.CPS_DECISION:
            decision = step.detail("decision")
            self.cps_charge = self.cps_charge or decision == CpsDecision.CHARGE
            if decision in (CpsDecision.NFA_EVIDENTIAL, CpsDecision.NFA_PUBLIC_INTEREST):
                self.not_proceeding += 1
        elif kind is StepKind.NO_FURTHER_ACTION:
            self.not_proceeding += 1
        elif kind is StepKind.VRR_REQUESTED:
            self.reviews_requested += 1
        elif kind is StepKind.VRR_DECIDED:
            self.reviews_decided += 1
        elif kind is StepKind.OUTCOME:
            self.closed_by = step
        elif kind is StepKind.REOPENED:
            self.closed_by = None


def check_step(
    history: Sequence[Step],
    step: Step,
    *,
    first_contact: datetime,
    now: datetime,
    cancellations: Collection[datetime] = (),
) -> None:
    """Refuse a new step that cannot be true of this report, naming the rule it breaks.

    The step must be dated between the first contact and ``now`` (JNY-1) and hold the details of
    its kind (JNY-2, JNY-3, VC-3, OUT-1); in the timeline, it must follow what it needs (INV-1
    to INV-4, OUT-1, OUT-2, VC-2) and leave every later step still following what it needs.
    ``cancellations`` are the times the report's cancellations took effect, decisions an
    update of the victim may name.
    """
    check_time(step, first_contact, now)
    check_details(step)
    ordered = timeline(history)
    position = bisect_right(ordered, step.at, key=lambda s: s.at)
    merged = [*ordered[:position], step, *ordered[position:]]
    journey = _Journey(decisions={(CANCELLATION, at) for at in cancellations})
    for index, current in enumerate(merged):
        if index >= position:
            try:
                journey.check(current)
            except RuleViolation as exc:
                if index == position:
                    raise
                raise RuleViolation(
                    exc.rule,
                    f"{_when(step)} would leave the later {_when(current)} out of order: "
                    f"{exc.reason}",
                ) from None
        journey.add(current)


def check_steps(
    history: Sequence[Step],
    steps: Sequence[Step],
    *,
    first_contact: datetime,
    now: datetime,
    cancellations: Collection[datetime] = (),
    details_checked: bool = False,
) -> None:
    """Refuse the first of several new steps that cannot be true, each judged by
    :func:`check_step` after the history and the new steps before it.

    Steps that come in time order after everything already recorded (an import, as a rule)
    are judged in one walk of the timeline, which gives the same verdicts: each new step lands
    after every step before it, so no later step can be left out of order. That walk leaves
    out :func:`check_details` when ``details_checked`` says each step has passed it already (an
    import's rows, checked as they are parsed).
    """
    ordered = timeline(history)
    appended = all(a.at <= b.at for a, b in pairwise(steps)) and (
        not ordered or not steps or ordered[-1].at <= steps[0].at
    )
    if not appended:
        accepted = list(history)
        for step in steps:
            check_step(
                accepted, step, first_contact=first_contact, now=now, cancellations=cancellations
            )
            accepted.append(step)
        return
    journey = _Journey(decisions={(CANCELLATION, at) for at in cancellations})
    for old in ordered:
        journey.add(old)
    for step in steps:
        check_time(step, first_contact, now)
        if not details_checked:
            check_details(step)
        journey.check(step)
        journey.add(step)


def check_journey(steps: Sequence[Step], *, cancellations: Collection[datetime] = ()) -> None:
    """Refuse a whole journey any step of which breaks the order rules or its details' rules
    (as :func:`check_step`, without the dates, which depend on the report and the clock).
    """
    journey = _Journey(decisions={(CANCELLATION, at) for at in cancellations})
    for current in timeline(steps):
        check_details(current)
        journey.check(current)
        journey.add(current)
