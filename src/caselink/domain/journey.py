"""The victim's journey after the recording decision: its steps, and the duties they create.

A step is something that happened on the way from first response to the justice outcome: the
attendance, a referral to support, an arrest, a charging decision, a verdict, an update of the
victim, the Home Office outcome that closes the crime. Each is kept as its kind, its time and
its own fields as plain strings, exactly as the event that records it (DOMAIN.md §8).

Key decisions create a duty to tell the victim (Victims' Code, rule VC-1); :func:`derive_duties`
works out each duty and how it stands at a moment, from the steps alone.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from json.encoder import encode_basestring
from typing import Any

from caselink.domain.errors import InvalidValue
from caselink.domain.rules.catalogue import Finding
from caselink.domain.rules.policy import ForcePolicy
from caselink.domain.rules.victims_code import DutyState as DutyState
from caselink.domain.rules.victims_code import duty_finding, duty_state, update_due_at


class StepKind(StrEnum):
    """What happened; the value is also the event kind in the report's history."""

    ATTENDED = "attended"  # first response
    NEEDS_ASSESSED = "needs_assessed"
    REFERRAL = "referral"  # SARC, ISVA or other support offered, with the answer
    SUSPECT_IDENTIFIED = "suspect_identified"
    ARRESTED = "arrested"  # decision -> duty to tell the victim
    INTERVIEWED = "interviewed"  # decision -> duty
    RELEASED = "released"  # decision -> duty (on bail / under investigation)
    FILE_TO_CPS = "file_to_cps"  # for advice or a charging decision
    CPS_DECISION = "cps_decision"
    CHARGED = "charged"  # decision -> duty (charged or summonsed)
    NO_FURTHER_ACTION = "no_further_action"  # decision -> duty; offers the Right to Review
    VRR_REQUESTED = "vrr_requested"
    VRR_DECIDED = "vrr_decided"
    FIRST_HEARING = "first_hearing"
    VERDICT = "verdict"
    VICTIM_UPDATED = "victim_updated"  # a duty met: which decision, how
    UPDATES_DECLINED = "updates_declined"  # the victim opts out of updates (not a breach)
    OUTCOME = "outcome"  # Home Office outcome type closes the crime
    REOPENED = "reopened"  # a closed report reopened, with a reason


class Referral(StrEnum):
    SARC = "sarc"  # Sexual Assault Referral Centre
    ISVA = "isva"  # Independent Sexual Violence Adviser
    OTHER = "other"


