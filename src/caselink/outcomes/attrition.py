"""Attrition: how many reports of rape and serious sexual offences become recorded crimes, and
how many recorded crimes reach each later stage of the justice path, per force and nationally,
with funnels of the charge rate and of the outcome-16 share across forces."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from caselink.integrity import Funnel, UnitCount, funnel
from caselink.integrity.funnel import Method
from caselink.outcomes.shares import INTERVAL, check_counts, check_distinct, check_unit, share

STAGES = (
    "reported",
    "recorded",
    "suspect_identified",
    "referred_to_cps",
    "charged",
    "convicted",
)

DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "reported": "reports received, whatever the recording decision",
        "recorded": (
            "reports recorded as crimes and standing (not cancelled or transferred); the "
            "denominator of every stage's rate"
        ),
        "suspect_identified": "recorded crimes in which a suspect has been identified",
        "referred_to_cps": (
            "recorded crimes with a file sent to the Crown Prosecution Service, for advice or "
            "a charging decision"
        ),
        "charged": "recorded crimes charged or summonsed",
        "convicted": "recorded crimes ending in a conviction, for rape or another offence",
        "rate": (
            "the stage's count as a share of recorded crimes; reported has no rate (it is the "
            "larger base, so its share of recorded crimes would exceed 1); recorded's rate is 1 "
            "by definition, with interval [1, 1]; all are null for a unit with no recorded crimes"
        ),
        "interval": INTERVAL,
        "counts": (
            "one cohort: the crimes recorded in the period, each counted at the furthest stage "
            "it had reached by the date of the figures"
        ),
        "charge_rate_funnel": (
            "charged out of recorded per force, with 95% and 99.8% control limits around the "
            "pooled rate (Spiegelhalter 2005), by caselink.integrity.funnel"
        ),
        "outcome16_share_funnel": (
            "recorded crimes closed with Home Office outcome 16 (evidential difficulties: "
            "suspect identified, victim does not support action) out of recorded crimes closed "
            "with any outcome, per force, with the same control limits"
        ),
    }
)


@dataclass(frozen=True, slots=True)
class AttritionCounts:
    """One unit's (force's) counts at each stage of the justice path, for one cohort.

    `closed` counts recorded crimes closed with a Home Office outcome and `outcome16` those
    closed with outcome 16; they feed the outcome-16 funnel only and may be left at 0.
    """

    unit: str
    reported: int
    recorded: int
    suspect_identified: int
    referred_to_cps: int
    charged: int
    convicted: int
    closed: int = 0
    outcome16: int = 0

    def __post_init__(self) -> None:
        check_unit(self.unit)
        check_counts(
            self.unit,
            reported=self.reported,
            recorded=self.recorded,
            suspect_identified=self.suspect_identified,
            referred_to_cps=self.referred_to_cps,
            charged=self.charged,
            convicted=self.convicted,
            closed=self.closed,
            outcome16=self.outcome16,
        )
        if self.recorded > self.reported:
            raise ValueError(
                f"{self.unit}: {self.recorded} recorded crimes from {self.reported} reports"
            )
        for name in ("suspect_identified", "referred_to_cps", "charged", "convicted", "closed"):
            value = getattr(self, name)
            if value > self.recorded:
                raise ValueError(
                    f"{self.unit}: {name} ({value}) exceeds recorded ({self.recorded})"
                )
        if self.convicted > self.charged:
            raise ValueError(
                f"{self.unit}: {self.convicted} convicted but only {self.charged} charged"
            )
        if self.outcome16 > self.closed:
            raise ValueError(f"{self.unit}: outcome16 ({self.outcome16}) exceeds closed")


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage: its count and its share of recorded crimes with the 95% Wilson interval
    (see `DEFINITIONS["rate"]` for the reported and recorded stages)."""

    stage: str
    count: int
    rate: float | None
    lower95: float | None
    upper95: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "count": self.count,
            "rate": self.rate,
            "lower95": self.lower95,
            "upper95": self.upper95,
        }


