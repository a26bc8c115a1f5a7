"""Closed forms for uncertain times against numeric integration, and the UK clock."""

from datetime import UTC, datetime

import numpy as np
import pytest

from caselink.linkage.offences.time_gaps import (
    _circular_p,
    _circular_q,
    circular_distance,
    expected_abs_difference,
    expected_circular_distance,
    uk_offset_hours,
)


def _numeric(f, a: float, b: float, c: float, d: float, n: int = 1200) -> float:
    # midpoint rule on an n x n grid; a zero-width window is a single point
    u = np.array([a]) if b == a else a + (np.arange(n) + 0.5) * (b - a) / n
    v = np.array([c]) if d == c else c + (np.arange(n) + 0.5) * (d - c) / n
    return float(f(u[:, None] - v[None, :]).mean())


WINDOWS = [
    (0.0, 10.0, 3.0, 4.0),  # nested
    (0.0, 2.0, 5.0, 9.0),  # disjoint
    (0.0, 6.0, 4.0, 12.0),  # overlapping
    (2.0, 2.0, 0.0, 5.0),  # a moment inside a window
    (0.0, 5.0, 7.0, 7.0),  # a window and a moment outside it
    (3.0, 3.0, 8.5, 8.5),  # two moments
    (100.0, 100.5, 100.2, 101.0),  # small windows far from zero
]


@pytest.mark.parametrize(("a", "b", "c", "d"), WINDOWS)
def test_expected_abs_difference_matches_numeric_integration(a, b, c, d) -> None:
    got = expected_abs_difference(np.array([a]), np.array([b]), np.array([c]), np.array([d]))[0]
    assert got == pytest.approx(_numeric(np.abs, a, b, c, d), abs=1e-4)


def test_expected_abs_difference_known_values_and_unknowns() -> None:
    # two independent uniforms on [0, 1]: E|U - V| = 1/3
    one = np.array([1.0])
    zero = np.array([0.0])
    assert expected_abs_difference(zero, one, zero, one)[0] == pytest.approx(1 / 3, rel=1e-12)
    nan = np.array([np.nan])
    assert np.isnan(expected_abs_difference(nan, nan, zero, one)[0])


def test_expected_abs_difference_is_symmetric_and_at_least_the_midpoint_gap() -> None:
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 100, 500)
    b = a + rng.exponential(5, 500) * (rng.random(500) < 0.7)
    c = rng.uniform(0, 100, 500)
    d = c + rng.exponential(5, 500) * (rng.random(500) < 0.7)
    e1 = expected_abs_difference(a, b, c, d)
    e2 = expected_abs_difference(c, d, a, b)
    np.testing.assert_allclose(e1, e2, rtol=1e-9, atol=1e-9)
    # Jensen: E|U - V| >= |E U - E V|
    assert (e1 >= np.abs((a + b) / 2 - (c + d) / 2) - 1e-9).all()


def test_circular_antiderivatives_are_periodic_and_continuous() -> None:
    for period in (24.0, 168.0):
        edges = np.array([0.0, period / 2, period])
        eps = 1e-9
        q = [_circular_q(x, period) for x in edges]
        p = [_circular_p(x, period) for x in edges]
        assert q[0] == pytest.approx(q[2], abs=1e-9)
        assert p[0] == pytest.approx(p[2], abs=1e-6)
        # continuous across the half period, where the triangle wave turns
        mid = period / 2
        assert _circular_p(mid - eps, period) == pytest.approx(
            _circular_p(mid + eps, period), abs=1e-6
        )


CIRCULAR = [
    (23.0, 25.0, 0.5, 1.5),  # both around midnight
    (1.0, 3.0, 13.0, 20.0),
    (0.0, 24.0, 5.0, 5.0),  # a whole day: uniform on the clock
    (10.0, 40.0, 2.0, 3.0),  # longer than a day
    (6.0, 6.0, 7.0, 9.5),
    (6.0, 6.0, 20.0, 20.0),  # two moments 14 h apart: 10 h on the clock
    (100.0, 100.25, 171.5, 172.0),
]


@pytest.mark.parametrize(("a", "b", "c", "d"), CIRCULAR)
def test_expected_time_of_day_distance_matches_numeric_integration(a, b, c, d) -> None:
    got = expected_circular_distance(
        np.array([a]), np.array([b]), np.array([c]), np.array([d]), 24.0
    )[0]
    want = _numeric(lambda x: circular_distance(x, 24.0), a, b, c, d)
    assert got == pytest.approx(want, abs=1e-4)


@pytest.mark.parametrize(
    ("a", "b", "c", "d"), [(0, 30, 50, 51), (10, 200, 100, 130), (5, 5, 160, 180)]
)
def test_expected_day_of_week_distance_matches_numeric_integration(a, b, c, d) -> None:
    got = expected_circular_distance(
        np.array([a], float),
        np.array([b], float),
        np.array([c], float),
        np.array([d], float),
        168.0,
    )[0]
    want = _numeric(lambda x: circular_distance(x, 168.0), a, b, c, d)
    assert got == pytest.approx(want, abs=1e-3)


def test_a_whole_period_window_gives_a_quarter_period() -> None:
    got = expected_circular_distance(
        np.array([3.0]), np.array([27.0]), np.array([8.0]), np.array([9.0]), 24.0
    )
    assert got[0] == pytest.approx(6.0, abs=1e-9)


def test_uk_clock_follows_british_summer_time() -> None:
    def hours(moment: datetime) -> float:
        return moment.timestamp() / 3600

    moments = [
        datetime(2024, 1, 15, 12, tzinfo=UTC),  # winter: GMT
        datetime(2024, 3, 31, 0, 59, tzinfo=UTC),  # just before BST starts
        datetime(2024, 3, 31, 1, 0, tzinfo=UTC),  # BST starts at 01:00 UTC
        datetime(2024, 7, 1, tzinfo=UTC),
        datetime(2024, 10, 27, 0, 59, tzinfo=UTC),
        datetime(2024, 10, 27, 1, 0, tzinfo=UTC),  # and ends at 01:00 UTC
    ]
    got = uk_offset_hours(np.array([hours(m) for m in moments] + [np.nan]))
    np.testing.assert_array_equal(got[:-1], [0, 0, 1, 1, 1, 0])
    assert np.isnan(got[-1])
