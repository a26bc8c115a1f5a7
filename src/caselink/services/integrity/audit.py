"""Audit samples of write-offs, registrars' verdicts on them, and the compliance they measure.

Drawing a sample and recording a verdict mean reading full records: registrars only, and each
record read for a verdict is logged (DPA 2018 s.62). Compliance figures carry no personal data.

A sample's page shows each write-off's latest verdict. The registrar's reason is free text that
may name the complainant, a suspect or a witness, so only roles that may see reports in full
read it; an inspector sees the verdict with its reason withheld. Either way the page is a
consultation of the sampled records and is logged before it is shown.
"""

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from caselink.domain.errors import InvalidRequest, InvalidValue, NotFound
from caselink.domain.forces import canonical_force
from caselink.domain.roles import Action, may
from caselink.domain.values import Scope
from caselink.integrity import AuditSample, Compliance, StratumAudit, compliance, stratified_sample
from caselink.services.consultation import NO_RECORD, log_consultation, stated_reason
from caselink.services.context import Actor, Context
from caselink.services.integrity.figures import Group, scope_dict
from caselink.storage.audit_queries import AuditItemRow, SampleRow
from caselink.storage.audits import SampleItem, StratumTally

# What an inspector sees in place of a registrar's reason.
REASON_WITHHELD = "withheld: a registrar's reason may name people"


@dataclass(frozen=True, slots=True)
class DrawnSample:
    sample_id: int
    group: Group
    scope: Scope
    sample: AuditSample
    items: list[SampleItem]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sample_id": self.sample_id,
            "group": self.group.value,
            "scope": scope_dict(self.scope),
            "seed": self.sample.seed,
            "margin": self.sample.margin,
            "level": self.sample.level,
            "strata": [
                {
                    "force": s.stratum,
                    "population": s.population,
                    "size": len(s.ids),
                    "references": list(s.ids),
                }
                for s in self.sample.strata
            ],
        }


def draw_sample(
    ctx: Context,
    actor: Actor,
    *,
    seed: int,
    margin: float | None = None,
    size: int | None = None,
    group: Group = Group.RAPE,
    scope: Scope = Scope(),
    description: str | None = None,
) -> DrawnSample:
    """Draw and store a stratified random sample (one stratum per force) of the write-offs in
    scope: cancelled and transferred reports of the group and, for rape, every N100. Sized by
    `margin` (Cochran, per force) or `size` per force; the same seed and the same records give the
    same sample. Registrars only: auditing the sample means reading the records."""
    actor.require(Action.AUDIT)
    actor.require(Action.VIEW_REPORT)
    if (margin is None) == (size is None):
        raise InvalidRequest("give either a target margin (--margin) or a size per force (--n)")
    if margin is not None and not 0.0 < margin < 1.0:
        raise InvalidValue("margin", margin, "a margin lies strictly between 0 and 1")
    if size is not None and size < 1:
        raise InvalidValue("n", size, "sample at least one report per force")
    if seed < 0:
        raise InvalidValue("seed", seed, "a seed is a non-negative integer")
    with ctx.db.unit_of_work() as uow:
        rows = uow.queries.write_off_population(group.codes, with_n100=group.with_n100, scope=scope)
        if not rows:
            raise NotFound("no write-offs in scope to sample")
        ids = {(r.force, r.reference): r.report_id for r in rows}
        strata: dict[str, list[str]] = {}
        for r in rows:
            strata.setdefault(r.force, []).append(r.reference)
        drawn = stratified_sample(strata, seed=seed, size=size, margin=margin)
        spec = {
            "group": group.value,
            **scope_dict(scope),
            "margin": margin,
            "n": size,
            "level": drawn.level,
        }
        sample_id = uow.audits.add_sample(
            created_at=ctx.clock(),
            created_by=actor.name,
            seed=seed,
            spec=json.dumps(spec, sort_keys=True),
            description=description,
            items=[
                (ids[(s.stratum, ref)], s.stratum, position, s.population)
                for s in drawn.strata
                for position, ref in enumerate(s.ids, start=1)
            ],
        )
        items = uow.audits.items(sample_id)
        uow.commit()
    return DrawnSample(sample_id, group, scope, drawn, items)


@dataclass(frozen=True, slots=True)
class RecordedVerdict:
    sample_id: int
    force: str
    reference: str
    verdict: str
    reason: str
    decided_by: str
    decided_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "sample_id": self.sample_id,
            "force": self.force,
            "reference": self.reference,
            "verdict": self.verdict,
            "reason": self.reason,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat(),
        }


