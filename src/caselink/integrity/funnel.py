"""Funnel plots (Spiegelhalter 2005): each unit's rate against its denominator, with 95% and
99.8% control limits around the pooled rate, optionally widened for overdispersion."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from caselink.integrity.limits import FloatArray, binomial_limits, normal_limits
from caselink.integrity.overdispersion import Dispersion, assess_dispersion, z_scores

Method = Literal["binomial", "multiplicative", "additive"]
Flag = Literal["high", "low"]
INNER = 0.95
OUTER = 0.998


@dataclass(frozen=True, slots=True)
class UnitCount:
    """One unit (a force) on the funnel: how many events (e.g. write-offs) out of how many."""

    unit: str
    events: int
    total: int

    def __post_init__(self) -> None:
        if self.total < 0 or self.events < 0 or self.events > self.total:
            raise ValueError(f"{self.unit}: {self.events} out of {self.total} is not a proportion")


@dataclass(frozen=True, slots=True)
class FunnelPoint:
    """A unit's rate, its limits and where it lies: `flag` is "high" or "low" beyond the 99.8%
    limits (None within), `flag95` the same for the 95% limits. `z` is the unit's z-score on
    the variance the limits use (adjusted when the funnel is). All None for a 0 denominator."""

    unit: str
    events: int
    total: int
    rate: float | None
    lower95: float | None
    upper95: float | None
    lower998: float | None
    upper998: float | None
    z: float | None
    flag: Flag | None
    flag95: Flag | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "events": self.events,
            "total": self.total,
            "rate": self.rate,
            "lower95": self.lower95,
            "upper95": self.upper95,
            "lower998": self.lower998,
            "upper998": self.upper998,
            "flag": self.flag,
            "flag95": self.flag95,
            "z": self.z,
        }


@dataclass(frozen=True, slots=True)
class Funnel:
    """The funnel: the national (pooled) rate, each unit's point, and the dispersion check.

    `method` is what was asked for; `adjusted` says whether overdispersion limits were used
    (they are only when φ > 1 or τ² > 0; otherwise the exact binomial limits stand).
    """

    national_rate: float | None
    method: Method
    adjusted: bool
    phi: float | None
    tau2: float | None
    dispersion: Dispersion
    units: tuple[FunnelPoint, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "national_rate": self.national_rate,
            "method": self.method,
            "adjusted": self.adjusted,
            "phi": self.phi,
            "tau2": self.tau2,
            "dispersion": self.dispersion.to_dict(),
            "units": [u.to_dict() for u in self.units],
        }


@dataclass(frozen=True, slots=True)
class FunnelCurves:
    """Control-limit curves over a grid of denominators, for drawing the funnel."""

    target: float
    totals: tuple[int, ...]
    lower95: tuple[float, ...]
    upper95: tuple[float, ...]
    lower998: tuple[float, ...]
    upper998: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "totals": list(self.totals),
            "lower95": list(self.lower95),
            "upper95": list(self.upper95),
            "lower998": list(self.lower998),
            "upper998": list(self.upper998),
        }


def funnel(
    units: Sequence[UnitCount],
    *,
    method: Method = "binomial",
    target: float | None = None,
    winsor: float = 0.10,
) -> Funnel:
    """Control limits for every unit around the pooled rate p0 = Σevents/Σtotals (or `target`).

    "binomial": exact binomial limits with Spiegelhalter's (2005, appendix A.1.1) interpolation
    at 95% and 99.8%. "multiplicative": if the winsorised φ exceeds 1, limits p0 ± z·sqrt(φ·s²)
    (Spiegelhalter 2005, §6.2; Spiegelhalter et al. 2012, JRSS A 175:1–47). "additive": if the
    DerSimonian–Laird τ² is positive, limits p0 ± z·sqrt(s² + τ²) (§6.3), where s² = p0(1 − p0)/n.
    A unit is flagged "high"/"low" when its rate lies strictly beyond a limit.
    """
    if method not in ("binomial", "multiplicative", "additive"):
        raise ValueError(f"unknown funnel method {method!r}")
    names = [u.unit for u in units]
    if len(set(names)) != len(names):
        raise ValueError("each unit may appear once on a funnel")
    events = np.array([u.events for u in units], dtype=np.int64)
    totals = np.array([u.total for u in units], dtype=np.int64)
    grand = int(totals.sum())
    p0 = (float(events.sum()) / grand if grand else None) if target is None else target
    if p0 is None:
        dispersion = Dispersion(0, None, None, None, 0, 0.0, None, False)
        points = tuple(_point(u, math.nan, math.nan, math.nan, math.nan, math.nan) for u in units)
        return Funnel(None, method, False, None, None, dispersion, points)
    if not 0.0 <= p0 <= 1.0:
        raise ValueError(f"a target rate lies in [0, 1], not {p0}")

    dispersion = assess_dispersion(events, totals, p0, fraction=winsor)
    phi, tau2 = 1.0, 0.0
    if method == "multiplicative" and dispersion.phi is not None and dispersion.phi > 1.0:
        phi = dispersion.phi
    elif method == "additive" and dispersion.tau2 is not None and dispersion.tau2 > 0.0:
        tau2 = dispersion.tau2
    adjusted = phi > 1.0 or tau2 > 0.0
    lo95, up95, lo998, up998 = _limits(totals, p0, phi, tau2)

    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = p0 * (1.0 - p0) / totals.astype(np.float64)
        z = np.where(
            adjusted,
            (events / totals - p0) / np.sqrt(phi * s2 + tau2),
            z_scores(events, totals, p0),
        )
    points = tuple(
        _point(u, lo95[i], up95[i], lo998[i], up998[i], float(z[i])) for i, u in enumerate(units)
    )
    return Funnel(
        p0,
        method,
        adjusted,
        dispersion.phi if method == "multiplicative" else None,
        dispersion.tau2 if method == "additive" else None,
        dispersion,
        points,
    )


def funnel_curves(
    target: float,
    totals: npt.ArrayLike | None = None,
    *,
    max_total: int | None = None,
    points: int = 200,
    phi: float = 1.0,
    tau2: float = 0.0,
) -> FunnelCurves:
    """The 95% and 99.8% limit curves around `target` over a grid of denominators, for plotting.

    Give the denominators, or `max_total` and a number of `points` for an evenly spaced integer
    grid from 1 (duplicates after rounding dropped). Exact binomial limits with Spiegelhalter's
    interpolation unless φ > 1 or τ² > 0 is given, as from a funnel's `phi`/`tau2`, when the
    normal limits on the inflated variance are drawn instead — the same rules as `funnel`.
    """
    if totals is None:
        if max_total is None or max_total < 1 or points < 1:
            raise ValueError("give the denominators, or max_total ≥ 1 and points ≥ 1")
        grid = np.unique(np.rint(np.linspace(1, max_total, points)).astype(np.int64))
    else:
        grid = np.atleast_1d(np.asarray(totals, dtype=np.int64))
        if (grid < 1).any():
            raise ValueError("curve denominators start at 1")
    lo95, up95, lo998, up998 = _limits(grid, target, phi, tau2)
    return FunnelCurves(
        target,
        tuple(int(v) for v in grid),
        tuple(float(v) for v in lo95),
        tuple(float(v) for v in up95),
        tuple(float(v) for v in lo998),
        tuple(float(v) for v in up998),
    )


def _limits(
    totals: npt.ArrayLike, p0: float, phi: float, tau2: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    if phi > 1.0 or tau2 > 0.0:
        lo95, up95 = normal_limits(INNER, totals, p0, phi=max(phi, 1.0), tau2=tau2)
        lo998, up998 = normal_limits(OUTER, totals, p0, phi=max(phi, 1.0), tau2=tau2)
    else:
        lo95, up95 = binomial_limits(INNER, totals, p0)
        lo998, up998 = binomial_limits(OUTER, totals, p0)
    return lo95, up95, lo998, up998


def _point(
    u: UnitCount, lo95: float, up95: float, lo998: float, up998: float, z: float
) -> FunnelPoint:
    if u.total == 0:
        return FunnelPoint(u.unit, 0, 0, None, None, None, None, None, None, None, None)
    rate = u.events / u.total
    return FunnelPoint(
        u.unit,
        u.events,
        u.total,
        rate,
        float(lo95),
        float(up95),
        float(lo998),
        float(up998),
        float(z) if math.isfinite(z) else None,
        _flag(rate, lo998, up998),
        _flag(rate, lo95, up95),
    )


def _flag(rate: float, lower: float, upper: float) -> Flag | None:
    if rate > upper:
        return "high"
    if rate < lower:
        return "low"
    return None
