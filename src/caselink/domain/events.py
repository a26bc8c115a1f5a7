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


@dataclass(frozen=True, slots=True)
class Event:
    """What happened to which report, who did it and when; the payload holds the facts changed."""

    kind: EventKind
    force: str
    reference: str
    actor: str
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
