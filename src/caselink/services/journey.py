"""The victim's journey on one report: record a step, read the timeline and its duties, and
list the Victims' Code duties that are due; and imported steps added to many reports at once.

A step goes through the domain's rules (refused with the rule it breaks, or recorded with what
the rules notice), then its row, its event and the report's new milestones and duties are
written in one transaction; a concurrent change to the same report is refused whole.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

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
from caselink.domain.rules.policy import ForcePolicy
from caselink.services.access_requests import owner_of, require_acting, require_reading
from caselink.services.consultation import log_consultation, stated_reason
from caselink.services.context import Actor, Context
from caselink.services.recording import load_to_change
from caselink.storage.history.event_log import EventText, list_payload_text
from caselink.storage.journeys import (
    DutyRow,
    JourneyState,
    StepRow,
    StepText,
    milestone_values,
)
from caselink.storage.prepared import StepPreparer
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


class StepCandidate(NamedTuple):
    """An imported row to judge: its report, its step, the step's stored forms and what the
    parser noted of the row. The parser has checked the step's own details (rules.journey
    .check_details): a row that failed them never becomes a candidate."""

    force: str
    reference: str
    step: Step
    text: StepText
    notes: tuple[str, ...] = ()


class JudgedReport(NamedTuple):
    """One report's rows of a batch, judged against its journey as stored (``judge_steps``),
    with everything its writing needs made ready. A named tuple of plain values: import's
    workers send one for each report of a national year.

    ``rows`` are every row of it in the batch, ``fresh`` which of them (by position) are not
    imported already. A report not stored has no ``report_id`` and all its rows are refused; a
    report whose fresh steps a rule refuses has the rule's message as ``refusal``; otherwise
    its fresh steps are to be written with its milestones, duties and one JOURNEY_IMPORTED
    event (``event``, the payload's text). ``milestone`` leaves police.uk's outcome out.
    """

    force: str
    reference: str
    report_id: int | None
    version: int
    derived: bool  # milestones were stored for it
    rows: tuple[StepText, ...]
    fresh: tuple[int, ...]
    refusal: str | None
    milestone: tuple[Any, ...] | None
    duties: tuple[tuple[Any, ...], ...]
    event: str | None
    notes: tuple[str, ...]


def judge_steps(
    states: Mapping[tuple[str, str], JourneyState],
    candidates: Iterable[StepCandidate],
    *,
    now: datetime,
    policy: ForcePolicy,
    source: str,
    prepare: StepPreparer,
) -> list[JudgedReport]:
    """Judge imported rows against the journeys they join, one report at a time in the order
    the reports first appear; no I/O, so it runs where the rows were parsed.

    Each report's fresh steps go through the journey's rules in order after its stored ones
    (``states``, which this updates), exactly as ``Report.import_steps`` would judge them,
    their details not checked again; a row whose digest is stored already is not fresh.
    """
    groups: dict[tuple[str, str], list[StepCandidate]] = {}
    for candidate in candidates:
        groups.setdefault((candidate.force, candidate.reference), []).append(candidate)
    head = {"source": source}
    judged: list[JudgedReport] = []
    for (force, reference), taken in groups.items():
        rows = tuple(c.text for c in taken)
        notes = tuple(note for c in taken for note in c.notes)
        state = states.get((force, reference))
        if state is None:
            missing = f"no report {force} {reference}: import its report first"
            judged.append(
                JudgedReport(
                    force, reference, None, 0, False, rows, tuple(range(len(rows))), missing,
                    None, (), None, notes,
                )
            )  # fmt: skip
            continue
        fresh: list[int] = []
        for i, text in enumerate(rows):
            if text.digest not in state.digests:
                state.digests.add(text.digest)
                fresh.append(i)
        rid, steps = state.report_id, [taken[i].step for i in fresh]
        refusal: str | None = None
        if steps:
            try:
                check_steps(
                    state.steps,
                    steps,
                    first_contact=state.reported_at,
                    now=now,
                    cancellations=[c.at for c in state.cancellations],
                    details_checked=True,
                )
            except DomainError as exc:
                refusal = str(exc)
        if refusal is not None or not steps:
            judged.append(
                JudgedReport(
                    force, reference, rid, state.version, state.derived, rows, tuple(fresh),
                    refusal, None, (), None, notes,
                )
            )  # fmt: skip
            continue
        state.steps.extend(steps)
        journey = state.steps
        milestone = prepare.milestone(milestone_values(rid, journey, current_outcome(journey)))
        duties = derive_duties(journey, state.cancellations, policy, now)
        # the payload Report.import_steps makes, {"source", "steps": [step_document, ...]}, put
        # together from the documents' texts made with the rows
        event = list_payload_text(head, "steps", [rows[i].document for i in fresh])
        judged.append(
            JudgedReport(
                force, reference, rid, state.version, state.derived, rows, tuple(fresh), None,
                milestone, tuple(prepare.duty(rid, d) for d in duties), event, notes,
            )
        )  # fmt: skip
    return judged


def write_judged(
    uow: UnitOfWork, actor: Actor, judged: Iterable[JudgedReport], now: datetime
) -> StepsImported:
    """Write judged reports within the caller's unit of work: each accepted report's fresh
    steps, its next version, milestones and duties, and its JOURNEY_IMPORTED event by ``actor``,
    each kind in one go for the lot; a report changed by someone else since its state was read
    refuses the whole batch (ConcurrentUpdate)."""
    refused: list[tuple[int, str | None, str]] = []
    unchanged = 0
    read: dict[int, int] = {}
    steps: list[tuple[int, StepText]] = []
    milestones: list[tuple[Any, ...]] = []
    duties: list[tuple[Any, ...]] = []
    new: list[int] = []
    events: list[EventText] = []
    for j in judged:
        if j.report_id is None:
            refused.extend((text.line, None, j.refusal or "") for text in j.rows)
            continue
        unchanged += len(j.rows) - len(j.fresh)
        if j.refusal is not None:
            refused.extend((j.rows[i].line, "step", j.refusal) for i in j.fresh)
            continue
        if j.milestone is None or j.event is None:
            continue  # nothing fresh
        rid = j.report_id
        read[rid] = j.version
        steps.extend((rid, j.rows[i]) for i in j.fresh)
        milestones.append(j.milestone)
        duties.extend(j.duties)
        if not j.derived:
            new.append(rid)
        events.append((IMPORTED, j.force, j.reference, actor.name, now, j.event, rid))
    uow.journeys.bump_versions(read)
    uow.journeys.add_step_texts(steps)
    uow.journeys.put_derived_ready(milestones, duties, new=new)
    uow.events.append_texts(events)
    return StepsImported(len(steps), unchanged, refused)


def import_steps(
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    items: Sequence[JudgedReport | StepCandidate],
    *,
    source: str,
    now: datetime,
    prepare: StepPreparer,
) -> StepsImported:
    """Add a batch of imported rows to their reports' journeys within the caller's unit of
    work: rows to judge here (StepCandidate), or reports judged already against the store as
    committed before this transaction (by import's workers, ``judge_steps``).

    A report judged elsewhere stands unless this transaction has changed it since (its rows
    came in an earlier batch too): then its rows are judged again here, with the rest, against
    the journeys as this transaction sees them. Only what the rules read is loaded (first
    contact, cancellations in effect, steps so far), not whole reports, and the steps, versions,
    milestones, duties and events of the batch are each written in one go: at a national
    year's million steps, loading whole reports and writing report by report cost most of the
    import. Reports are written in the order they first appear.
    """
    order: list[JudgedReport | tuple[str, str]] = []
    placed: set[tuple[str, str]] = set()
    again: list[StepCandidate] = []
    for item in items:
        if isinstance(item, JudgedReport):
            if item.report_id is None or item.report_id not in uow.journeys.changed:
                order.append(item)
                continue
            key = (item.force, item.reference)
            again.extend(StepCandidate(*key, prepare.step_of(t), t) for t in item.rows)
        else:
            key = (item.force, item.reference)
            again.append(item)
        if key not in placed:
            placed.add(key)
            order.append(key)
    judged_here: dict[tuple[str, str], JudgedReport] = {}
    if again:
        states = uow.journeys.states({(c.force, c.reference) for c in again})
        judged_here = {
            (j.force, j.reference): j
            for j in judge_steps(
                states, again, now=now, policy=ctx.policy, source=source, prepare=prepare
            )
        }
    return write_judged(
        uow,
        actor,
        [j if isinstance(j, JudgedReport) else judged_here[j] for j in order],
        ctx.clock(),
    )


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
