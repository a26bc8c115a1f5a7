"""Is the spread between units more than chance explains? Winsorised z-scores, the multiplicative
overdispersion factor φ, the DerSimonian–Laird between-unit variance τ², and two tests of excess."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from caselink.integrity.limits import FloatArray, binomial_limits

WINSOR_FRACTION = 0.10


@dataclass(frozen=True, slots=True)
class Dispersion:
    """How far the units' rates spread around the target, beyond binomial chance.

    `phi` is the mean squared winsorised z-score (1 when the spread is what chance predicts);
    `tau2` the between-unit variance of the true rates (0 when none is detected). The two tests:
    `chi2_p_value` compares k·φ with χ² on k − 1 degrees of freedom; `outside_p_value` asks
    whether more units lie outside their exact 95% limits than the 5% expected. `advised` is
    True when either p-value is below the significance level asked for. Figures are None when
    fewer than two units have a denominator or the target rate is 0 or 1.
    """

    units: int
    phi: float | None
    tau2: float | None
    chi2_p_value: float | None
    outside95: int
    expected_outside95: float
    outside_p_value: float | None
    advised: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "phi": self.phi,
            "tau2": self.tau2,
            "chi2_p_value": self.chi2_p_value,
            "outside95": self.outside95,
            "expected_outside95": self.expected_outside95,
            "outside_p_value": self.outside_p_value,
            "advised": self.advised,
        }


def z_scores(events: npt.ArrayLike, totals: npt.ArrayLike, target: float) -> FloatArray:
    """Each unit's z-score (y − p0)/sqrt(p0(1 − p0)/n) against target p0 under the binomial null
    (Spiegelhalter 2005, §6.1). Units with denominator 0, or a target of 0 or 1, give NaN."""
    r = np.asarray(events, dtype=np.float64)
    n = np.asarray(totals, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = target * (1.0 - target) / n
        z = (r / n - target) / np.sqrt(s2)
    return np.where((n > 0) & (s2 > 0), z, np.nan)


def winsorise(values: npt.ArrayLike, fraction: float = WINSOR_FRACTION) -> FloatArray:
    """The values with those below the `fraction` quantile raised to it and those above the
    1 − `fraction` quantile lowered to it (Spiegelhalter et al. 2012, JRSS A 175:1–47, §3.3.1:
    10% each side), so a few genuinely divergent units do not inflate the estimate of the
    spread they are then judged against. Quantiles interpolate linearly (numpy's default)."""
    if not 0.0 <= fraction < 0.5:
        raise ValueError(f"the winsorising fraction lies in [0, 0.5), not {fraction}")
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0 or fraction == 0.0:
        return v.copy()
    low, high = np.quantile(v, [fraction, 1.0 - fraction])
    return np.clip(v, low, high)


def phi_estimate(z: npt.ArrayLike, fraction: float = WINSOR_FRACTION) -> float:
    """The multiplicative overdispersion factor φ = Σ z_w²/k over the k winsorised z-scores
    (Spiegelhalter 2005, §6.2; Spiegelhalter et al. 2012). Near 1 under the binomial null."""
    zw = winsorise(z, fraction)
    if zw.size == 0:
        raise ValueError("phi needs at least one z-score")
    return float(np.mean(zw**2))


def tau2_estimate(phi: float, totals: npt.ArrayLike, target: float) -> float:
    """The DerSimonian–Laird between-unit variance τ² = max(0, (kφ − (k − 1))/(Σw − Σw²/Σw)),
    with w = 1/s² and s² = p0(1 − p0)/n the within-unit variance (DerSimonian & Laird 1986,
    Control Clin Trials 7:177–188; applied to winsorised z-scores as in Spiegelhalter 2005, §6.3).
    """
    n = np.asarray(totals, dtype=np.float64)
    if n.size < 2 or (n <= 0).any() or not 0.0 < target < 1.0:
        raise ValueError("tau2 needs two or more units with denominators and a target in (0, 1)")
    w = n / (target * (1.0 - target))
    k = n.size
    spread = float(w.sum() - (w**2).sum() / w.sum())
    if spread <= 0.0:
        return 0.0
    return max(0.0, (k * phi - (k - 1)) / spread)


def assess_dispersion(
    events: Sequence[int] | npt.ArrayLike,
    totals: Sequence[int] | npt.ArrayLike,
    target: float | None = None,
    *,
    fraction: float = WINSOR_FRACTION,
    significance: float = 0.05,
) -> Dispersion:
    """φ, τ² and two tests of whether the units vary more than binomial chance allows.

    The target defaults to the pooled rate Σevents/Σtotals; units with denominator 0 are left
    out. The χ² test compares k·φ (winsorised) with χ²_{k−1}, one degree lost to the pooled
    target (Spiegelhalter 2005, §6.2); it is approximate because winsorising shrinks φ. The count
    test is an exact one-sided binomial test of the number of units outside their exact 95%
    limits against an expected share of 5%. Either below `significance` sets `advised`.
    """
    r = np.asarray(events, dtype=np.int64)
    n = np.asarray(totals, dtype=np.int64)
    if r.shape != n.shape:
        raise ValueError("events and totals must have one entry per unit")
    keep = n > 0
    r, n = r[keep], n[keep]
    k = int(n.size)
    p0 = (float(r.sum()) / float(n.sum()) if k else 0.0) if target is None else target
    if k < 2 or not 0.0 < p0 < 1.0:
        return Dispersion(k, None, None, None, 0, 0.05 * k, None, False)
    lower, upper = binomial_limits(0.95, n, p0)
    rate = r / n
    outside = int(((rate < lower) | (rate > upper)).sum())
    outside_p = float(stats.binomtest(outside, k, 0.05, alternative="greater").pvalue)
    phi = phi_estimate(z_scores(r, n, p0), fraction)
    tau2 = tau2_estimate(phi, n, p0)
    chi2_p = float(stats.chi2.sf(k * phi, k - 1))
    advised = chi2_p < significance or outside_p < significance
    return Dispersion(k, phi, tau2, chi2_p, outside, 0.05 * k, outside_p, advised)
