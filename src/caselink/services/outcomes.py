"""The justice path, measured: attrition, outcome mix, time to charge, Victims' Code compliance
and missed chances, per force and nationally, from the store.

Counts come from storage's GROUP BY queries, the statistics from caselink.outcomes (whose
intervals and funnels are caselink.integrity's). Every result carries its scope, the offence
group, the date it was computed for, and the definitions of what it counts.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from caselink.domain.errors import NotPermitted
from caselink.domain.outcome_types import OUTCOME_TYPES
from caselink.domain.roles import Action, may
from caselink.domain.values import Scope
from caselink.interchange import police_uk
from caselink.outcomes import (
    AttritionCounts,
    DutyCounts,
    ReferralCounts,
    SeriesReport,
    UnitOutcomes,
    attrition,
    days_to_charge_seconds,
    duty_compliance,
    missed_chances,
    outcome_mix,
    referral_rates,
    time_to_charge,
)
from caselink.services.context import Actor, Context
from caselink.services.integrity.figures import FunnelMethod, Group, scope_dict


class Cohort(StrEnum):
    """Which reports a justice-path figure covers: an offence group, or every report (police.uk
    crimes carry no Home Office offence code, so only `all` counts them)."""

    RAPE = "rape"  # 19C–19H, and N100s
    OTHER = "other"  # every other sexual-offence code
    ALL = "all"  # every report, whatever its code

    @property
    def codes(self) -> frozenset[str] | None:
        return None if self is Cohort.ALL else Group(self.value).codes

    @property
    def with_n100(self) -> bool:
        return self is not Cohort.OTHER

    @property
    def label(self) -> str:
        return "all reports'" if self is Cohort.ALL else Group(self.value).label


@dataclass(frozen=True, slots=True)
class Figures:
    """One justice-path figure as computed: what it covers and when, and its document."""

    name: str
    group: Cohort | None  # None: not a figure of one group (missed chances span every offence)
    scope: Scope
    computed_at: datetime
    document: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.document,
            "figure": self.name,
            "group": None if self.group is None else self.group.value,
            "scope": scope_dict(self.scope),
            "computed_at": self.computed_at.isoformat(),
        }


def _require_audit(actor: Actor) -> None:
    actor.require(Action.AUDIT)


def _figures(
    ctx: Context, name: str, group: Cohort | None, scope: Scope, doc: dict[str, Any]
) -> Figures:
    return Figures(name, group, scope, ctx.clock(), doc)


def attrition_figures(
    ctx: Context,
    actor: Actor,
    *,
    group: Cohort = Cohort.RAPE,
    scope: Scope = Scope(),
    method: FunnelMethod = "binomial",
) -> Figures:
    """Reports → recorded crimes → suspect identified → referred to the CPS → charged →
    convicted, per force and nationally, each stage a share of recorded crimes with its Wilson
    95% interval, and funnels of the charge rate and of the outcome-16 share."""
    _require_audit(actor)
    with ctx.db.reader() as uow:
        rows = uow.journey_figures.stage_counts(group.codes, with_n100=group.with_n100, scope=scope)
    units = [
        AttritionCounts(
            r.force,
            r.reported,
            r.recorded,
            r.suspect_identified,
            r.referred_to_cps,
            r.charged,
            r.convicted,
            r.closed,
            r.outcome16,
        )
        for r in rows
    ]
    return _figures(ctx, "attrition", group, scope, attrition(units, method=method).to_dict())


def outcome_mix_figures(
    ctx: Context, actor: Actor, *, group: Cohort = Cohort.RAPE, scope: Scope = Scope()
) -> Figures:
    """Each outcome's share of the recorded crimes closed, per force and nationally: the Home
    Office outcome type, or police.uk's published category where that is all there is."""
    _require_audit(actor)
    with ctx.db.reader() as uow:
        rows = uow.journey_figures.outcome_counts(
            group.codes, with_n100=group.with_n100, scope=scope
        )
    counts: dict[str, dict[str, int]] = {}
    for force, outcome, n in rows:
        counts.setdefault(force, {})[outcome] = n
    units = [UnitOutcomes(force, c) for force, c in sorted(counts.items())]
    doc = outcome_mix(units).to_dict()
    for entry in doc["national"]:
        entry["group"] = _outcome_group(entry["outcome"])
    doc["definitions"]["group"] = (
        "the outcome group: the Home Office framework's for an outcome type, and for a police.uk "
        "category the one src/caselink/data/police_uk_outcome_categories.csv gives it"
    )
    return _figures(ctx, "outcome_mix", group, scope, doc)


