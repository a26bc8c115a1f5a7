"""The outcome mix: how recorded crimes were closed — the share of each Home Office outcome type
(or police.uk outcome category) among all closures, per force and nationally, with intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from caselink.integrity import Funnel, UnitCount, funnel
from caselink.integrity.funnel import Method
from caselink.outcomes.shares import INTERVAL, check_counts, check_distinct, check_unit, share

DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "outcome": (
            'a Home Office outcome type code ("1" to "22", e.g. "16") or a police.uk outcome '
            "category's text exactly as published"
        ),
        "count": "recorded crimes closed with the outcome",
        "share": (
            "the outcome's count out of all recorded crimes of the same unit closed with any "
            "outcome (the unit's total); crimes still open are not in the denominator"
        ),
        "interval": INTERVAL,
        "order": (
            "Home Office codes in numeric order, then police.uk categories alphabetically; every "
            "unit lists every outcome seen nationally, with 0 where it had none"
        ),
    }
)


@dataclass(frozen=True, slots=True)
class UnitOutcomes:
    """One unit's (force's) closures: for each outcome, how many recorded crimes closed with it.

    Keys are Home Office codes ("16") or police.uk category texts, exactly as published.
    """

    unit: str
    counts: Mapping[str, int]

    def __post_init__(self) -> None:
        check_unit(self.unit)
        if any(not outcome for outcome in self.counts):
            raise ValueError(f"{self.unit}: an outcome needs a code or a category")
        check_counts(self.unit, **{f"outcome {k}": v for k, v in self.counts.items()})


@dataclass(frozen=True, slots=True)
class OutcomeShare:
    """One outcome's count and its share of the unit's closures with the 95% Wilson interval."""

    outcome: str
    count: int
    share: float | None
    lower95: float | None
    upper95: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "count": self.count,
            "share": self.share,
            "lower95": self.lower95,
            "upper95": self.upper95,
        }


@dataclass(frozen=True, slots=True)
class UnitMix:
    """A unit's closures (`total`, the denominator) and each outcome's share of them."""

    unit: str
    total: int
    outcomes: tuple[OutcomeShare, ...]

    def outcome(self, name: str) -> OutcomeShare:
        """The share of the outcome `name` (a code or a category text)."""
        return _find(self.outcomes, name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "total": self.total,
            "outcomes": [o.to_dict() for o in self.outcomes],
        }


@dataclass(frozen=True, slots=True)
class OutcomeMix:
    """The national mix (the units' counts summed; `total` closures), and each unit's, sorted by
    unit name."""

    total: int
    national: tuple[OutcomeShare, ...]
    units: tuple[UnitMix, ...]

    @property
    def definitions(self) -> Mapping[str, str]:
        """What is counted, the share's denominator, the interval and the order of outcomes."""
        return DEFINITIONS

    def outcome(self, name: str) -> OutcomeShare:
        """The national share of the outcome `name` (a code or a category text)."""
        return _find(self.national, name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "national": [o.to_dict() for o in self.national],
            "total": self.total,
            "units": [u.to_dict() for u in self.units],
            "definitions": dict(self.definitions),
        }


def outcome_order(outcome: str) -> tuple[int, int, str]:
    """Sort key: Home Office codes by their number first, then category texts alphabetically."""
    if outcome.isdigit():
        return (0, int(outcome), outcome)
    return (1, 0, outcome)


def outcome_mix(units: Sequence[UnitOutcomes]) -> OutcomeMix:
    """Each outcome's share of closures, per unit and nationally, with 95% Wilson intervals.

    The denominator is the unit's closures with any outcome (open crimes are not counted). The
    national counts are the sums of the units'. Every unit lists every outcome seen in any unit
    (0 where it had none), in the order of `outcome_order`, so tables line up; a unit with no
    closures has a total of 0 and shares of None. A unit given twice raises ValueError.
    """
    check_distinct([u.unit for u in units])
    ordered = sorted(units, key=lambda u: u.unit)
    national: dict[str, int] = {}
    for u in ordered:
        for outcome, count in u.counts.items():
            national[outcome] = national.get(outcome, 0) + count
    outcomes = sorted(national, key=outcome_order)
    return OutcomeMix(
        sum(national.values()),
        _shares(outcomes, national),
        tuple(
            UnitMix(u.unit, sum(u.counts.values()), _shares(outcomes, u.counts)) for u in ordered
        ),
    )


def outcome_funnel(mix: OutcomeMix, outcome: str, *, method: Method = "binomial") -> Funnel:
    """A funnel of one outcome's share of closures across the units of `mix` (e.g. "16"):
    each unit's count of the outcome out of its closures, against 95% and 99.8% control limits
    around the pooled share (Spiegelhalter 2005), by `caselink.integrity.funnel`. An outcome
    no unit recorded gives every unit a count of 0."""
    points = [
        UnitCount(u.unit, sum(o.count for o in u.outcomes if o.outcome == outcome), u.total)
        for u in mix.units
    ]
    return funnel(points, method=method)


def _shares(outcomes: list[str], counts: Mapping[str, int]) -> tuple[OutcomeShare, ...]:
    total = sum(counts.values())
    result = []
    for outcome in outcomes:
        s = share(counts.get(outcome, 0), total)
        result.append(OutcomeShare(outcome, s.count, s.rate, s.lower95, s.upper95))
    return tuple(result)


def _find(items: tuple[OutcomeShare, ...], name: str) -> OutcomeShare:
    for item in items:
        if item.outcome == name:
            return item
    raise KeyError(f"no outcome {name!r}")
