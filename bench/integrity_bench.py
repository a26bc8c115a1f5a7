"""Time the funnel for 44 force areas and a 10,000-point limit-curve grid; print JSON.

Run: .venv/bin/python bench/integrity_bench.py
The peer in the same run is a plain-Python loop over scipy's scalar binomial functions, the way
the limits would be computed without vectorising.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import numpy as np
from scipy import stats

from caselink.integrity import UnitCount, binomial_limit, funnel, funnel_curves


def _best_of(repeats: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _scalar_limits(p: float, totals: list[int], p0: float) -> list[float]:
    out = []
    for n in totals:
        r = stats.binom.ppf(p, n, p0)
        f_r, f_below = stats.binom.cdf(r, n, p0), stats.binom.cdf(r - 1, n, p0)
        out.append(float((r - (f_r - p) / (f_r - f_below)) / n))
    return out


def main() -> None:
    rng = np.random.default_rng(0)
    totals = np.round(np.geomspace(30, 3000, 44)).astype(int)
    events = rng.binomial(totals, 0.117)
    units = [
        UnitCount(f"F{i}", int(e), int(n))
        for i, (e, n) in enumerate(zip(events, totals, strict=True))
    ]
    grid = list(range(1, 10_001))
    results = {
        "funnel_44_units_s": _best_of(20, lambda: funnel(units)),
        "funnel_44_units_additive_s": _best_of(20, lambda: funnel(units, method="additive")),
        "curves_10000_points_s": _best_of(
            5, lambda: funnel_curves(0.117, max_total=10_000, points=10_000)
        ),
        "one_limit_10000_points_vectorised_s": _best_of(
            5, lambda: binomial_limit(0.999, grid, 0.117)
        ),
        "one_limit_10000_points_scalar_loop_s": _best_of(
            1, lambda: _scalar_limits(0.999, grid, 0.117)
        ),
    }
    print(json.dumps({k: round(v, 6) for k, v in results.items()}, indent=2))


if __name__ == "__main__":
    main()
