"""Each force owns its records (domain.ownership): the checks every service makes before it
changes or reads a report in full, and the requests by which a reader of another force asks the
owning force for access, which its registrar grants for a time or refuses.

Every read these checks let through is logged by the service that makes it, with the report's
force, so the owning force's administrators see it in their access report, whoever read it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from caselink.domain.errors import InvalidRequest, NotFound, NotPermitted
from caselink.domain.ownership import Reading, acts_on, reading_of
from caselink.domain.roles import Action
from caselink.services.consultation import log_consultation, stated_reason
from caselink.services.context import Actor, Context
from caselink.storage.access_grants import StoredGrant
from caselink.storage.unit_of_work import UnitOfWork

DEFAULT_GRANT_DAYS = 7
MAX_GRANT_DAYS = 90
REQUEST_ACCESS = "request_access"  # the access-log action of asking


def require_acting(actor: Actor, force: str) -> None:
    """Refuse a change to a report owned by ``force`` by a user who does not belong there."""
    if not acts_on(actor.home, force):
        raise NotPermitted(
            f"{actor.name} ({actor.role.value}, {actor.home}) may not change {force}'s reports: "
            f"only {force}'s own officers and registrars do"
        )


def owner_of(uow: UnitOfWork, force: str, reference: str) -> str:
    """The force that owns a report: its own, or the force a transfer handed it to."""
    return uow.access_grants.owners([(force, reference)]).get((force, reference), force)


def check_acting(ctx: Context, actor: Actor, force: str, reference: str) -> None:
    """Refuse a change to the report by a user of a force that does not own it: for a page or
    endpoint to refuse (403) before it reads a form."""
    with ctx.db.reader() as uow:
        owner = owner_of(uow, force, reference)
    require_acting(actor, owner)


def readings(
    uow: UnitOfWork, ctx: Context, actor: Actor, reports: list[tuple[str, str]]
) -> dict[tuple[str, str], Reading]:
    """How much of each (force, reference) the actor may read, owners and grants looked up
    at once."""
    owners = uow.access_grants.owners(reports)
    owner = {key: owners.get(key, key[0]) for key in reports}
    foreign = [
        key
        for key in reports
        if reading_of(actor.role, actor.home, owner[key], False) is Reading.SUMMARY
    ]
    granted = uow.access_grants.granted(actor.name, foreign, ctx.clock()) if foreign else set()
    return {key: reading_of(actor.role, actor.home, owner[key], key in granted) for key in reports}


def require_reading(
    uow: UnitOfWork, ctx: Context, actor: Actor, force: str, reference: str
) -> Reading:
    """How much of the report the actor may read; refused when only its summary."""
    reading = readings(uow, ctx, actor, [(force, reference)])[(force, reference)]
    if reading is Reading.SUMMARY:
        raise NotPermitted(
            f"{force} {reference} belongs to {force}: you may see its summary only. Ask {force} "
            f"for access with a reason (`caselink access request {force} {reference} --why "
            "...`, or the report's page); its registrar decides"
        )
    return reading


def readable_split(
    uow: UnitOfWork, ctx: Context, actor: Actor, keys: list[tuple[str, str]]
) -> tuple[set[tuple[str, str]], dict[str, int]]:
    """Of these (force, reference), those the actor may read in full or pseudonymised, and how
    many of the others each force owns: what a person page shows and what it only counts."""
    found = readings(uow, ctx, actor, keys)
    shown = {k for k, r in found.items() if r is not Reading.SUMMARY}
    elsewhere: dict[str, int] = {}
    for force, _ in (k for k in keys if k not in shown):
        elsewhere[force] = elsewhere.get(force, 0) + 1
    return shown, dict(sorted(elsewhere.items()))


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """A request as its reader and the owning force's registrar see it."""

    id: int
    requested_by: str
    force: str
    reference: str
    reason: str
    requested_at: datetime
    state: str
    decided_by: str | None
    decided_at: datetime | None
    note: str | None
    expires_at: datetime | None

    @classmethod
    def of(cls, stored: StoredGrant) -> "AccessRequest":
        return cls(
            stored.id,
            stored.requested_by,
            stored.force,
            stored.reference,
            stored.reason,
            stored.requested_at,
            stored.state,
            stored.decided_by,
            stored.decided_at,
            stored.note,
            stored.expires_at,
        )


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """What anyone reading may see of another force's report: nothing that names a person,
    and the reader's own requests for it."""

    force: str
    reference: str
    reported_at: datetime
    status: str
    offence_code: str | None
    requests: list[AccessRequest]


