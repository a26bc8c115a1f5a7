"""The Report aggregate: one report of a sexual offence from first contact to its final status.

Every change goes through a method here, which applies the rules and appends an event; the
storage layer writes the events and the new state together, or neither.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from caselink.domain import journey as journeys
from caselink.domain.behaviours import Behaviour
from caselink.domain.errors import InvalidRequest, InvalidTransition
from caselink.domain.events import Event, EventKind
from caselink.domain.forces import canonical_force
from caselink.domain.journey import AppliedCancellation, Duty, Step, StepKind
from caselink.domain.offences import is_rape
from caselink.domain.person import Person, person_facts
from caselink.domain.rules import authorisation, cancellation, recording
from caselink.domain.rules import journey as journey_rules
from caselink.domain.rules.cancellation import CancellationCode
from caselink.domain.rules.catalogue import (
    CANCELLATION_AUTHORITY,
    CANCELLATION_EVIDENCE,
    CANCELLATION_GROUNDS,
    COMPLAINANT_INFORMED,
    N100_RATIONALE,
    Finding,
)
from caselink.domain.rules.policy import ForcePolicy
from caselink.domain.values import (
    Location,
    OccurredWindow,
    OffenderDescription,
    Relationship,
    Status,
)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


class CancellationState(StrEnum):
    PENDING = "pending"  # waiting for authorisation; the report still counts as it did
    APPLIED = "applied"  # in force: the report is cancelled or transferred
    REFUSED = "refused"  # authorisation refused; the report stands as it did


@dataclass(slots=True, kw_only=True)
class Cancellation:
    """A request to cancel or transfer a report, and what became of it."""

    code: CancellationCode
    rationale: str
    evidence: str | None
    requested_by: str
    requested_at: datetime
    state: CancellationState
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    complainant_informed_at: datetime | None = None

    @property
    def target_status(self) -> Status:
        return Status.TRANSFERRED if self.code.is_transfer else Status.CANCELLED

    @property
    def applied_at(self) -> datetime | None:
        """When the cancellation took effect: on authorisation, or at once when none was needed."""
        if self.state is not CancellationState.APPLIED:
            return None
        return self.decided_at if self.decided_at is not None else self.requested_at


@dataclass(slots=True, kw_only=True)
class Report:
    force: str
    reference: str
    reported_at: datetime
    occurred: OccurredWindow = field(default_factory=OccurredWindow)
    location: Location = field(default_factory=Location)
    offence_code: str | None = None
    status: Status = Status.INCIDENT
    narrative: str = ""
    recording_rationale: str | None = None
    decided_at: datetime | None = None
    behaviours: frozenset[Behaviour] = frozenset()
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    offender: OffenderDescription = field(default_factory=OffenderDescription)
    relationship: Relationship | None = None
    cancellations: list[Cancellation] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    journey: list[Step] = field(default_factory=list)  # in the order recorded
    version: int = 0
    events: list[Event] = field(default_factory=list, compare=False, repr=False)

    # -- reading -----------------------------------------------------------------------------

    @property
    def is_rape(self) -> bool:
        return is_rape(self.offence_code)

    @property
    def pending_cancellation(self) -> Cancellation | None:
        last = self.cancellations[-1] if self.cancellations else None
        return last if last is not None and last.state is CancellationState.PENDING else None

    @property
    def applied_cancellation(self) -> Cancellation | None:
        if not self.status.is_write_off:
            return None
        applied = [c for c in self.cancellations if c.state is CancellationState.APPLIED]
        return applied[-1] if applied else None

    @property
    def counts_as_crime(self) -> bool:
        """Recorded as a crime and not written off; a pending cancellation still counts."""
        return self.status is Status.CRIME

    @property
    def outcome(self) -> str | None:
        """The Home Office outcome code closing the report, or None while it is open."""
        return journeys.current_outcome(self.journey)

    @property
    def is_closed(self) -> bool:
        return self.outcome is not None

    @property
    def suspect_identified(self) -> bool:
        """Whether the journey has identified a suspect (named, arrested, interviewed, charged)."""
        return journeys.suspect_identified(self.journey)

    def duties(self, policy: ForcePolicy, now: datetime) -> list[Duty]:
        """Each duty to tell the victim of a decision, and how it stands at ``now`` (VC-1)."""
        return journeys.derive_duties(self.journey, self._applied_cancellations(), policy, now)

    def _applied_cancellations(self) -> list[AppliedCancellation]:
        return [
            AppliedCancellation(c.applied_at, c.complainant_informed_at)
            for c in self.cancellations
            if c.applied_at is not None
        ]

    def findings(self, policy: ForcePolicy, now: datetime | None = None) -> list[Finding]:
        """What the rules notice about this report as it stands, without refusing anything.

        Historical records are imported as they happened, wrong decisions included; these
        findings are how the wrong ones show. Duties to tell the victim are judged at ``now``;
        without it, at the latest moment the report records, so that the findings of a record
        never change with the clock unless the caller asks for the clock.
        """
        found: list[Finding] = []
        late = recording.late_decision(self.reported_at, self.decided_at, policy)
        if late:
            found.append(late)
        if self.status is Status.N100 and not (self.recording_rationale or "").strip():
            found.append(Finding(N100_RATIONALE, "N100 without a rationale"))
        found.extend(self._cancellation_findings())
        moment = now if now is not None else self._latest_moment()
        found.extend(f for d in self.duties(policy, moment) if (f := d.finding()) is not None)
        return found

    def _latest_moment(self) -> datetime:
        moments = [self.reported_at, *(s.at for s in self.journey)]
        if self.decided_at is not None:
            moments.append(self.decided_at)
        for c in self.cancellations:
            moments.extend(
                t
                for t in (c.requested_at, c.decided_at, c.complainant_informed_at)
                if t is not None
            )
        return max(moments)

    def _cancellation_findings(self) -> list[Finding]:
        found: list[Finding] = []
        current = self.applied_cancellation or self.pending_cancellation
        if current is None:
            return found
        if not cancellation.is_substantive(current.evidence):
            found.append(
                Finding(CANCELLATION_EVIDENCE, f"{current.code} without its evidence stated")
            )
        if not current.code.is_transfer:
            for ground in cancellation.invalid_grounds_in(current.rationale):
                found.append(
                    Finding(CANCELLATION_GROUNDS, f"rationale rests on {ground.description}")
                )
        if current.state is CancellationState.PENDING:
            found.append(Finding(CANCELLATION_AUTHORITY, "cancellation awaiting authorisation"))
        elif current.complainant_informed_at is None:
            found.append(Finding(COMPLAINANT_INFORMED, "no record that the complainant was told"))
        return found

    # -- changing ----------------------------------------------------------------------------

    def _emit(self, kind: EventKind, actor: str, at: datetime, **payload: Any) -> None:
        self.events.append(Event(kind, self.force, self.reference, actor, at, payload))

    def record(self, actor: str, at: datetime, source: str) -> None:
        """Bring the report into the record: one event holding every fact it arrived with."""
        self._emit(EventKind.RECORDED, actor, at, **self.recorded_payload(source))

    def imported_payload(self, source: str, origin: Mapping[str, str]) -> dict[str, Any]:
        """What the RECORDED event of an imported report says: the source record exactly as it
        arrived (the facts follow from it by the format's documented rules) and the status the
        report took, which a pending cancellation may have changed."""
        pending = self.pending_cancellation
        return {
            "source": source,
            "status": self.status.value,
            "pending_cancellation": pending.code.value if pending else None,
            "record": {k: v for k, v in origin.items() if v},
        }

    def recorded_payload(self, source: str) -> dict[str, Any]:
        """What the RECORDED event of this report says: where it came from and all its facts."""
        return {"source": source, **self.facts()}

    def facts(self) -> dict[str, Any]:
        """The report's state as plain values (what the RECORDED event keeps forever)."""
        occ, loc, off = self.occurred, self.location, self.offender
        return {
            "reported_at": _iso(self.reported_at),
            "occurred_from": _iso(occ.start),
            "occurred_to": _iso(occ.end),
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "x": loc.x,
            "y": loc.y,
            "area_code": loc.area_code,
            "offence_code": self.offence_code,
            "status": self.status.value,
            "narrative": self.narrative,
            "recording_rationale": self.recording_rationale,
            "decided_at": _iso(self.decided_at),
            "behaviours": sorted(f"{b.domain}:{b.code}" for b in self.behaviours),
            "attributes": {k: list(v) for k, v in sorted(self.attributes.items())},
            "offender": {
                "sex": off.sex,
                "age_band": off.age_band,
                "height": off.height,
                "build": off.build,
                "ethnic_appearance": off.ethnic_appearance,
                "accent": off.accent,
                "marks": off.marks,
            },
            "relationship": self.relationship.value if self.relationship else None,
            "cancellations": [
                {
                    "code": c.code.value,
                    "rationale": c.rationale,
                    "evidence": c.evidence,
                    "requested_by": c.requested_by,
                    "requested_at": _iso(c.requested_at),
                    "state": c.state.value,
                    "decided_by": c.decided_by,
                    "decided_at": _iso(c.decided_at),
                    "complainant_informed_at": _iso(c.complainant_informed_at),
                }
                for c in self.cancellations
            ],
            "persons": [person_facts(p) for p in self.persons],
        }

    def classify_crime(
        self, offence_code: str, actor: str, at: datetime, policy: ForcePolicy
    ) -> None:
        """Record the report as a crime under an offence code (from incident, or an N100 later
        recorded).
        """
        if self.status not in (Status.INCIDENT, Status.N100, Status.CRIME):
            raise InvalidTransition(f"a {self.status} report cannot be classified as a crime")
        if self.pending_cancellation:
            raise InvalidTransition("a cancellation is awaiting authorisation; decide it first")
        recording.require_offence_code(offence_code)
        self._decide(at)
        previous = self.status
        self.status, self.offence_code = Status.CRIME, offence_code
        late = recording.late_decision(self.reported_at, self.decided_at, policy)
        self._emit(
            EventKind.CLASSIFIED,
            actor,
            at,
            status=Status.CRIME.value,
            offence_code=offence_code,
            previous_status=previous.value,
            late=late.message if late else None,
        )

    def classify_n100(self, rationale: str, actor: str, at: datetime, policy: ForcePolicy) -> None:
        """Record a rape report that is not recorded as a rape crime, with its rationale (N100)."""
        if self.status is not Status.INCIDENT:
            raise InvalidTransition(
                f"only an incident can become an N100, not a {self.status} report"
            )
        recording.require_n100_rationale(rationale)
        self._decide(at)
        self.status, self.recording_rationale = Status.N100, rationale.strip()
        late = recording.late_decision(self.reported_at, self.decided_at, policy)
        self._emit(
            EventKind.CLASSIFIED,
            actor,
            at,
            status=Status.N100.value,
            rationale=self.recording_rationale,
            previous_status=Status.INCIDENT.value,
            late=late.message if late else None,
        )

    def _decide(self, at: datetime) -> None:
        # The first recording decision is the one the 24-hour rule measures.
        if self.decided_at is None:
            self.decided_at = at

    def request_cancellation(
        self,
        code: CancellationCode,
        rationale: str,
        evidence: str | None,
        actor: str,
        at: datetime,
        policy: ForcePolicy,
    ) -> Cancellation:
        """Ask to cancel (C2–C4) or transfer (C1) a crime or N100.

        Refused outright when the reason, evidence or grounds fail the rules. When the policy
        reserves the decision to a registrar, the request waits and the report keeps its status.
        """
        if self.status not in (Status.CRIME, Status.N100):
            raise InvalidTransition(f"a {self.status} report cannot be cancelled or transferred")
        if self.pending_cancellation:
            raise InvalidTransition("a cancellation is already awaiting authorisation")
        cancellation.check_cancellation(code, rationale, evidence, self.reference)
        waits = authorisation.needs_authorisation(
            self.offence_code, self.status is Status.N100, policy
        )
        request = Cancellation(
            code=code,
            rationale=rationale.strip(),
            evidence=(evidence or "").strip() or None,
            requested_by=actor,
            requested_at=at,
            state=CancellationState.PENDING if waits else CancellationState.APPLIED,
        )
        self.cancellations.append(request)
        self._emit(
            EventKind.CANCELLATION_REQUESTED,
            actor,
            at,
            code=code.value,
            rationale=request.rationale,
            evidence=request.evidence,
            needs_authorisation=waits,
        )
        if not waits:
            self.status = request.target_status
        return request

    def authorise_cancellation(
        self, actor: str, role: str, at: datetime, policy: ForcePolicy, note: str | None = None
    ) -> None:
        """A registrar authorises the pending cancellation; the report leaves the crime count."""
        pending = self._pending_or_fail()
        authorisation.check_authoriser(role, actor, pending.requested_by, policy)
        pending.state, pending.decided_by, pending.decided_at = CancellationState.APPLIED, actor, at
        pending.decision_note = note
        previous = self.status
        self.status = pending.target_status
        self._emit(
            EventKind.CANCELLATION_AUTHORISED,
            actor,
            at,
            code=pending.code.value,
            previous_status=previous.value,
            status=self.status.value,
            note=note,
        )

    def refuse_cancellation(
        self, actor: str, role: str, at: datetime, policy: ForcePolicy, note: str
    ) -> None:
        """A registrar refuses the pending cancellation; the report stands as it was."""
        pending = self._pending_or_fail()
        authorisation.check_authoriser(role, actor, pending.requested_by, policy)
        if not note.strip():
            raise InvalidTransition("say why the cancellation is refused")
        pending.state, pending.decided_by, pending.decided_at = CancellationState.REFUSED, actor, at
        pending.decision_note = note.strip()
        self._emit(
            EventKind.CANCELLATION_REFUSED, actor, at, code=pending.code.value, note=note.strip()
        )

    @property
    def receiving_force(self) -> str | None:
        """The force a transfer (C1) in force hands this report to, when its evidence names one
        of the forces (not another kind of authority, nor the report's own force)."""
        applied = self.applied_cancellation
        if applied is None or not applied.code.is_transfer or not applied.evidence:
            return None
        to = canonical_force(applied.evidence)
        return to if to != self.force else None

    def accept_transfer(self, actor: str, at: datetime, by_force: str) -> None:
        """The receiving force's registrar takes the transferred report over: the record stays
        where it was made (force and reference keep naming it), and the history says who owns
        it from now on."""
        to = self.receiving_force
        if to is None:
            raise InvalidTransition("only a report transferred (C1) to another force is accepted")
        if by_force != to:
            raise InvalidTransition(f"the report was transferred to {to}, not {by_force}")
        self._emit(EventKind.TRANSFER_ACCEPTED, actor, at, **{"from": self.force, "to": to})

    def _pending_or_fail(self) -> Cancellation:
        pending = self.pending_cancellation
        if pending is None:
            raise InvalidTransition("no cancellation is awaiting authorisation on this report")
        return pending

    def inform_complainant(self, actor: str, at: datetime, how: str | None = None) -> None:
        """Record when the complainant was told of the cancellation or transfer."""
        current = self.applied_cancellation or self.pending_cancellation
        if current is None:
            raise InvalidTransition(
                "there is no cancellation or transfer to tell the complainant of"
            )
        current.complainant_informed_at = at
        self._emit(EventKind.COMPLAINANT_INFORMED, actor, at, code=current.code.value, how=how)

    def add_person(self, person: Person, actor: str, at: datetime) -> None:
        if person in self.persons:
            # a form sent twice: the same record again says nothing new and is stored once
            raise InvalidRequest("this person is already recorded on the report as given")
        self.persons.append(person)
        self._emit(EventKind.PERSON_ADDED, actor, at, **person_facts(person))

    # -- the victim's journey ----------------------------------------------------------------

    def record_step(
        self, step: Step, actor: str, now: datetime, policy: ForcePolicy
    ) -> list[Finding]:
        """Record one step of the victim's journey, refused with the rule it breaks.

        The event is of the step's own kind and holds the step's time and details. The findings
        returned are those of the duty the step concerns (a decision recorded after its update
        was due, an update given late); like every finding, they are recorded, not refused.
        """
        if step in self.journey:
            # the same form sent twice: one step, recorded once
            raise InvalidRequest("this step is already recorded on the report as given")
        self._check_steps([step], now)
        self.journey.append(step)
        payload = {"at": step.at.isoformat(), **step.details}
        self.events.append(
            Event(EventKind(step.kind.value), self.force, self.reference, actor, now, payload)
        )
        return self._step_findings([step], policy, now)

    def import_steps(self, steps: Sequence[Step], actor: str, now: datetime, source: str) -> None:
        """Record many steps from one file at once, all or none, as one JOURNEY_IMPORTED event.

        Each step is judged as :meth:`record_step` would judge it after the ones before it; the
        first refused refuses the import and leaves the report as it was. Like any history
        imported, late or missing updates are not reported here but in :meth:`findings`.
        """
        self._check_steps(steps, now)
        self.journey.extend(steps)
        self._emit(
            EventKind.JOURNEY_IMPORTED,
            actor,
            now,
            source=source,
            steps=[journeys.step_document(s) for s in steps],
        )

    def _check_steps(self, steps: Sequence[Step], now: datetime) -> None:
        cancelled = [c.at for c in self._applied_cancellations()]
        journey_rules.check_steps(
            self.journey, steps, first_contact=self.reported_at, now=now, cancellations=cancelled
        )

    def _step_findings(
        self, steps: Sequence[Step], policy: ForcePolicy, now: datetime
    ) -> list[Finding]:
        concerned: set[tuple[str, datetime]] = set()
        for step in steps:
            if step.kind in journeys.DECISION_KINDS:
                concerned.add((step.kind.value, step.at))
            elif step.kind is StepKind.VICTIM_UPDATED and (key := journeys.update_key(step)):
                concerned.add(key)
        return [
            f
            for d in self.duties(policy, now)
            if (d.decision, d.decision_at) in concerned and (f := d.finding()) is not None
        ]