@dataclass(frozen=True, slots=True)
class UnitAttrition:
    """A unit's stages, in path order (`STAGES`)."""

    unit: str
    stages: tuple[Stage, ...]

    def stage(self, name: str) -> Stage:
        """The stage called `name` (one of `STAGES`)."""
        return _find(self.stages, name)

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "stages": [s.to_dict() for s in self.stages]}


@dataclass(frozen=True, slots=True)
class Attrition:
    """National stages (the sum of the units' counts), each unit's stages sorted by unit name,
    and funnels across units of the charge rate and of the outcome-16 share."""

    national: tuple[Stage, ...]
    units: tuple[UnitAttrition, ...]
    charge_funnel: Funnel
    outcome16_funnel: Funnel

    @property
    def definitions(self) -> Mapping[str, str]:
        """What each stage counts, the rate's denominator, the interval and the funnels."""
        return DEFINITIONS

    def stage(self, name: str) -> Stage:
        """The national stage called `name` (one of `STAGES`)."""
        return _find(self.national, name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "national": {"stages": [s.to_dict() for s in self.national]},
            "units": [u.to_dict() for u in self.units],
            "funnels": {
                "charge_rate": self.charge_funnel.to_dict(),
                "outcome16_share": self.outcome16_funnel.to_dict(),
            },
            "definitions": dict(self.definitions),
        }


def stages(counts: AttritionCounts) -> tuple[Stage, ...]:
    """The six stages of one unit's counts. Each stage from suspect identified on is a share of
    recorded crimes with its 95% Wilson interval (Wilson 1927, by `caselink.integrity.wilson`).
    Reported has no rate: it is the larger base, and its "share" of recorded crimes would exceed
    1. Recorded's rate is 1 by definition, with interval [1, 1]. With no recorded crimes every
    rate and interval is None."""
    recorded = counts.recorded
    whole = 1.0 if recorded else None
    result = [
        Stage("reported", counts.reported, None, None, None),
        Stage("recorded", recorded, whole, whole, whole),
    ]
    for name in STAGES[2:]:
        s = share(getattr(counts, name), recorded)
        result.append(Stage(name, s.count, s.rate, s.lower95, s.upper95))
    return tuple(result)


def attrition(units: Sequence[AttritionCounts], *, method: Method = "binomial") -> Attrition:
    """Attrition per unit and nationally, with funnels of the charge rate and outcome-16 share.

    National counts are the sums of the units'; rates are shares of recorded crimes with 95%
    Wilson intervals (see `stages`). The charge-rate funnel puts each unit's charged out of
    recorded against control limits around the pooled rate; the outcome-16 funnel its outcome-16
    closures out of all closures (`closed`). Both use `caselink.integrity.funnel` with `method`
    ("binomial" exact limits, or "multiplicative"/"additive" when overdispersion is found).
    Units are sorted by name; a unit given twice raises ValueError.
    """
    names = [u.unit for u in units]
    check_distinct(names)
    ordered = sorted(units, key=lambda u: u.unit)
    total = AttritionCounts(
        "national",
        **{
            field: sum(getattr(u, field) for u in ordered)
            for field in (*STAGES, "closed", "outcome16")
        },
    )
    charge = funnel([UnitCount(u.unit, u.charged, u.recorded) for u in ordered], method=method)
    outcome16 = funnel([UnitCount(u.unit, u.outcome16, u.closed) for u in ordered], method=method)
    return Attrition(
        stages(total),
        tuple(UnitAttrition(u.unit, stages(u)) for u in ordered),
        charge,
        outcome16,
    )


def _find(items: tuple[Stage, ...], name: str) -> Stage:
    for item in items:
        if item.stage == name:
            return item
    raise KeyError(f"no stage {name!r}; the stages are {', '.join(STAGES)}")