class ReferralAnswer(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"  # a valid answer, not a failure
    NOT_APPROPRIATE = "not_appropriate"  # not offered, with the reason why


class CpsDecision(StrEnum):
    CHARGE = "charge"
    NFA_EVIDENTIAL = "nfa_evidential"
    NFA_PUBLIC_INTEREST = "nfa_public_interest"
    MORE_WORK = "more_work"


class Verdict(StrEnum):
    CONVICTED_RAPE = "convicted_rape"
    CONVICTED_OTHER = "convicted_other"
    ACQUITTED = "acquitted"
    DISCONTINUED = "discontinued"


class Release(StrEnum):
    BAIL = "bail"
    UNDER_INVESTIGATION = "under_investigation"


class ChargeRoute(StrEnum):
    CHARGE = "charge"
    SUMMONS = "summons"


class FilePurpose(StrEnum):
    ADVICE = "advice"
    CHARGING_DECISION = "charging_decision"


class ReviewResult(StrEnum):
    UPHELD = "upheld"  # the decision not to proceed stands
    OVERTURNED = "overturned"


class UpdateChannel(StrEnum):
    PHONE = "phone"
    LETTER = "letter"
    EMAIL = "email"
    IN_PERSON = "in_person"
    OTHER = "other"


# The decisions the victim is told of within the Code's deadline (DOMAIN.md §8), and the name an
# update gives a cancellation of the crime record, which is a decision but not a journey step.
DECISION_KINDS: frozenset[StepKind] = frozenset(
    {
        StepKind.ARRESTED,
        StepKind.INTERVIEWED,
        StepKind.RELEASED,
        StepKind.CHARGED,
        StepKind.NO_FURTHER_ACTION,
    }
)
CANCELLATION = "cancellation"

# What a step may say of the victim in free text, or whom it names as the suspect: withheld
# from every role that sees reports pseudonymised (Sexual Offences (Amendment) Act 1992).
PERSONAL_DETAILS: frozenset[str] = frozenset(
    {"preferences", "needs", "reason", "description", "ground", "person"}
)

# Each of these steps presupposes a suspect the police have identified.
_NAMES_A_SUSPECT: frozenset[StepKind] = frozenset(
    {
        StepKind.SUSPECT_IDENTIFIED,
        StepKind.ARRESTED,
        StepKind.INTERVIEWED,
        StepKind.RELEASED,
        StepKind.CHARGED,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One step of the journey: its kind, when it happened (aware, kept in UTC) and its own
    fields as plain strings (JSON-ready; which fields each kind has is rule JNY-3's).
    """

    kind: StepKind
    at: datetime
    details: Mapping[str, str]

    def __post_init__(self) -> None:
        if type(self.kind) is not StepKind:  # a plain string; a member needs no lookup
            object.__setattr__(self, "kind", StepKind(self.kind))
        if self.at.tzinfo is None:
            raise InvalidValue("at", self.at, "a step's time needs its offset (e.g. Z or +01:00)")
        object.__setattr__(self, "at", self.at.astimezone(UTC))
        for key, value in self.details.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise InvalidValue(
                    "details", {key: value}, "a step's details are strings (true/false for yes/no)"
                )
        # A private copy: a caller's dict changed later must not change the record.
        object.__setattr__(self, "details", dict(self.details))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Import workers send a national year's million steps to the importing process: the
        # dataclass's own pickling looks its fields up on every step and costs several times
        # this. Checked again on arrival, as any step made.
        return _step, (self.kind, self.at, self.details)

    def detail(self, key: str) -> str | None:
        """The field's text, stripped, or None when absent or blank (unknown)."""
        value = self.details.get(key)
        return (value.strip() or None) if value is not None else None


def _step(kind: StepKind, at: datetime, details: Mapping[str, str]) -> Step:
    return Step(kind=kind, at=at, details=details)


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time with its offset, in UTC; None for anything else (absent, naive, bad)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return None if moment.tzinfo is None else moment.astimezone(UTC)


def step_document(step: Step) -> dict[str, Any]:
    """A step as plain values: kind, ISO time and details (what an import event keeps)."""
    return {"step": step.kind.value, "at": step.at.isoformat(), "details": dict(step.details)}


def details_json(details: Mapping[str, str], *, compact: bool) -> str:
    """A step's details as JSON text, keys sorted: exactly what ``json.dumps(details,
    ensure_ascii=False, sort_keys=True)`` writes, or with ``compact`` what it writes with
    ``separators=(",", ":")`` (as they are stored).

    Put together from the strings' own encodings (the encoder's, for text not ASCII too): an
    import makes two a step, and a JSON encoder's setting up cost more than the encoding.
    """
    item, key = (",", ":") if compact else (", ", ": ")
    pairs = [encode_basestring(k) + key + encode_basestring(v) for k, v in sorted(details.items())]
    return "{" + item.join(pairs) + "}"


def timeline(steps: Iterable[Step]) -> list[Step]:
    """The steps in time order; steps at the same moment keep the order they were recorded in."""
    return sorted(steps, key=lambda s: s.at)


def current_outcome(steps: Iterable[Step]) -> str | None:
    """The Home Office outcome code that closes the report now: the last outcome not followed by
    a reopening, or None while the report is open.
    """
    code: str | None = None
    for step in timeline(steps):
        if step.kind is StepKind.OUTCOME:
            code = step.detail("code")
        elif step.kind is StepKind.REOPENED:
            code = None
    return code


def names_a_suspect(step: Step) -> bool:
    """Whether a step presupposes an identified suspect (identified, arrested, interviewed under
    caution, released, charged).
    """
    return step.kind in _NAMES_A_SUSPECT


def suspect_identified(steps: Iterable[Step]) -> bool:
    """Whether the journey has identified a suspect at any point."""
    return any(names_a_suspect(s) for s in steps)


@dataclass(frozen=True, slots=True)
class AppliedCancellation:
    """A cancellation or transfer of the crime record that took effect, and when the
    complainant was told of it (the Report's own record), for the duty it creates.
    """

    at: datetime
    informed_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Duty:
    """A duty to tell the victim of a decision (VC-1) and how it stands at a moment.

    ``decision`` is the decision's step kind value, or ``"cancellation"``; ``decision_at`` is
    when it was taken, which with ``decision`` identifies it.
    """

    decision: str
    decision_at: datetime
    due_at: datetime
    state: DutyState
    told_at: datetime | None = None
    told_how: str | None = None  # phone, letter, email, in_person, other; None when unknown
    declined_at: datetime | None = None

    @property
    def declined(self) -> bool:
        """Whether the victim had opted out of updates, so nothing is owed (not a breach)."""
        return self.state is DutyState.DECLINED

    def finding(self) -> Finding | None:
        """The VC-1 finding when the duty is late or overdue; None otherwise."""
        return duty_finding(self.decision, self.decision_at, self.due_at, self.told_at, self.state)


def update_key(step: Step) -> tuple[str, datetime] | None:
    """The decision a victim_updated step tells of, as (kind, time); None when it names none."""
    decision, decision_at = step.detail("decision"), parse_time(step.details.get("decision_at"))
    if step.kind is not StepKind.VICTIM_UPDATED or decision is None or decision_at is None:
        return None
    return decision, decision_at


def derive_duties(
    steps: Sequence[Step],
    cancellations: Sequence[AppliedCancellation],
    policy: ForcePolicy,
    now: datetime,
) -> list[Duty]:
    """Every duty to tell the victim of a decision taken by ``now``, and its state at ``now``.

    Decisions are the journey's arrests, interviews, releases, charges and no-further-action
    decisions, and each cancellation of the crime record that took effect. A duty is met by the
    first victim_updated step naming the decision (kind and time), or for a cancellation by the
    report's record that the complainant was told. Steps dated after ``now`` have not happened
    yet, so the same journey can be judged as it stood at any moment.
    """
    ordered = timeline(steps)
    told: dict[tuple[str, datetime], Step] = {}
    declined_at: datetime | None = None
    for step in ordered:
        key = update_key(step)
        if key is not None:
            told.setdefault(key, step)
        elif step.kind is StepKind.UPDATES_DECLINED and declined_at is None:
            declined_at = step.at
    decisions: list[tuple[str, datetime, datetime | None, str | None]] = []
    seen: set[tuple[str, datetime]] = set()
    for s in ordered:
        # Two decisions of one kind at one moment (two suspects arrested together) are told
        # to the victim in one update, which names the kind and the time: one duty.
        if s.kind in DECISION_KINDS and (s.kind.value, s.at) not in seen:
            seen.add((s.kind.value, s.at))
            update = told.get((s.kind.value, s.at))
            how = update.detail("how") if update else None
            decisions.append((s.kind.value, s.at, update.at if update else None, how))
    for c in cancellations:
        update = told.get((CANCELLATION, c.at))
        if update is not None and (c.informed_at is None or update.at <= c.informed_at):
            decisions.append((CANCELLATION, c.at, update.at, update.detail("how")))
        else:
            decisions.append((CANCELLATION, c.at, c.informed_at, None))
    duties = []
    for decision, decision_at, told_at, how in decisions:
        if decision_at > now:
            continue
        due_at = update_due_at(decision_at, policy)
        known = told_at is not None and told_at <= now
        duties.append(
            Duty(
                decision=decision,
                decision_at=decision_at,
                due_at=due_at,
                state=duty_state(due_at, told_at, declined_at, now),
                told_at=told_at if known else None,
                told_how=how if known else None,
                declined_at=declined_at if declined_at is not None and declined_at <= now else None,
            )
        )
    return sorted(duties, key=lambda d: d.decision_at)