def _outcome_group(outcome: str) -> str:
    known = OUTCOME_TYPES.get(outcome)
    return str(known.group) if known is not None else police_uk.outcome_group(outcome)


def time_to_charge_figures(
    ctx: Context, actor: Actor, *, group: Cohort = Cohort.RAPE, scope: Scope = Scope()
) -> Figures:
    """Days from recording to charge per force and nationally, by Kaplan–Meier: crimes not
    charged by now are censored now, not dropped; the median with its 95% interval, and the
    curve."""
    _require_audit(actor)
    now = ctx.clock()
    with ctx.db.reader() as uow:
        rows = uow.journey_figures.charge_times(group.codes, with_n100=group.with_n100, scope=scope)
    # A charge recorded before the crime's recording decision (an import of old cases) counts
    # from the charge: the time to charge is never negative.
    recorded = np.fmin(rows.recorded, rows.charged)
    days, charged = days_to_charge_seconds(recorded, rows.charged, now)
    forces = np.asarray(rows.forces, dtype=object)
    doc = time_to_charge(rows.forces, days, charged).to_dict()
    # The Home Office publishes the median over the crimes charged only: given beside the
    # Kaplan–Meier estimate so the two can be compared, never instead of it.
    doc["national"]["median_days_of_charged"] = _median_of_charged(days, charged)
    for unit in doc["units"]:
        mine = forces == unit["unit"]
        unit["median_days_of_charged"] = _median_of_charged(days[mine], charged[mine])
    doc["definitions"]["median_days_of_charged"] = (
        "the median days from recording to charge over the crimes charged by the date of the "
        "figures only, as the Home Office publishes it; it leaves out every crime not charged "
        "and so says nothing of how likely a charge is"
    )
    return _figures(ctx, "time_to_charge", group, scope, doc)


def _median_of_charged(days: NDArray[np.float64], charged: NDArray[np.bool_]) -> float | None:
    return float(np.median(days[charged])) if charged.any() else None


def compliance_figures(
    ctx: Context, actor: Actor, *, group: Cohort = Cohort.RAPE, scope: Scope = Scope()
) -> Figures:
    """Victims' Code compliance per force: the share of decisions the victim was told of on
    time, with Wilson 95% intervals and a funnel; duties the victim declined counted apart; and
    the SARC and ISVA referral rates, declines shown apart."""
    _require_audit(actor)
    now = ctx.clock()
    with ctx.db.reader() as uow:
        duties = uow.journey_figures.duty_counts(
            group.codes, with_n100=group.with_n100, now=now, scope=scope
        )
        referrals = uow.journey_figures.referral_counts(
            group.codes, with_n100=group.with_n100, scope=scope
        )
    compliance = duty_compliance(
        [
            DutyCounts(d.force, d.met_on_time, d.late, d.overdue, d.declined, d.not_yet_due)
            for d in duties
        ]
    )
    rates = referral_rates(
        [
            ReferralCounts(
                r.force, r.service, r.attended, r.accepted, r.declined, r.not_appropriate
            )
            for r in referrals
        ]
    )
    doc = compliance.to_dict()
    doc["referrals"] = rates.to_dict()
    return _figures(ctx, "compliance", group, scope, doc)


def missed_chance_figures(ctx: Context, actor: Actor) -> Figures:
    """Reports written off, or closed with no suspect (outcomes 14 and 18), that belong to a
    series of the latest linkage run in which another report has an identified or charged
    suspect: listed for review, strongest series first. References only, no personal data."""
    if not (may(actor.role, Action.LINK) or may(actor.role, Action.AUDIT)):
        raise NotPermitted(f"{actor.name} ({actor.role.value}) may not review linked series")
    with ctx.db.reader() as uow:
        run_id = uow.queries.latest_run_id()
        rows = [] if run_id is None else uow.journey_figures.series_members_with_outcomes(run_id)
    result = missed_chances(
        [
            SeriesReport(
                r.report_id,
                r.force,
                r.reference,
                r.status,
                r.outcome,
                r.suspect_identified,
                r.charged,
                r.series_id,
                r.series_score,
            )
            for r in rows
        ]
    )
    doc = result.to_dict()
    doc["link_run"] = run_id
    return _figures(ctx, "missed_chances", None, Scope(), doc)
