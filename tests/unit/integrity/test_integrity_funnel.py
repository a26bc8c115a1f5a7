"""Funnel limits against scipy's binomial directly, on published-like figures, under the null
by simulation, and with overdispersion."""

import json
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import integrate, stats

from caselink.integrity import (
    UnitCount,
    assess_dispersion,
    binomial_limit,
    binomial_limits,
    funnel,
    funnel_curves,
    normal_limits,
    phi_estimate,
    tau2_estimate,
    winsorise,
    z_scores,
)

SIZES = np.round(np.geomspace(30, 3000, 44)).astype(int)


def _spiegelhalter_limit(p: float, n: int, p0: float) -> float:
    """The interpolated limit computed the long way: walk the CDF to find r_p."""
    r = 0
    while stats.binom.cdf(r, n, p0) < p:
        r += 1
    f_r, f_below = stats.binom.cdf(r, n, p0), stats.binom.cdf(r - 1, n, p0)
    alpha = (f_r - p) / (f_r - f_below)
    return float(min(max((r - alpha) / n, 0.0), 1.0))


@pytest.mark.parametrize("p0", [0.02, 0.117, 0.5, 0.9])
@pytest.mark.parametrize("p", [0.001, 0.025, 0.975, 0.999])
def test_limits_match_a_direct_binomial_computation(p0: float, p: float) -> None:
    totals = [1, 7, 30, 144, 1000, 4321]
    expected = [_spiegelhalter_limit(p, n, p0) for n in totals]
    assert binomial_limit(p, totals, p0) == pytest.approx(expected, abs=1e-12)


def test_limits_interpolate_between_counts() -> None:
    # The limit lies in (r_p − 1, r_p]/n: between the two counts whose CDF values straddle p.
    n, p0 = 250, 0.117
    upper = binomial_limit(0.975, [n], p0)[0]
    r = stats.binom.ppf(0.975, n, p0)
    assert (r - 1) / n < upper <= r / n


def test_zero_denominator_has_no_limits() -> None:
    lower, upper = binomial_limits(0.95, [0, 10], 0.1)
    assert math.isnan(lower[0])
    assert math.isnan(upper[0])
    assert not math.isnan(upper[1])


def _published_like() -> list[UnitCount]:
    # Shaped like 2010/11: a national no-crime rate of 11.7%, one force at 30% (Kent) and one
    # at 2.4% (Gloucestershire), the rest spread a little around the national rate.
    units = [UnitCount("Kent", 300, 1000), UnitCount("Gloucestershire", 12, 500)]
    others = [(1000, 110), (1000, 105), (500, 52), (500, 49), (200, 21), (200, 19), (2000, 205)]
    others += [(2000, 198), (1000, 101), (500, 48)]
    units += [UnitCount(f"Force {i}", e, t) for i, (t, e) in enumerate(others)]
    return units


def test_published_like_figures_flag_the_extremes() -> None:
    result = funnel(_published_like())
    assert result.national_rate == pytest.approx(0.117, abs=0.001)
    flags = {u.unit: u.flag for u in result.units}
    assert flags["Kent"] == "high"
    assert flags["Gloucestershire"] == "low"
    assert all(flag is None for name, flag in flags.items() if name.startswith("Force"))
    assert result.dispersion.advised


def test_funnel_json_shape() -> None:
    units = [*_published_like(), UnitCount("No reports", 0, 0)]
    doc = json.loads(json.dumps(funnel(units).to_dict(), allow_nan=False))
    assert doc["national_rate"] == pytest.approx(0.117, abs=0.001)
    keys = {"unit", "events", "total", "rate", "lower95", "upper95", "lower998", "upper998", "flag"}
    for unit in doc["units"]:
        assert keys <= unit.keys()
        assert unit["flag"] in ("high", "low", None)
    empty = doc["units"][-1]
    assert empty["rate"] is None
    assert empty["flag"] is None
    assert empty["upper998"] is None
    kent = doc["units"][0]
    assert (
        kent["lower998"]
        < kent["lower95"]
        < doc["national_rate"]
        < kent["upper95"]
        < kent["upper998"]
    )


