"""Wilson and Clopper–Pearson intervals against independent computations, by simulation and
by property."""

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, stats

from caselink.integrity import (
    clopper_pearson,
    clopper_pearson_bounds,
    fpc_factor,
    wilson,
    wilson_bounds,
    z_for_level,
)


def _score_inversion(x: int, n: int, level: float, f: float = 1.0) -> tuple[float, float]:
    """Wilson's interval by definition: the p where the score statistic equals z, found by root
    finding rather than the closed form."""
    z = stats.norm.ppf(0.5 + level / 2)
    p_hat = x / n

    def score(p: float) -> float:
        return abs(p_hat - p) - z * math.sqrt(p * (1 - p) / n * f)

    # At p̂ = 0 or 1 the score is 0 at the boundary itself; bracket the other root off it.
    eps = 1e-12
    lower = 0.0 if x == 0 else optimize.brentq(score, eps, min(p_hat, 1 - eps), xtol=1e-15)
    upper = 1.0 if x == n else optimize.brentq(score, max(p_hat, eps), 1 - eps, xtol=1e-15)
    return lower, upper


@pytest.mark.parametrize(
    ("x", "n", "level"),
    [(0, 10, 0.95), (1, 10, 0.95), (5, 10, 0.9), (10, 10, 0.95), (37, 316, 0.998), (20, 100, 0.95)],
)
def test_wilson_matches_the_inverted_score_test(x: int, n: int, level: float) -> None:
    assert wilson_bounds(x, n, level) == pytest.approx(_score_inversion(x, n, level), abs=1e-10)


@pytest.mark.parametrize(
    ("x", "n", "big_n"), [(3, 20, 40), (17, 25, 100), (0, 14, 30), (30, 33, 33)]
)
def test_wilson_with_fpc_matches_the_inverted_corrected_score_test(
    x: int, n: int, big_n: int
) -> None:
    f = (big_n - n) / (big_n - 1)
    if f == 0:
        assert wilson_bounds(x, n, population=big_n) == pytest.approx((x / n, x / n))
    else:
        expected = _score_inversion(x, n, 0.95, f)
        assert wilson_bounds(x, n, population=big_n) == pytest.approx(expected, abs=1e-10)


def test_wilson_known_value() -> None:
    # 20/100 at 95%: the textbook Wilson interval is (0.1333, 0.2888).
    lower, upper = wilson_bounds(20, 100)
    assert lower == pytest.approx(0.13333, abs=1e-4)
    assert upper == pytest.approx(0.28876, abs=1e-4)


@pytest.mark.parametrize(("x", "n"), [(0, 5), (1, 5), (3, 14), (14, 14), (50, 1000)])
def test_clopper_pearson_inverts_the_binomial_tails(x: int, n: int) -> None:
    lower, upper = clopper_pearson_bounds(x, n, 0.95)
    if x > 0:
        assert stats.binom.sf(x - 1, n, lower) == pytest.approx(0.025, abs=1e-9)
        assert lower == pytest.approx(stats.beta.ppf(0.025, x, n - x + 1))
    else:
        assert lower == 0.0
    if x < n:
        assert stats.binom.cdf(x, n, upper) == pytest.approx(0.025, abs=1e-9)
    else:
        assert upper == 1.0


def test_clopper_pearson_is_wider_than_wilson() -> None:
    for x, n in [(1, 20), (5, 20), (10, 20), (3, 200)]:
        cp, w = clopper_pearson_bounds(x, n), wilson_bounds(x, n)
        assert cp[1] - cp[0] > w[1] - w[0]


def test_zero_denominator_gives_no_rate_and_valid_json() -> None:
    for rate in (wilson(0, 0), clopper_pearson(0, 0), wilson(0, 0, population=10)):
        assert (rate.rate, rate.lower, rate.upper) == (None, None, None)
        text = json.dumps(rate.to_dict(), allow_nan=False)
        assert json.loads(text)["rate"] is None


