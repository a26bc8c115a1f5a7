"""Confidence intervals for a proportion: Wilson score (with finite-population correction) and
Clopper–Pearson exact, and the `Rate` that carries a figure with its denominator and interval."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scipy import stats

WILSON = "wilson"
WILSON_FPC = "wilson-fpc"
CLOPPER_PEARSON = "clopper-pearson"


@dataclass(frozen=True, slots=True)
class Rate:
    """A proportion with its numerator, denominator and confidence interval.

    `rate`, `lower` and `upper` are None when the denominator is 0: there is no rate to show,
    and None (JSON null) says so where NaN would break JSON and mislead a reader.
    `population` is the size of the finite population the sample came from, when corrected.
    """

    numerator: int
    denominator: int
    rate: float | None
    lower: float | None
    upper: float | None
    level: float
    method: str
    population: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "rate": self.rate,
            "lower": self.lower,
            "upper": self.upper,
            "level": self.level,
            "method": self.method,
            "population": self.population,
        }


def z_for_level(level: float) -> float:
    """The two-sided standard normal critical value for a confidence level (1.959964 for 0.95).

    Computed as the (1 + level)/2 quantile of the standard normal distribution.
    """
    _check_level(level)
    return float(stats.norm.ppf(0.5 + level / 2.0))


def fpc_factor(sample: int, population: int) -> float:
    """The finite-population correction (N − n)/(N − 1) that scales the variance of a sample
    proportion when n items are drawn without replacement from N (Cochran 1977, §3.3).

    It is 1 for a tiny sample from a large population and 0 for a census (n = N).
    """
    if population < 1 or sample > population:
        raise ValueError(f"a sample of {sample} cannot come from a population of {population}")
    if sample >= population:
        return 0.0
    return (population - sample) / (population - 1)


def wilson_bounds(
    events: int, total: int, level: float = 0.95, population: int | None = None
) -> tuple[float, float]:
    """The Wilson score interval (Wilson 1927, JASA 22:209–212) for `events` out of `total`.

    It is the set of p for which the score test |p̂ − p| ≤ z·sqrt(p(1 − p)/n · f) does not reject,
    where f is the finite-population correction (N − n)/(N − 1) when `population` N is given and 1
    otherwise. Solving that quadratic gives centre (p̂ + z²f/2n)/(1 + z²f/n) and half-width
    z·sqrt(f)/(1 + z²f/n)·sqrt(p̂(1 − p̂)/n + z²f/4n²). A census (n = N) collapses to p̂.
    """
    _check_counts(events, total)
    if total == 0:
        raise ValueError("a proportion needs a denominator above 0")
    f = 1.0 if population is None else fpc_factor(total, population)
    z2 = z_for_level(level) ** 2 * f
    n = float(total)
    p_hat = events / n
    denom = 1.0 + z2 / n
    centre = (p_hat + z2 / (2.0 * n)) / denom
    half = math.sqrt(z2) / denom * math.sqrt(p_hat * (1.0 - p_hat) / n + z2 / (4.0 * n * n))
    lower, upper = centre - half, centre + half
    # In exact arithmetic the interval always holds p̂ and touches 0 (or 1) at 0 (or n) events;
    # these guards only absorb floating-point rounding.
    lower = 0.0 if events == 0 else min(max(lower, 0.0), p_hat)
    upper = 1.0 if events == total else max(min(upper, 1.0), p_hat)
    return lower, upper


def clopper_pearson_bounds(events: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """The Clopper–Pearson exact interval (Clopper & Pearson 1934, Biometrika 26:404–413).

    The limits are the p at which the one-sided binomial tail of the observed count equals
    (1 − level)/2; by the beta–binomial identity they are the quantiles Beta(α/2; x, n − x + 1)
    and Beta(1 − α/2; x + 1, n − x), with 0 and 1 at the boundaries. It guarantees at least
    nominal coverage and is therefore wider than Wilson; it is shown for reference.
    """
    _check_counts(events, total)
    if total == 0:
        raise ValueError("a proportion needs a denominator above 0")
    alpha = 1.0 - level
    _check_level(level)
    lower = 0.0 if events == 0 else float(stats.beta.ppf(alpha / 2, events, total - events + 1))
    upper = (
        1.0 if events == total else float(stats.beta.ppf(1 - alpha / 2, events + 1, total - events))
    )
    return lower, upper


def wilson(events: int, total: int, level: float = 0.95, population: int | None = None) -> Rate:
    """`events`/`total` as a `Rate` with its Wilson score interval (Wilson 1927).

    With `population` N the interval uses the finite-population correction (N − n)/(N − 1), for an
    audit sample of n records drawn without replacement from the N in the period. A denominator of
    0 gives a Rate whose rate and interval are None.
    """
    _check_counts(events, total)
    _check_level(level)
    method = WILSON if population is None else WILSON_FPC
    if total == 0:
        return Rate(events, total, None, None, None, level, method, population)
    lower, upper = wilson_bounds(events, total, level, population)
    return Rate(events, total, events / total, lower, upper, level, method, population)


def clopper_pearson(events: int, total: int, level: float = 0.95) -> Rate:
    """`events`/`total` as a `Rate` with its Clopper–Pearson exact interval (Clopper & Pearson
    1934).

    A denominator of 0 gives a Rate whose rate and interval are None.
    """
    _check_counts(events, total)
    _check_level(level)
    if total == 0:
        return Rate(events, total, None, None, None, level, CLOPPER_PEARSON)
    lower, upper = clopper_pearson_bounds(events, total, level)
    return Rate(events, total, events / total, lower, upper, level, CLOPPER_PEARSON)


def _check_counts(events: int, total: int) -> None:
    if total < 0 or events < 0 or events > total:
        raise ValueError(f"{events} events out of {total} is not a proportion")


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"a confidence level lies strictly between 0 and 1, not {level}")
