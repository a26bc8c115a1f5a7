"""Rules of the Code of Practice for Victims of Crime on telling the victim of decisions (VC-*).

The Code gives victims of sexual offences enhanced rights: the police tell them of each key
decision (arrest, interview under caution, release, charge, no further action, and a crime
record written off) within 1 working day. These rules work on plain times, so the journey's
vocabulary (:mod:`caselink.domain.journey`) can use them to derive duties without a cycle.
"""

from collections.abc import Collection
from datetime import date, datetime, time
from enum import StrEnum
from functools import cache

from caselink.domain.errors import RuleViolation
from caselink.domain.rules.catalogue import (
    NFA_OFFERS_REVIEW,
    VICTIM_UPDATE_DEADLINE,
    VICTIM_UPDATE_NAMES_DECISION,
    Finding,
)
from caselink.domain.rules.policy import ForcePolicy
from caselink.domain.working_days import (
    LONDON,
    end_of_working_days,
    london_day,
    working_days_between,
)


class DutyState(StrEnum):
    """Where a duty to tell the victim of a decision stands at a given moment (VC-1)."""

    MET = "met"  # told by the due time
    LATE = "late"  # told, after the due time
    OVERDUE = "overdue"  # not told, and the due time has passed
    DUE = "due"  # not told, and there is still time
    DECLINED = "declined"  # the victim had opted out of updates: recorded, not a breach


def update_due_at(decision_at: datetime, policy: ForcePolicy) -> datetime:
    """When the victim must have been told of a decision taken at ``decision_at`` (VC-1): the
    end, in London, of the Nth working day after the decision's day, N being 1 under the
    enhanced rights and 5 otherwise (force policy).
    """
    return _end_of_working_days_after(london_day(decision_at), policy.update_working_days)


@cache
def _end_of_working_days_after(day: date, count: int) -> datetime:
    # The deadline depends on the decision's London day alone, and a national year's duties
    # fall on a few hundred days: each is worked out once, not once per duty.
    return end_of_working_days(datetime.combine(day, time(12), LONDON), count)


def duty_state(
    due_at: datetime, told_at: datetime | None, declined_at: datetime | None, now: datetime
) -> DutyState:
    """The state of one duty at ``now`` (VC-1).

    Telling the victim meets the duty whatever else happened; a victim who declined updates
    before the due time has no duty owed for that decision, but a decline after a missed due
    time does not cure the breach. Anything dated after ``now`` has not happened yet.
    """
    if told_at is not None and told_at <= now:
        return DutyState.MET if told_at <= due_at else DutyState.LATE
    if declined_at is not None and declined_at <= now and declined_at <= due_at:
        return DutyState.DECLINED
    return DutyState.OVERDUE if now > due_at else DutyState.DUE


def duty_finding(
    decision: str,
    decision_at: datetime,
    due_at: datetime,
    told_at: datetime | None,
    state: DutyState,
) -> Finding | None:
    """A finding for a late or overdue duty (VC-1), or None for one met, due or declined.

    A late update is recorded and flagged, never refused: refusing it would lose the record that
    the victim was told at all.
    """
    what = _decision_words(decision)
    when = _london(decision_at)
    due = _london(due_at)
    if state is DutyState.LATE and told_at is not None:
        days = working_days_between(decision_at, told_at)
        return Finding(
            VICTIM_UPDATE_DEADLINE,
            f"the victim was told of the {what} of {when} on {_london(told_at)}, {days} working "
            f"day{'s' if days != 1 else ''} after it (due by {due})",
        )
    if state is DutyState.OVERDUE:
        return Finding(
            VICTIM_UPDATE_DEADLINE,
            f"no record that the victim was told of the {what} of {when} (due by {due})",
        )
    return None


def check_update_names_decision(
    decision: str,
    decision_at: datetime,
    told_at: datetime,
    happened: Collection[tuple[str, datetime]],
) -> None:
    """Refuse an update of the victim that names a decision this report does not hold (VC-2).

    ``happened`` holds each decision of the report as (kind, time); the update must name one of
    them exactly, and cannot tell the victim of it before it was taken.
    """
    what = _decision_words(decision)
    if told_at < decision_at:
        raise RuleViolation(
            VICTIM_UPDATE_NAMES_DECISION,
            f"victim_updated at {told_at.isoformat()} tells of a {what} taken later, at "
            f"{decision_at.isoformat()}",
        )
    if (decision, decision_at) not in happened:
        raise RuleViolation(
            VICTIM_UPDATE_NAMES_DECISION,
            f"victim_updated at {told_at.isoformat()} names a {what} at "
            f"{decision_at.isoformat()}, but the report records no such decision at that time",
        )


def check_nfa_ground(ground: str | None, at: datetime) -> None:
    """Refuse a no-further-action decision without its ground (VC-3): the victim is told the
    reasons, and offered the Victims' Right to Review, on the strength of it.
    """
    if ground is None or not ground.strip():
        raise RuleViolation(
            NFA_OFFERS_REVIEW,
            f"no_further_action at {at.isoformat()} needs its ground: the victim is told the "
            "reasons with the decision and may ask for it to be reviewed",
        )


def _decision_words(decision: str) -> str:
    return {
        "arrested": "arrest",
        "interviewed": "interview under caution",
        "released": "release",
        "charged": "charge",
        "no_further_action": "decision to take no further action",
        "cancellation": "cancellation of the crime record",
    }.get(decision, decision.replace("_", " "))


def _london(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%a %d %b %Y %H:%M")