def test_rate_carries_its_figures() -> None:
    r = wilson(7, 14, level=0.9, population=50)
    assert (r.numerator, r.denominator, r.rate, r.level, r.method, r.population) == (
        7,
        14,
        0.5,
        0.9,
        "wilson-fpc",
        50,
    )
    assert r.lower is not None
    assert r.upper is not None
    assert r.lower < 0.5 < r.upper


def test_census_has_no_sampling_error() -> None:
    assert wilson_bounds(7, 20, population=20) == (0.35, 0.35)
    assert fpc_factor(20, 20) == 0.0
    assert fpc_factor(1, 1) == 0.0


@pytest.mark.parametrize(
    ("events", "total", "population", "level"),
    [
        (-1, 5, None, 0.95),
        (6, 5, None, 0.95),
        (1, 5, 4, 0.95),
        (1, 5, None, 1.0),
        (1, 5, None, 0.0),
    ],
)
def test_rejects_impossible_input(
    events: int, total: int, population: int | None, level: float
) -> None:
    with pytest.raises(ValueError, match=r"."):
        wilson(events, total, level, population)


def test_z_for_level() -> None:
    assert z_for_level(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_for_level(0.998) == pytest.approx(3.090232, abs=1e-6)


def test_wilson_coverage_is_near_nominal_by_simulation() -> None:
    # Wilson's exact coverage oscillates with p and n; at p = 0.2, n = 150 it is 0.948 (at
    # n = 100 it dips to 0.941, too near the bound for a simulation check).
    rng = np.random.default_rng(20240501)
    p, n, reps = 0.2, 150, 4000
    xs = rng.binomial(n, p, size=reps)
    covered = sum(lo <= p <= hi for lo, hi in (wilson_bounds(int(x), n) for x in xs))
    assert 0.935 <= covered / reps <= 0.965


def test_wilson_fpc_coverage_when_sampling_without_replacement() -> None:
    # A force's 200 write-offs of which 46 are wrong; the audit checks 60 of them.
    rng = np.random.default_rng(7)
    big_n, wrong, n, reps = 200, 46, 60, 4000
    p = wrong / big_n
    xs = rng.hypergeometric(wrong, big_n - wrong, n, size=reps)
    bounds = [wilson_bounds(int(x), n, population=big_n) for x in xs]
    coverage = sum(lo <= p <= hi for lo, hi in bounds) / reps
    assert 0.935 <= coverage <= 0.965
    # Without the correction the same intervals would over-cover: the correction earns its keep.
    plain = sum(lo <= p <= hi for lo, hi in (wilson_bounds(int(x), n) for x in xs)) / reps
    assert plain > coverage


counts = st.integers(min_value=1, max_value=5000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)
levels = st.floats(min_value=0.5, max_value=0.999)


@given(counts, levels)
def test_interval_holds_the_estimate_within_unit_range(xn: tuple[int, int], level: float) -> None:
    x, n = xn
    for lower, upper in (wilson_bounds(x, n, level), clopper_pearson_bounds(x, n, level)):
        assert 0.0 <= lower <= x / n <= upper <= 1.0


@given(counts, st.integers(min_value=0, max_value=100_000))
def test_fpc_never_widens(xn: tuple[int, int], extra: int) -> None:
    x, n = xn
    lower, upper = wilson_bounds(x, n)
    f_lower, f_upper = wilson_bounds(x, n, population=n + extra)
    assert f_upper - f_lower <= upper - lower + 1e-12
    assert lower - 1e-12 <= f_lower <= x / n <= f_upper <= upper + 1e-12


@given(
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=1, max_value=2000),
    st.integers(min_value=2, max_value=10),
)
def test_interval_narrows_as_n_grows(share: float, n: int, factor: int) -> None:
    # The same observed share from a larger sample gives a narrower interval.
    x = round(share * n)
    lower, upper = wilson_bounds(x, n)
    big_lower, big_upper = wilson_bounds(x * factor, n * factor)
    assert big_upper - big_lower < upper - lower