def test_funnel_with_no_denominators() -> None:
    result = funnel([UnitCount("A", 0, 0)])
    assert result.national_rate is None
    assert result.units[0].flag is None
    json.dumps(result.to_dict(), allow_nan=False)


def test_duplicate_units_are_refused() -> None:
    with pytest.raises(ValueError, match="once"):
        funnel([UnitCount("A", 1, 10), UnitCount("A", 2, 10)])


def test_units_follow_their_input_order_and_limits_depend_only_on_n() -> None:
    result = funnel([UnitCount("B", 10, 100), UnitCount("A", 30, 100)])
    assert [u.unit for u in result.units] == ["B", "A"]
    assert result.units[0].upper998 == result.units[1].upper998


def test_in_control_units_fall_inside_the_95_limits_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(11)
    inside95 = inside998 = count = 0
    for _ in range(100):
        events = rng.binomial(SIZES, 0.117)
        result = funnel(
            [
                UnitCount(str(i), int(e), int(n))
                for i, (e, n) in enumerate(zip(events, SIZES, strict=True))
            ]
        )
        inside95 += sum(u.flag95 is None for u in result.units)
        inside998 += sum(u.flag is None for u in result.units)
        count += len(result.units)
    assert 0.935 <= inside95 / count <= 0.965
    assert inside998 / count >= 0.995


def test_curves_cover_the_grid_and_narrow_overall() -> None:
    curves = funnel_curves(0.117, max_total=10_000, points=10_000)
    assert curves.totals[0] == 1
    assert curves.totals[-1] == 10_000
    assert len(curves.totals) == 10_000
    assert curves.upper998[0] > curves.upper95[0] > 0.117
    assert curves.upper998[-1] - curves.lower998[-1] < 0.03
    doc = json.loads(json.dumps(curves.to_dict(), allow_nan=False))
    assert len(doc["lower95"]) == 10_000


def test_curves_match_unit_limits() -> None:
    result = funnel(_published_like())
    p0 = result.national_rate
    assert p0 is not None
    curves = funnel_curves(p0, [u.total for u in result.units])
    assert list(curves.upper998) == [u.upper998 for u in result.units]
    assert list(curves.lower95) == [u.lower95 for u in result.units]


@given(
    st.floats(min_value=0.001, max_value=0.999),
    st.integers(min_value=1, max_value=5000),
    st.sampled_from([0.001, 0.025, 0.975, 0.999]),
)
def test_limits_narrow_as_n_grows(p0: float, n: int, p: float) -> None:
    # Spiegelhalter's interpolated limits are continuous in n but wobble slightly between
    # neighbouring n, and where fewer than about one event (or non-event) is expected they sit
    # in the end cell of the distribution; so narrowing is asserted over a quadrupling of n once
    # n·p0(1 − p0) ≥ 1 (checked exhaustively on a grid of p0 and n ≤ 3000 when written).
    assume(n * p0 * (1 - p0) >= 1)
    small, large = binomial_limit(p, [n, 4 * n], p0)
    if p > 0.5:
        assert large <= small + 1e-12
    else:
        assert large >= small - 1e-12
    lo_small, up_small = normal_limits(0.95, [n], p0)
    lo_large, up_large = normal_limits(0.95, [n + 1], p0)
    assert up_large[0] - lo_large[0] <= up_small[0] - lo_small[0]


@given(st.floats(min_value=0.01, max_value=0.99), st.integers(min_value=1, max_value=5000))
def test_99_8_limits_enclose_95_limits(p0: float, n: int) -> None:
    lo95, up95 = binomial_limits(0.95, [n], p0)
    lo998, up998 = binomial_limits(0.998, [n], p0)
    assert 0.0 <= lo998[0] <= lo95[0] <= up95[0] <= up998[0] <= 1.0


def test_winsorise_clips_to_the_10_and_90_percentiles() -> None:
    z = np.arange(11.0)  # 0..10: the 10th and 90th percentiles are 1 and 9
    assert list(winsorise(z)) == [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9]
    assert phi_estimate([3.0, -3.0], 0.0) == 9.0


