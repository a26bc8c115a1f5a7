"""Control limits around a target proportion for a unit of size n: exact binomial limits with
Spiegelhalter's interpolation, and normal limits on an inflated variance for overdispersed data."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]


def binomial_limit(probability: float, totals: npt.ArrayLike, target: float) -> FloatArray:
    """The exact binomial control limit at cumulative `probability` (e.g. 0.975 for the upper 95%
    limit, 0.001 for the lower 99.8% limit) for each denominator in `totals`, as a proportion.

    Spiegelhalter (2005, Stat Med 24:1185–1202, appendix A.1.1): r_p is the smallest count with
    F(r_p) ≥ p under Binomial(n, target); α = (F(r_p) − p)/(F(r_p) − F(r_p − 1)); the limit is
    (r_p − α)/n, clipped to [0, 1]. The interpolation runs the binomial CDF linearly between
    counts, so limits move smoothly with n instead of in steps. Denominators of 0 give NaN.
    """
    if not 0.0 < probability < 1.0:
        raise ValueError(f"a limit's cumulative probability lies in (0, 1), not {probability}")
    if not 0.0 <= target <= 1.0:
        raise ValueError(f"a target proportion lies in [0, 1], not {target}")
    n = np.atleast_1d(np.asarray(totals, dtype=np.int64))
    if (n < 0).any():
        raise ValueError("denominators cannot be negative")
    out = np.full(n.shape, np.nan, dtype=np.float64)
    positive = n > 0
    if not positive.any():
        return out
    m = n[positive]
    r = stats.binom.ppf(probability, m, target)
    f_r = stats.binom.cdf(r, m, target)
    f_below = stats.binom.cdf(r - 1, m, target)
    step = f_r - f_below
    # r_p is defined so that the step is positive; the guard covers rounding at target 0 or 1.
    alpha = np.divide(f_r - probability, step, out=np.zeros_like(step), where=step > 0)
    out[positive] = np.clip((r - alpha) / m, 0.0, 1.0)
    return out


def binomial_limits(
    level: float, totals: npt.ArrayLike, target: float
) -> tuple[FloatArray, FloatArray]:
    """The lower and upper exact binomial control limits enclosing `level` (e.g. 0.95 or 0.998)
    around `target` for each denominator, by Spiegelhalter's interpolation (`binomial_limit` at
    cumulative probabilities (1 − level)/2 and (1 + level)/2)."""
    _check_level(level)
    tail = (1.0 - level) / 2.0
    return binomial_limit(tail, totals, target), binomial_limit(1.0 - tail, totals, target)


def normal_limits(
    level: float,
    totals: npt.ArrayLike,
    target: float,
    *,
    phi: float = 1.0,
    tau2: float = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """Normal-approximation control limits target ± z·sqrt(φ·s² + τ²), s² = target(1 − target)/n.

    With φ > 1 these are Spiegelhalter's (2005, §6.2) multiplicatively overdispersed limits; with
    τ² > 0 the additive random-effects limits (§6.3; DerSimonian & Laird 1986). Clipped to [0, 1];
    denominators of 0 give NaN.
    """
    _check_level(level)
    if phi <= 0.0 or tau2 < 0.0:
        raise ValueError("phi must be positive and tau2 non-negative")
    n = np.atleast_1d(np.asarray(totals, dtype=np.float64))
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where(n > 0, target * (1.0 - target) / n, np.nan)
    half = z * np.sqrt(phi * s2 + tau2)
    return np.clip(target - half, 0.0, 1.0), np.clip(target + half, 0.0, 1.0)


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"a limit's coverage lies strictly between 0 and 1, not {level}")