def summary_if_foreign(
    ctx: Context, actor: Actor, force: str, reference: str
) -> ReportSummary | None:
    """The report's summary when the actor may see no more of it; None when they may read it
    (or it does not exist, or the role may read no report at all: the full read then says
    so)."""
    if not actor.may(Action.VIEW_REPORT):
        return None
    with ctx.db.reader() as uow:
        row = uow.queries.report_row(force, reference)
        if row is None:
            return None
        if readings(uow, ctx, actor, [(force, reference)])[(force, reference)] != Reading.SUMMARY:
            return None
        own = [
            AccessRequest.of(g)
            for g in uow.access_grants.of_reader(actor.name)
            if (g.force, g.reference) == (force, reference)
        ]
    return ReportSummary(
        row.force, row.reference, row.reported_at, row.status, row.offence_code, own
    )


def request_access(
    ctx: Context, actor: Actor, force: str, reference: str, *, why: str
) -> AccessRequest:
    """Ask ``force`` for access to one of its reports, with a reason its registrar can judge.

    Refused when the report does not exist or the actor may already read it. The request is
    written to the access log under the owning force, so the force sees who asked.
    """
    actor.require(Action.VIEW_REPORT)
    reason = stated_reason(why)
    with ctx.db.unit_of_work() as uow:
        if not uow.queries.report_exists(force, reference):
            raise NotFound(f"no report {force} {reference}")
        if readings(uow, ctx, actor, [(force, reference)])[(force, reference)] != Reading.SUMMARY:
            raise InvalidRequest(f"you may read {force} {reference} already")
        grant_id = uow.access_grants.add(actor.name, force, reference, reason, ctx.clock())
        log_consultation(
            ctx,
            actor,
            [(force, reference)],
            why=reason,
            detail=f"asked for access (request {grant_id})",
            action=REQUEST_ACCESS,
            uow=uow,
        )
        stored = uow.access_grants.get(grant_id)
        uow.commit()
    assert stored is not None
    return AccessRequest.of(stored)


def decide(
    ctx: Context,
    actor: Actor,
    request_id: int,
    *,
    grant: bool,
    days: int = DEFAULT_GRANT_DAYS,
    note: str | None = None,
) -> AccessRequest:
    """The owning force's registrar grants a request for ``days`` days, or refuses it (saying
    why). Only a registrar of the force that owns the report decides."""
    actor.require(Action.GRANT_ACCESS)
    if grant and not 1 <= days <= MAX_GRANT_DAYS:
        raise InvalidRequest(f"grant access for 1 to {MAX_GRANT_DAYS} days")
    note = " ".join((note or "").split()) or None
    if not grant and note is None:
        raise InvalidRequest("say why the request is refused")
    now = ctx.clock()
    with ctx.db.unit_of_work() as uow:
        stored = uow.access_grants.get(request_id, for_update=True)
        if stored is None:
            raise NotFound(f"no access request {request_id}")
        owner = owner_of(uow, stored.force, stored.reference)
        if actor.home.force != owner:
            raise NotPermitted(f"only {owner}'s registrars decide who reads {owner}'s reports")
        expires = now + timedelta(days=days) if grant else None
        state = "granted" if grant else "refused"
        if not uow.access_grants.decide(request_id, state, actor.name, now, note, expires):
            raise InvalidRequest(f"access request {request_id} was decided already")
        stored = uow.access_grants.get(request_id)
        uow.commit()
    assert stored is not None
    return AccessRequest.of(stored)


def requests_for(ctx: Context, actor: Actor) -> list[AccessRequest]:
    """What the actor has to do with: a force registrar, the requests waiting for their force;
    anyone, their own requests (newest first) after those."""
    with ctx.db.reader() as uow:
        waiting = (
            uow.access_grants.pending_for_force(actor.home.force)
            if actor.home.force is not None and actor.may(Action.GRANT_ACCESS)
            else []
        )
        own = uow.access_grants.of_reader(actor.name)
    seen = {g.id for g in waiting}
    return [AccessRequest.of(g) for g in waiting] + [
        AccessRequest.of(g) for g in own if g.id not in seen
    ]
