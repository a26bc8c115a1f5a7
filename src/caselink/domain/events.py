"""Domain events: every change to a report, as it will stand forever in the event log."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    RECORDED = "recorded"
    CLASSIFIED = "classified"
    CANCELLATION_REQUESTED = "cancellation_requested"
    CANCELLATION_AUTHORISED = "cancellation_authorised"
    CANCELLATION_REFUSED = "cancellation_refused"
    COMPLAINANT_INFORMED = "complainant_informed"
    PERSON_ADDED = "person_added"
    OFFENDER_LABELLED = "offender_labelled"
    # The victim's journey: one kind per step (caselink.domain.journey.StepKind, same values),
    # and one for a file import that brings many steps at once.
    ATTENDED = "attended"
    NEEDS_ASSESSED = "needs_assessed"
    REFERRAL = "referral"
    SUSPECT_IDENTIFIED = "suspect_identified"
    ARRESTED = "arrested"
    INTERVIEWED = "interviewed"
    RELEASED = "released"
    FILE_TO_CPS = "file_to_cps"
    CPS_DECISION = "cps_decision"
    CHARGED = "charged"
    NO_FURTHER_ACTION = "no_further_action"
    VRR_REQUESTED = "vrr_requested"
    VRR_DECIDED = "vrr_decided"
    FIRST_HEARING = "first_hearing"
    VERDICT = "verdict"
    VICTIM_UPDATED = "victim_updated"
    UPDATES_DECLINED = "updates_declined"
    OUTCOME = "outcome"
    REOPENED = "reopened"
    JOURNEY_IMPORTED = "journey_imported"
    # The receiving force took over a report transferred to it (C1): from then on it is theirs.
    TRANSFER_ACCEPTED = "transfer_accepted"
    # An outcome police.uk published for a crime imported from police.uk (its category as
    # published and the month): what the public data says, beside whatever the force recorded.
    POLICE_UK_OUTCOME = "police_uk_outcome"


@dataclass(frozen=True, slots=True)
class Event:
    """What happened to which report, who did it and when; the payload holds the facts changed."""

    kind: EventKind
    force: str
    reference: str
    actor: str
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
