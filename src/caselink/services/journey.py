"""The victim's journey on one report: record a step, read the timeline and its duties, and
list the Victims' Code duties that are due; and imported steps added to many reports at once.

A step goes through the domain's rules (refused with the rule it breaks, or recorded with what
the rules notice), then its row, its event and the report's new milestones and duties are
written in one transaction; a concurrent change to the same report is refused whole.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from caselink.domain.errors import DomainError, InvalidRequest, InvalidValue, NotFound
from caselink.domain.events import EventKind
from caselink.domain.journey import (
    PERSONAL_DETAILS,
    Duty,
    Step,
    StepKind,
    current_outcome,
    derive_duties,
)
from caselink.domain.journey import timeline as timeline_of
from caselink.domain.report import Report
from caselink.domain.roles import Action, Role
from caselink.domain.rules.catalogue import Finding
from caselink.domain.rules.journey import check_steps
from caselink.interchange.journey_file import JourneyRow
from caselink.services.access_requests import owner_of, require_acting, require_reading
from caselink.services.consultation import log_consultation, stated_reason
from caselink.services.context import Actor, Context
from caselink.services.recording import load_to_change
from caselink.storage.history.event_log import EventText, list_payload_text
from caselink.storage.journeys import (
    DutyRow,
    JourneyState,
    PreparedStep,
    StepRow,
    milestone_values,
)
from caselink.storage.unit_of_work import UnitOfWork

IMPORTED = EventKind.JOURNEY_IMPORTED.value


@dataclass(frozen=True, slots=True)
class StepRecorded:
    """What recording a step did: the report at its new version and what the rules noticed."""

    force: str
    reference: str
    step: Step
    version: int
    findings: list[Finding]


def write_derived(uow: UnitOfWork, ctx: Context, reports: Mapping[int, Report]) -> None:
    """Rewrite the milestones and Victims' Code duties of these reports from their journeys."""
    now = ctx.clock()
    uow.journeys.put_derived(
        [milestone_values(rid, r.journey, r.outcome) for rid, r in reports.items()],
        {rid: r.duties(ctx.policy, now) for rid, r in reports.items()},
    )


@dataclass(frozen=True, slots=True)
class StepsImported:
    """What importing a batch of journey rows did: the steps written, the rows already stored,
    and each row refused as (line, the column at fault or None, the reason)."""

    imported: int
    unchanged: int
    refused: list[tuple[int, str | None, str]]


def import_steps(
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    rows: Sequence[tuple[int, JourneyRow, str, PreparedStep]],
    source: str,
) -> StepsImported:
    """Add imported rows, as (line, row, digest of the row, its step's stored forms), to their
    reports' journeys within the caller's unit of work.

    Each report's new steps go through the journey's rules in order after its stored steps, and
    make one JOURNEY_IMPORTED event, exactly as ``Report.import_steps`` would; a step refused by
    a rule refuses that report's steps in the batch, naming the rule; a row already imported is
    counted, not written again. Only what the rules read is loaded (first contact, cancellations
    in effect, steps so far), not whole reports, and the steps, versions, milestones, duties and
    events of the batch are each written in one go: at a national year's million steps, loading
    whole reports and writing report by report cost most of the import.
    """
    states = uow.journeys.states({(row.force, row.reference) for _, row, _, _ in rows})
    refused: list[tuple[int, str | None, str]] = []
    unchanged = 0
    by_report: dict[tuple[str, str], list[tuple[int, JourneyRow, str, PreparedStep]]] = {}
    for line, row, digest, prepared in rows:
        key = (row.force, row.reference)
        state = states.get(key)
        if state is None:
            refused.append((line, None, f"no report {key[0]} {key[1]}: import its report first"))
            continue
        if digest in state.digests:
            unchanged += 1
            continue
        state.digests.add(digest)
        by_report.setdefault(key, []).append((line, row, digest, prepared))
    now = ctx.clock()
    changed: list[JourneyState] = []
    step_rows: list[StepRow] = []
    events: list[EventText] = []
    head = {"source": source}
    for (force, reference), taken in by_report.items():
        state = states[(force, reference)]
        steps = [row.step for _, row, _, _ in taken]
        try:
            check_steps(
                state.steps,
                steps,
                first_contact=state.reported_at,
                now=now,
                cancellations=[c.at for c in state.cancellations],
            )
        except DomainError as exc:
            refused.extend((line, "step", str(exc)) for line, _, _, _ in taken)
            continue
        state.steps.extend(steps)
        changed.append(state)
        rid = state.report_id
        step_rows.extend(StepRow(rid, row.step, row.actor, d, p) for _, row, d, p in taken)
        # the payload Report.import_steps makes, {"source", "steps": [step_document, ...]}, put
        # together from the documents' texts the parsing workers made
        text = list_payload_text(head, "steps", [p.document for _, _, _, p in taken])
        events.append((IMPORTED, force, reference, actor.name, now, text, rid))
    uow.journeys.bump_versions({s.report_id: s.version for s in changed})
    uow.journeys.add_steps(step_rows)
    uow.journeys.put_derived(
        [milestone_values(s.report_id, s.steps, current_outcome(s.steps)) for s in changed],
        {s.report_id: derive_duties(s.steps, s.cancellations, ctx.policy, now) for s in changed},
        new=[s.report_id for s in changed if not s.derived],
    )
    uow.events.append_texts(events)
    return StepsImported(len(step_rows), unchanged, refused)


