"""What a report's events say its stored state must be.

The hash chain proves that the events were not changed; it says nothing of the ``reports``
row beside them, which the application rewrites on every change. Replaying each report's
events in order gives the state they imply, so a row edited behind the application's back
(a crime turned into a cancellation by ``UPDATE``) shows as a difference from its own history.

An imported report's first event keeps its source record as it arrived, and some facts follow
from it only by the import format's rules (its cancellations and persons, say). Those are
"not known" to the replay: what the events say for certain is still checked, and whatever
later events added is checked against the end of the stored list.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from caselink.domain.events import EventKind
from caselink.domain.journey import StepKind
from caselink.domain.offences import normalise_offence_code
from caselink.domain.rules.cancellation import CancellationCode
from caselink.domain.values import Status

_STEP_KINDS = frozenset(k.value for k in StepKind)


@dataclass(slots=True)
class ReplayedReport:
    """The state a report's events imply. ``None`` in a ``*_known`` flag's field means the
    events alone do not determine it."""

    force: str
    reference: str
    recorded: int = 0  # RECORDED events seen: exactly one is right
    status: str | None = None
    offence_code: str | None = None
    offence_code_known: bool = False
    recording_rationale: str | None = None
    rationale_known: bool = False
    # Cancellations as (code, state), oldest first; ``base_known`` is False when the first
    # event came from a file whose own cancellations the replay cannot derive.
    cancellations: list[list[str]] = field(default_factory=list)
    base_known: bool = False
    persons: int = 0
    steps: int = 0
    owner: str | None = None  # the force a transfer handed it to, once accepted


@dataclass(frozen=True, slots=True)
class StoredReport:
    """What the ``reports`` row and its child tables hold now, as the replay compares it."""

    force: str
    reference: str
    status: str
    offence_code: str | None
    recording_rationale: str | None
    cancellations: Sequence[tuple[str, str]]
    persons: int
    steps: int
    owner: str | None = None


def _record_base(state: ReplayedReport, payload: Mapping[str, Any]) -> None:
    state.status = payload.get("status")
    record = payload.get("record")
    if isinstance(record, Mapping):
        # Imported: the status it took is stated; the offence code too when the format has
        # the column (its cell normalised as the import normalises it).
        given = record.get("offence_code")
        if isinstance(given, str):
            state.offence_code, state.offence_code_known = normalise_offence_code(given), True
        pending = payload.get("pending_cancellation")
        if pending:
            state.cancellations.append([str(pending), "pending"])
        return
    state.offence_code, state.offence_code_known = payload.get("offence_code"), True
    state.recording_rationale, state.rationale_known = payload.get("recording_rationale"), True
    state.cancellations = [[str(c["code"]), str(c["state"])] for c in payload["cancellations"]]
    state.base_known = True
    state.persons = len(payload.get("persons", ()))


def apply(state: ReplayedReport, kind: str, payload: Mapping[str, Any]) -> None:
    """Move ``state`` on by one event of the report (events in sequence order)."""
    if kind == EventKind.RECORDED:
        state.recorded += 1
        _record_base(state, payload)
    elif kind == EventKind.CLASSIFIED:
        state.status = payload["status"]
        if "offence_code" in payload:
            state.offence_code, state.offence_code_known = payload["offence_code"], True
        if "rationale" in payload:
            state.recording_rationale, state.rationale_known = payload["rationale"], True
    elif kind == EventKind.CANCELLATION_REQUESTED:
        code = CancellationCode(payload["code"])
        waits = bool(payload.get("needs_authorisation"))
        state.cancellations.append([code.value, "pending" if waits else "applied"])
        if not waits:
            state.status = (Status.TRANSFERRED if code.is_transfer else Status.CANCELLED).value
    elif kind == EventKind.CANCELLATION_AUTHORISED:
        if state.cancellations:
            state.cancellations[-1][1] = "applied"
        state.status = payload["status"]
    elif kind == EventKind.CANCELLATION_REFUSED:
        if state.cancellations:
            state.cancellations[-1][1] = "refused"
    elif kind == EventKind.PERSON_ADDED:
        state.persons += 1
    elif kind == EventKind.TRANSFER_ACCEPTED:
        state.owner = payload["to"]
    elif kind == EventKind.JOURNEY_IMPORTED:
        state.steps += len(payload.get("steps", ()))
    elif kind in _STEP_KINDS:
        state.steps += 1


def differences(replayed: ReplayedReport, stored: StoredReport) -> list[str]:
    """Each way the stored report differs from what its events imply, in words."""
    found: list[str] = []
    if replayed.recorded != 1:
        found.append(f"it has {replayed.recorded} recorded events where one is right")
    if (replayed.force, replayed.reference) != (stored.force, stored.reference):
        found.append(
            f"its events are of {replayed.force} {replayed.reference}, not of the stored "
            f"{stored.force} {stored.reference}"
        )
    if replayed.status is not None and replayed.status != stored.status:
        found.append(f"status is {stored.status} but its events say {replayed.status}")
    if replayed.offence_code_known and replayed.offence_code != stored.offence_code:
        found.append(
            f"offence code is {stored.offence_code} but its events say {replayed.offence_code}"
        )
    if replayed.rationale_known and replayed.recording_rationale != stored.recording_rationale:
        found.append("its recording rationale is not the one its events give")
    expected = [tuple(c) for c in replayed.cancellations]
    held = list(stored.cancellations)
    if replayed.base_known:
        if held != expected:
            found.append(f"cancellations are {held} but its events say {expected}")
    elif held[len(held) - len(expected) :] != expected:
        found.append(f"its latest cancellations are not the {expected} its events say")
    fewer = stored.persons < replayed.persons
    if fewer or (replayed.base_known and stored.persons != replayed.persons):
        found.append(f"it holds {stored.persons} persons but its events add {replayed.persons}")
    if stored.owner != replayed.owner:
        found.append(
            f"it is owned by {stored.owner or stored.force} but its events say "
            f"{replayed.owner or stored.force}"
        )
    if stored.steps != replayed.steps:
        found.append(f"its journey has {stored.steps} steps but its events add {replayed.steps}")
    return found
