"""Repeat suspects: persons named as suspect in more than one report, across forces and
write-offs, for analysts, and pseudonymised for inspectors (docs/persons.md)."""

from dataclasses import dataclass
from typing import Any

from caselink.domain.errors import InvalidRequest
from caselink.domain.roles import Action, Role
from caselink.services.access_requests import readable_split
from caselink.services.consultation import log_consultation, stated_reason
from caselink.services.context import Actor, Context
from caselink.services.persons import run_or_latest
from caselink.storage.persons.rows import SuspectAppearance


@dataclass(frozen=True, slots=True)
class RepeatSuspect:
    """A person named as suspect in more than one report: each report, oldest first.

    For an inspector ``name`` and ``dob`` are None and ``label`` is a number in the list,
    not the entity id: the list shows how often one unnamed person recurs, not who.
    """

    label: str
    entity_id: str | None
    name: str | None
    dob: str | None
    reports: list[SuspectAppearance]

    @property
    def forces(self) -> list[str]:
        return sorted({r.force for r in self.reports})

    @property
    def written_off(self) -> int:
        return sum(1 for r in self.reports if r.status in WRITTEN_OFF)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "entity_id": self.entity_id,
            "name": self.name,
            "date_of_birth": self.dob,
            "forces": self.forces,
            "written_off": self.written_off,
            "reports": [
                {
                    "force": r.force,
                    "reference": r.reference,
                    "status": r.status,
                    "reported_at": r.reported_at.isoformat(),
                    "outcome": r.outcome,
                }
                for r in self.reports
            ],
        }


# Reports written off: cancelled or transferred, or not recorded as a crime (N100).
WRITTEN_OFF = frozenset({"cancelled", "transferred", "n100"})


@dataclass(frozen=True, slots=True)
class RepeatSuspectList:
    run_id: int
    pseudonymised: bool
    suspects: list[RepeatSuspect]

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "pseudonymised": self.pseudonymised,
            "suspects": [s.to_dict() for s in self.suspects],
        }


def repeat_suspects(
    ctx: Context,
    actor: Actor,
    *,
    why: str,
    run_id: int | None = None,
    min_reports: int = 2,
) -> RepeatSuspectList:
    """Persons named as suspect in at least ``min_reports`` reports (Operation Soteria's repeat
    suspects), across forces, written-off reports included, each with every report's status
    and outcome; most reports first. Analysts, registrars and officers see names and dates of
    birth; inspectors see each person as a number in the list, no name, no date of birth and
    no entity id. Reading it consults every listed report: logged first (DPA 2018 s.62)."""
    pseudonymised = actor.role is Role.INSPECTOR
    actor.require(Action.VIEW_PSEUDONYMISED if pseudonymised else Action.VIEW_REPORT)
    stated_reason(why)
    if min_reports < 2:
        raise InvalidRequest("a repeat suspect is named in at least two reports")
    with ctx.db.unit_of_work() as uow:
        run = run_or_latest(uow.persons, run_id)
        rows = uow.persons.repeat_suspects(run.id, min_reports)
        readable, _ = readable_split(
            uow, ctx, actor, sorted({(r.force, r.reference) for r in rows})
        )
        if rows:
            log_consultation(
                ctx,
                actor,
                sorted({(r.force, r.reference) for r in rows}),
                why=why,
                detail=f"repeat suspects (person run {run.id})"
                + (", pseudonymised" if pseudonymised else ""),
                uow=uow,
            )
        uow.commit()
    grouped: dict[str, list[SuspectAppearance]] = {}
    for r in rows:
        grouped.setdefault(r.entity_id, []).append(r)
    ordered = sorted(
        grouped.items(),
        key=lambda kv: (-len({(x.force, x.reference) for x in kv[1]}), kv[1][0].reported_at),
    )
    suspects = []
    for i, (entity, appearances) in enumerate(ordered, start=1):
        # Who they are comes only from a report the reader may read: a person known only from
        # other forces' reports is a number, as for inspectors (docs/roles.md).
        known = [a for a in appearances if (a.force, a.reference) in readable]
        first = known[0] if known and not pseudonymised else None
        name = None
        if first is not None:
            name = " ".join(x for x in (first.forename, first.surname) if x) or None
        suspects.append(
            RepeatSuspect(
                entity if first is not None else f"person {i}",
                entity if first is not None else None,
                name,
                first.dob_as_given if first is not None else None,
                appearances,
            )
        )
    return RepeatSuspectList(run.id, pseudonymised, suspects)