def record_step(
    ctx: Context,
    actor: Actor,
    force: str,
    reference: str,
    kind: str,
    *,
    at: datetime | None = None,
    details: Mapping[str, str] | None = None,
    expected_version: int | None = None,
) -> StepRecorded:
    """Record one step of the victim's journey on a report, as it happened at `at` (now when
    not given).

    Refused, naming the rule, when it cannot be true (a charge before an arrest or a CPS
    decision to charge, a verdict with no charge, an outcome 16 with no identified suspect, a
    time in the future, an update for a decision that did not happen); a late update is
    recorded and flagged, never refused.
    """
    actor.require(Action.RECORD)
    try:
        step_kind = StepKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in StepKind)
        raise InvalidValue("step", kind, f"not a step of the journey; one of: {known}") from None
    now = ctx.clock()
    step = Step(kind=step_kind, at=at or now, details=dict(details or {}))
    with ctx.db.unit_of_work() as uow:
        require_acting(actor, owner_of(uow, force, reference))
        report = load_to_change(uow, force, reference, expected_version)
        findings = report.record_step(step, actor.name, now, ctx.policy)
        uow.reports.bump_versions([report])
        rid = uow.reports.id_of(report)
        uow.journeys.add_steps([StepRow(rid, step, actor.name)])
        write_derived(uow, ctx, {rid: report})
        uow.events.append((event, rid) for event in report.events)
        uow.commit()
    report.events.clear()
    return StepRecorded(force, reference, step, report.version, findings)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One step as a reader sees it: what happened, when, and the facts it records."""

    kind: str
    at: datetime
    details: dict[str, str]


@dataclass(frozen=True, slots=True)
class JourneyView:
    """A report's journey: its steps in time order, its duties now, its outcome, what the rules
    notice, and whether it is shown pseudonymised."""

    force: str
    reference: str
    reported_at: datetime
    status: str
    outcome: str | None
    timeline: list[TimelineEntry]
    duties: list[Duty]
    findings: list[Finding]
    pseudonymised: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "force": self.force,
            "reference": self.reference,
            "reported_at": self.reported_at.isoformat(),
            "status": self.status,
            "outcome": self.outcome,
            "pseudonymised": self.pseudonymised,
            "timeline": [
                {"step": t.kind, "at": t.at.isoformat(), "details": t.details}
                for t in self.timeline
            ],
            "duties": [duty_dict(d) for d in self.duties],
            "findings": [{"rule": f.rule.id, "message": f.message} for f in self.findings],
        }


def duty_dict(duty: Duty) -> dict[str, Any]:
    return {
        "decision": duty.decision,
        "decided_at": duty.decision_at.isoformat(),
        "due_at": duty.due_at.isoformat(),
        "told_at": duty.told_at.isoformat() if duty.told_at else None,
        "state": duty.state.value,
    }


def journey(ctx: Context, actor: Actor, force: str, reference: str, *, why: str) -> JourneyView:
    """Read a report's journey and duties, logging the consultation first (DPA 2018 s.62).

    Inspectors see it pseudonymised: the steps and times, without the free text a step may
    carry about the victim (preferences, needs, reasons).
    """
    pseudonymised = actor.role is Role.INSPECTOR
    actor.require(Action.VIEW_PSEUDONYMISED if pseudonymised else Action.VIEW_REPORT)
    stated_reason(why)  # refused before anything is read
    with ctx.db.reader() as uow:
        report = uow.reports.get(force, reference)
        if report is None:
            raise NotFound(f"no report {force} {reference}")
        require_reading(uow, ctx, actor, force, reference)
    log_consultation(
        ctx,
        actor,
        [(force, reference)],
        why,
        "journey, pseudonymised" if pseudonymised else "journey",
    )
    now = ctx.clock()
    timeline = [
        TimelineEntry(
            s.kind.value,
            s.at,
            {k: v for k, v in s.details.items() if not (pseudonymised and k in PERSONAL_DETAILS)},
        )
        for s in timeline_of(report.journey)
    ]
    findings = [
        f for f in report.findings(ctx.policy, now=now) if f.rule.id.startswith(("VC", "JNY"))
    ]
    return JourneyView(
        force,
        reference,
        report.reported_at,
        report.status.value,
        report.outcome,
        timeline,
        report.duties(ctx.policy, now),
        findings,
        pseudonymised,
    )


def duties_due(
    ctx: Context,
    actor: Actor,
    *,
    due_before: datetime | None = None,
    forces: Sequence[str] = (),
    limit: int = 500,
) -> list[DutyRow]:
    """Victims' Code duties not yet met, oldest due first: the officer's list of victims to
    tell. References and decisions only; opening a report is a consultation of its own. A
    force's officer sees their own force's duties only: no one else's victims are theirs to
    tell."""
    actor.require(Action.RECORD)
    if limit < 1:
        raise InvalidRequest("the limit must be at least 1")
    if actor.home.force is not None:
        forces = [actor.home.force]
    with ctx.db.reader() as uow:
        return uow.journeys.duties_open(due_before, forces, limit)