def record_verdict(
    ctx: Context,
    actor: Actor,
    sample_id: int,
    force: str,
    reference: str,
    *,
    correct: bool,
    reason: str,
    why: str | None = None,
) -> RecordedVerdict:
    """A registrar's verdict on a sampled write-off: rightly decided or not, and why. Appended,
    never changed (a later verdict on the same report supersedes, and both stay). Judging a
    write-off is a consultation of the record, so it is logged first (DPA 2018 s.62)."""
    actor.require(Action.AUDIT)
    actor.require(Action.VIEW_REPORT)
    if not reason.strip():
        raise InvalidRequest("say why the write-off was decided correctly or wrongly (--reason)")
    name = canonical_force(force) or force
    now = ctx.clock()
    with ctx.db.unit_of_work() as uow:
        if uow.audits.sample(sample_id) is None:
            raise NotFound(f"no audit sample {sample_id}")
        report_id = uow.audits.item_report_id(sample_id, name, reference)
        if report_id is None:
            raise NotFound(f"{name} {reference} is not in audit sample {sample_id}")
        log_consultation(
            ctx,
            actor,
            [(name, reference)],
            why,
            f"audit sample {sample_id}",
            default=f"integrity audit: verdict on sample {sample_id}",
            uow=uow,
        )
        verdict = "correct" if correct else "wrong"
        uow.audits.add_verdict(
            sample_id=sample_id,
            report_id=report_id,
            verdict=verdict,
            reason=reason.strip(),
            decided_by=actor.name,
            decided_at=now,
        )
        uow.commit()
    return RecordedVerdict(sample_id, name, reference, verdict, reason.strip(), actor.name, now)


@dataclass(frozen=True, slots=True)
class AuditCompliance:
    """What a sample's verdicts say: per force, the share correct (Wilson with finite-population
    correction) and the wrong write-offs extrapolated to the force's population; nationally the
    stratified total. `tallies` says how many were drawn and how many have a verdict."""

    sample_id: int
    seed: int
    tallies: list[StratumTally]
    result: Compliance

    def to_dict(self) -> dict[str, Any]:
        drawn = {t.stratum: t.drawn for t in self.tallies}
        doc = self.result.to_dict()
        for s in doc["strata"]:
            s["force"] = s["stratum"]
            s["drawn"] = drawn.get(s["stratum"], 0)
        return {"sample_id": self.sample_id, "seed": self.seed, **doc}


def audit_compliance(ctx: Context, actor: Actor, sample_id: int) -> AuditCompliance:
    """Compliance of the write-offs a sample was drawn from, from the verdicts recorded so far.
    Forces with no verdict yet are counted as unaudited, not as compliant."""
    actor.require(Action.AUDIT)
    with ctx.db.reader() as uow:
        stored = uow.audits.sample(sample_id)
        if stored is None:
            raise NotFound(f"no audit sample {sample_id}")
        tallies = uow.audits.tallies(sample_id)
    audits = [StratumAudit(t.stratum, t.population, t.audited, t.correct) for t in tallies]
    return AuditCompliance(sample_id, stored.seed, tallies, compliance(audits))


def sample_items(ctx: Context, actor: Actor, sample_id: int) -> list[SampleItem]:
    """The sample's reports by force in draw order, with their latest verdicts."""
    actor.require(Action.AUDIT)
    actor.require(Action.VIEW_REPORT)
    with ctx.db.reader() as uow:
        if uow.audits.sample(sample_id) is None:
            raise NotFound(f"no audit sample {sample_id}")
        return uow.audits.items(sample_id)


@dataclass(frozen=True, slots=True)
class AuditSampleView:
    """A sample's page: the sample, its items with their latest verdicts, and whether the
    registrars' reasons were withheld from this reader."""

    sample: SampleRow
    items: list[AuditItemRow]
    reasons_withheld: bool


def sample_view(ctx: Context, actor: Actor, sample_id: int, why: str | None) -> AuditSampleView:
    """One audit sample's items (references, statuses, strata) and their latest verdicts, for
    anyone who audits. The registrars' free-text reasons are shown only to roles that may view
    reports in full; others get ``REASON_WITHHELD`` in their place. The read is logged, one
    access-log entry per sampled record, with the reader's justification (DPA 2018 s.62)."""
    actor.require(Action.AUDIT)
    stated_reason(why)  # refused before anything is read
    with ctx.db.reader() as uow:
        sample = next(
            (s for s in uow.queries.audit_samples_overview() if s.id == sample_id),
            None,
        )
        if sample is None:
            raise NotFound(f"no audit sample {sample_id}")
        items = uow.queries.audit_items_of(sample_id)
    withheld = not may(actor.role, Action.VIEW_REPORT)
    if withheld:
        items = [i if i.reason is None else replace(i, reason=REASON_WITHHELD) for i in items]
    shown = "verdicts, reasons withheld" if withheld else "verdicts with reasons"
    log_consultation(
        ctx,
        actor,
        [(i.force, i.reference) for i in items] or NO_RECORD,
        why,
        f"audit sample {sample_id}: {shown}",
    )
    return AuditSampleView(sample, items, withheld)