def test_tau2_by_dersimonian_laird() -> None:
    totals = np.array([100, 400, 900])
    p0, phi = 0.2, 5.0
    w = totals / (p0 * (1 - p0))
    expected = (3 * phi - 2) / (w.sum() - (w**2).sum() / w.sum())
    assert tau2_estimate(phi, totals, p0) == pytest.approx(expected)
    assert tau2_estimate(0.5, totals, p0) == 0.0


def _winsorised_null_phi() -> float:
    # E[z_w²] for a standard normal z winsorised at its 10th and 90th percentiles.
    c = stats.norm.ppf(0.9)
    inner, _ = integrate.quad(lambda z: z * z * stats.norm.pdf(z), -c, c)
    return float(inner + 0.2 * c * c)


def test_phi_near_its_null_value_for_binomial_units() -> None:
    rng = np.random.default_rng(3)
    raw, wins, advised = [], [], 0
    for _ in range(200):
        events = rng.binomial(SIZES, 0.117)
        p0 = events.sum() / SIZES.sum()
        z = z_scores(events, SIZES, p0)
        raw.append(phi_estimate(z, 0.0))
        result = assess_dispersion(events, SIZES)
        assert result.phi is not None
        wins.append(result.phi)
        advised += result.advised
    # Unwinsorised φ is about 1 under the binomial null ((k − 1)/k with the pooled target) ...
    assert np.mean(raw) == pytest.approx(1.0, abs=0.06)
    # ... and winsorising at 10%/90% shrinks it to about 0.68, so φ > 1 is a real signal.
    assert np.mean(wins) == pytest.approx(_winsorised_null_phi(), abs=0.05)
    assert advised / 200 <= 0.1


def test_overdispersed_units_give_phi_above_one_and_adjusted_limits_flag_fewer() -> None:
    rng = np.random.default_rng(5)
    mean, sd = 0.117, 0.04
    concentration = mean * (1 - mean) / sd**2 - 1
    for _ in range(20):
        rates = rng.beta(mean * concentration, (1 - mean) * concentration, size=SIZES.size)
        events = rng.binomial(SIZES, rates)
        units = [
            UnitCount(str(i), int(e), int(n))
            for i, (e, n) in enumerate(zip(events, SIZES, strict=True))
        ]
        plain = funnel(units)
        multiplicative = funnel(units, method="multiplicative")
        additive = funnel(units, method="additive")
        assert plain.dispersion.phi is not None
        assert plain.dispersion.phi > 1.0
        assert plain.dispersion.advised
        assert multiplicative.adjusted
        assert additive.adjusted
        assert multiplicative.phi == plain.dispersion.phi
        assert additive.tau2 is not None
        assert additive.tau2 > 0
        flagged = sum(u.flag is not None for u in plain.units)
        assert sum(u.flag is not None for u in multiplicative.units) < flagged
        assert sum(u.flag is not None for u in additive.units) < flagged


def test_adjusted_limits_use_the_inflated_normal_variance() -> None:
    units = _published_like()
    result = funnel(units, method="additive")
    p0, tau2 = result.national_rate, result.tau2
    assert p0 is not None
    assert tau2 is not None
    kent = result.units[0]
    z = stats.norm.ppf(0.999)
    half = z * math.sqrt(p0 * (1 - p0) / kent.total + tau2)
    assert kent.upper998 == pytest.approx(min(1.0, p0 + half))
    assert kent.lower998 == pytest.approx(max(0.0, p0 - half))


def test_no_adjustment_without_overdispersion() -> None:
    units = [
        UnitCount("A", 10, 100),
        UnitCount("B", 11, 100),
        UnitCount("C", 10, 100),
        UnitCount("D", 9, 100),
    ]
    plain = funnel(units)
    for method in ("multiplicative", "additive"):
        adjusted = funnel(units, method=method)
        assert not adjusted.adjusted
        assert [u.upper998 for u in adjusted.units] == [u.upper998 for u in plain.units]


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown funnel method"):
        funnel([UnitCount("A", 1, 10)], method="poisson")  # type: ignore[arg-type]
