"""Recording decisions on one report: classify, cancel, authorise, refuse, inform, and reading it.

Each change loads the report, applies the domain's rules, and writes the new state and its
events in one transaction; a concurrent change to the same version is refused whole.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from caselink.domain.errors import (
    ConcurrentUpdate,
    InvalidRequest,
    InvalidTransition,
    InvalidValue,
    NotFound,
)
from caselink.domain.journey import PERSONAL_DETAILS
from caselink.domain.offences import normalise_offence_code
from caselink.domain.person import Person
from caselink.domain.report import Report
from caselink.domain.roles import Action, Role
from caselink.domain.rules.cancellation import CancellationCode
from caselink.domain.rules.catalogue import Finding
from caselink.interchange.pseudonymise import reduced_persons
from caselink.services.access_requests import owner_of, require_acting, require_reading
from caselink.services.consultation import log_consultation, stated_reason
from caselink.services.context import Actor, Context
from caselink.storage.unit_of_work import UnitOfWork


def load_to_change(
    uow: UnitOfWork, force: str, reference: str, expected_version: int | None
) -> Report:
    """The report a change is about to be made to, refused when it does not exist or is no
    longer at the version the person acting last saw."""
    report = uow.reports.get(force, reference)
    if report is None:
        raise NotFound(f"no report {force} {reference}")
    if expected_version is not None and report.version != expected_version:
        raise ConcurrentUpdate(
            f"{force} {reference} is at version {report.version}, not {expected_version}: "
            "someone changed it since you read it; reload and try again"
        )
    return report


def _change(
    ctx: Context,
    actor: Actor,
    action: Action,
    force: str,
    reference: str,
    expected_version: int | None,
    mutate: Callable[[Report, datetime], Any],
) -> Report:
    actor.require(action)
    with ctx.db.unit_of_work() as uow:
        require_acting(actor, owner_of(uow, force, reference))
        report = load_to_change(uow, force, reference, expected_version)
        mutate(report, ctx.clock())
        uow.reports.save(report)
        rid = uow.reports.id_of(report)
        uow.events.append((event, rid) for event in report.events)
        uow.commit()
    report.events.clear()
    return report


def classify(
    ctx: Context,
    actor: Actor,
    force: str,
    reference: str,
    *,
    offence_code: str | None = None,
    n100_rationale: str | None = None,
    expected_version: int | None = None,
) -> Report:
    """Record the recording decision: a crime under an offence code, or an N100 with its rationale.

    A decision after the 24-hour deadline is recorded and flagged (rule REC-1), never refused.
    """
    if (offence_code is None) == (n100_rationale is None):
        raise InvalidRequest("give either an offence code (crime) or an N100 rationale, not both")

    def mutate(report: Report, now: datetime) -> None:
        if offence_code is not None:
            # as on import and on a new report: a code-shaped text, in its canonical form
            code = normalise_offence_code(offence_code)
            if code is None:
                raise InvalidValue(
                    "offence_code", offence_code, "not a Home Office offence code (e.g. 19C, 20A)"
                )
            report.classify_crime(code, actor.name, now, ctx.policy)
        else:
            assert n100_rationale is not None
            report.classify_n100(n100_rationale, actor.name, now, ctx.policy)

    return _change(ctx, actor, Action.CLASSIFY, force, reference, expected_version, mutate)


def cancel(
    ctx: Context,
    actor: Actor,
    force: str,
    reference: str,
    *,
    code: CancellationCode,
    rationale: str,
    evidence: str | None,
    expected_version: int | None = None,
) -> Report:
    """Ask to cancel (C2–C4) or transfer (C1) a report; rape and N100 cancellations wait for a
    registrar.

    Refused with the rule it breaks when the evidence is missing or the grounds are invalid.
    A C3 must name a report of the same force that exists.
    """
    if code is CancellationCode.C3 and evidence:
        with ctx.db.reader() as uow:
            if not uow.queries.report_exists(force, evidence.strip()):
                raise NotFound(
                    f"a C3 names the original report, but {force} {evidence.strip()} does not exist"
                )

    return _change(
        ctx, actor, Action.REQUEST_CANCELLATION, force, reference, expected_version,
        lambda report, now: report.request_cancellation(
            code, rationale, evidence, actor.name, now, ctx.policy
        ),
    )  # fmt: skip


def accept_transfer(
    ctx: Context,
    actor: Actor,
    force: str,
    reference: str,
    *,
    expected_version: int | None = None,
) -> Report:
    """A registrar of the force a report was transferred to (C1, naming the force in its
    evidence) takes it over: from then on that force changes it and decides who else reads it;
    the force that recorded it sees its summary. The history keeps both."""
    actor.require(Action.AUTHORISE_CANCELLATION)
    if actor.home.force is None:
        # Not a refusal of the role: the transfer names a force, and a national unit is none.
        raise InvalidTransition("a transfer is taken over by a registrar of the force it names")
    with ctx.db.unit_of_work() as uow:
        report = load_to_change(uow, force, reference, expected_version)
        if owner_of(uow, force, reference) == actor.home.force:
            raise InvalidTransition(f"{force} {reference} is {actor.home.force}'s already")
        now = ctx.clock()
        report.accept_transfer(actor.name, now, actor.home.force)
        uow.reports.bump_versions([report])
        rid = uow.reports.id_of(report)
        uow.events.append((event, rid) for event in report.events)
        uow.access_grants.set_owner(rid, actor.home.force, actor.name, now)
        uow.commit()
    report.events.clear()
    return report


def authorise(
    ctx: Context,
    actor: Actor,
    force: str,
    reference: str,
    *,
    note: str | None = None,
    expected_version: int | None = None,
) -> Report:
    """A registrar authorises a pending cancellation (rule CAN-3)."""
    return _change(
        ctx, actor, Action.AUTHORISE_CANCELLATION, force, reference, expected_version,
        lambda report, now: report.authorise_cancellation(
            actor.name, actor.role.value, now, ctx.policy, note
        ),
    )  # fmt: skip


def refuse(
    ctx: Context,
    actor: Actor,
    force: str,
    reference: str,
    *,
    note: str,
    expected_version: int | None = None,
) -> Report:
    """A registrar refuses a pending cancellation, saying why; the report stands as it was."""
    return _change(
        ctx, actor, Action.AUTHORISE_CANCELLATION, force, reference, expected_version,
        lambda report, now: report.refuse_cancellation(
            actor.name, actor.role.value, now, ctx.policy, note
        ),
    )  # fmt: skip


def inform(
    ctx: Context,
    actor: Actor,
    force: str,
    reference: str,
    *,
    how: str | None = None,
    expected_version: int | None = None,
) -> Report:
    """Record that the complainant was told of the cancellation or transfer (rule CAN-4)."""
    return _change(
        ctx, actor, Action.INFORM_COMPLAINANT, force, reference, expected_version,
        lambda report, now: report.inform_complainant(actor.name, now, how),
    )  # fmt: skip


def add_person(
    ctx: Context,
    actor: Actor,
    force: str,
    reference: str,
    person: Person,
    expected_version: int | None = None,
) -> Report:
    """Attach a person to a report."""
    return _change(
        ctx, actor, Action.RECORD, force, reference, expected_version,
        lambda report, now: report.add_person(person, actor.name, now),
    )  # fmt: skip


# What an inspector's view of the history leaves out: anything that could identify the
# complainant, including the imported source record, whose free text may name them, and what a
# journey step says of the victim.
_WITHHELD = PERSONAL_DETAILS | {
    "persons",
    "narrative",
    "forename",
    "surname",
    "rationale",
    "evidence",
    "record",
    "how",
    "note",
}


def _withheld(value: Any) -> Any:
    # at any depth: an imported journey's event holds its steps, each with its own details
    if isinstance(value, dict):
        return {k: _withheld(v) for k, v in value.items() if k not in _WITHHELD}
    if isinstance(value, list):
        return [_withheld(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class ReportView:
    report: Report
    findings: list[Finding]
    history: list[dict[str, Any]]
    pseudonymised: bool


def show(ctx: Context, actor: Actor, force: str, reference: str, *, why: str) -> ReportView:
    """Read one report with its findings and history, logging the consultation before anything
    is returned (DPA 2018 s.62).

    Inspectors see complainants reduced to their role — every person who is a complainant in
    any report, whatever their role in this one (``uow.persons.complainants_among``), as the
    pseudonymised export does; nobody else without the right sees it at all.
    """
    pseudonymised = actor.role is Role.INSPECTOR
    actor.require(Action.VIEW_PSEUDONYMISED if pseudonymised else Action.VIEW_REPORT)
    stated_reason(why)
    with ctx.db.reader() as uow:
        report = uow.reports.get(force, reference)
        if report is None:
            raise NotFound(f"no report {force} {reference}")
        require_reading(uow, ctx, actor, force, reference)
        history = uow.queries.report_history(force, reference)
        complainant_anywhere = (
            uow.persons.complainant_flags([(force, reference)]).get((force, reference), [])
            if pseudonymised
            else []
        )
    # The entry is written before anything is returned, in a write of its own: writers take
    # turns, and a turn held while the report is read and built kept every other page waiting.
    log_consultation(
        ctx,
        actor,
        [(force, reference)],
        why=why,
        detail="pseudonymised" if pseudonymised else "full",
    )
    if pseudonymised:
        report.persons = reduced_persons(report.persons, complainant_anywhere)
        # Free text and the persons recorded with the report could identify the complainant.
        report.narrative = ""
        history = [
            {**h, "payload": _withheld(h["payload"])}
            for h in history
            if h["kind"] != "person_added"
        ]
    return ReportView(report, report.findings(ctx.policy), history, pseudonymised)
