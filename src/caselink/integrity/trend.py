"""A unit's rate over time as a p-chart (Montgomery): centre line, 2σ and 3σ limits for each
period's own denominator, and the signals that say a point or a run is out of the ordinary."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Direction = Literal["high", "low"]
BEYOND_3SIGMA = "beyond_3sigma"
BEYOND_2SIGMA = "beyond_2sigma"
RUN = "run"
CUSUM = "cusum"


@dataclass(frozen=True, slots=True)
class PeriodCount:
    """One period (e.g. a quarter, "2024Q1") of a unit: events out of total."""

    period: str
    events: int
    total: int

    def __post_init__(self) -> None:
        if self.total < 0 or self.events < 0 or self.events > self.total:
            raise ValueError(
                f"{self.period}: {self.events} out of {self.total} is not a proportion"
            )


@dataclass(frozen=True, slots=True)
class Signal:
    """A rule a point broke: `rule` is "beyond_3sigma" (action limit), "beyond_2sigma" (warning
    limit), "run" (the point is in a run of at least `run_length` on one side of the centre
    line) or "cusum" (the tabular CUSUM crossed its decision interval); `since` is the period
    where the run or CUSUM excursion began, or the point's own period."""

    rule: str
    direction: Direction
    since: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "direction": self.direction, "since": self.since}


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """A period on the chart: its rate, its 2σ and 3σ limits, the two CUSUM sums and its
    signals. Rate and limits are None for a period with no denominator."""

    period: str
    events: int
    total: int
    rate: float | None
    lower2: float | None
    upper2: float | None
    lower3: float | None
    upper3: float | None
    cusum_high: float | None
    cusum_low: float | None
    signals: tuple[Signal, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "events": self.events,
            "total": self.total,
            "rate": self.rate,
            "lower2": self.lower2,
            "upper2": self.upper2,
            "lower3": self.lower3,
            "upper3": self.upper3,
            "cusum_high": self.cusum_high,
            "cusum_low": self.cusum_low,
            "signals": [s.to_dict() for s in self.signals],
        }


@dataclass(frozen=True, slots=True)
class PChart:
    """The chart: the centre line (None if no period has a denominator) and each period."""

    centre: float | None
    run_length: int
    cusum_k: float
    cusum_h: float
    points: tuple[ChartPoint, ...]

    @property
    def signalled(self) -> bool:
        return any(p.signals for p in self.points)

    def to_dict(self) -> dict[str, Any]:
        return {
            "centre": self.centre,
            "run_length": self.run_length,
            "cusum_k": self.cusum_k,
            "cusum_h": self.cusum_h,
            "points": [p.to_dict() for p in self.points],
        }


def p_chart(
    periods: Sequence[PeriodCount],
    *,
    centre: float | None = None,
    run_length: int = 8,
    cusum_k: float = 0.5,
    cusum_h: float = 4.0,
) -> PChart:
    """A p-chart with variable limits (Montgomery, Introduction to Statistical Quality Control,
    ch. 7): centre p̄ = Σevents/Σtotal (or a baseline `centre` from an earlier period), limits
    p̄ ± 2σ_i and ± 3σ_i with σ_i = sqrt(p̄(1 − p̄)/n_i), clipped to [0, 1].

    Signals: a point beyond 3σ (Western Electric rule 1), beyond 2σ only as a warning; a run of
    `run_length` or more points on one side of the centre line (Western Electric rule 4: 8 — a
    step change); and a two-sided tabular CUSUM of the standardised points z_i with reference
    value k = `cusum_k` and decision interval h = `cusum_h` (Montgomery ch. 9; k = 0.5, h = 4
    detects a 1σ shift), C⁺_i = max(0, z_i − k + C⁺_{i−1}), C⁻_i = max(0, −z_i − k + C⁻_{i−1}).
    Periods with no denominator are shown but neither break nor extend a run or the CUSUM. A
    point on the centre line ends a run.
    """
    if run_length < 2 or cusum_k < 0.0 or cusum_h <= 0.0:
        raise ValueError("run_length ≥ 2, cusum_k ≥ 0 and cusum_h > 0 are required")
    grand = sum(p.total for p in periods)
    p_bar = (
        (sum(p.events for p in periods) / grand if grand else None) if centre is None else centre
    )
    if p_bar is not None and not 0.0 <= p_bar <= 1.0:
        raise ValueError(f"a centre line lies in [0, 1], not {p_bar}")

    points: list[ChartPoint] = []
    run_side = 0
    run_start = ""
    run_count = 0
    c_high = c_low = 0.0
    high_start = low_start = ""
    for p in periods:
        if p.total == 0 or p_bar is None:
            points.append(
                ChartPoint(
                    p.period, p.events, p.total, None, None, None, None, None, None, None, ()
                )
            )
            continue
        rate = p.events / p.total
        sigma = math.sqrt(p_bar * (1.0 - p_bar) / p.total)
        signals: list[Signal] = []

        lower3, upper3 = max(0.0, p_bar - 3 * sigma), min(1.0, p_bar + 3 * sigma)
        lower2, upper2 = max(0.0, p_bar - 2 * sigma), min(1.0, p_bar + 2 * sigma)
        if rate > upper3 or rate < lower3:
            signals.append(Signal(BEYOND_3SIGMA, _side(rate > upper3), p.period))
        elif rate > upper2 or rate < lower2:
            signals.append(Signal(BEYOND_2SIGMA, _side(rate > upper2), p.period))

        side = (rate > p_bar) - (rate < p_bar)
        if side != 0 and side == run_side:
            run_count += 1
        else:
            run_side, run_count, run_start = side, (1 if side else 0), p.period
        if run_count >= run_length:
            signals.append(Signal(RUN, _side(run_side > 0), run_start))

        # With σ = 0 (centre 0 or 1) every departure is infinitely many σ away; the 3σ rule
        # already says so, and the CUSUM would only add infinities.
        z = (rate - p_bar) / sigma if sigma > 0 else 0.0
        if c_high == 0.0:
            high_start = p.period
        if c_low == 0.0:
            low_start = p.period
        c_high = max(0.0, z - cusum_k + c_high)
        c_low = max(0.0, -z - cusum_k + c_low)
        if c_high > cusum_h:
            signals.append(Signal(CUSUM, "high", high_start))
        if c_low > cusum_h:
            signals.append(Signal(CUSUM, "low", low_start))

        points.append(
            ChartPoint(
                p.period,
                p.events,
                p.total,
                rate,
                lower2,
                upper2,
                lower3,
                upper3,
                c_high,
                c_low,
                tuple(signals),
            )
        )
    return PChart(p_bar, run_length, cusum_k, cusum_h, tuple(points))


def _side(high: bool) -> Direction:
    return "high" if high else "low"
