"""The p-chart: limits per period, and each signal rule."""

import json
import math

import numpy as np
import pytest

from caselink.integrity import PeriodCount, p_chart


def _quarters(pairs: list[tuple[int, int]]) -> list[PeriodCount]:
    return [PeriodCount(f"Q{i + 1}", e, n) for i, (e, n) in enumerate(pairs)]


def test_centre_and_limits_use_each_period_own_n() -> None:
    chart = p_chart(_quarters([(10, 100), (30, 300), (12, 100)]))
    assert chart.centre == pytest.approx(52 / 500)
    p = 52 / 500
    for point in chart.points:
        sigma = math.sqrt(p * (1 - p) / point.total)
        assert point.upper3 == pytest.approx(p + 3 * sigma)
        assert point.lower3 == pytest.approx(max(0.0, p - 3 * sigma))
        assert point.upper2 == pytest.approx(p + 2 * sigma)
    assert chart.points[1].upper3 is not None
    assert chart.points[0].upper3 is not None
    assert chart.points[1].upper3 < chart.points[0].upper3


def test_point_beyond_3_sigma_is_an_action_signal() -> None:
    chart = p_chart(_quarters([(10, 100)] * 6 + [(40, 100)]), centre=0.1)
    last = chart.points[-1]
    assert next((s.rule, s.direction, s.since) for s in last.signals) == (
        "beyond_3sigma",
        "high",
        "Q7",
    )
    assert not any(s.rule == "beyond_3sigma" for p in chart.points[:-1] for s in p.signals)


def test_point_between_2_and_3_sigma_is_a_warning() -> None:
    # centre 0.1, n = 100: σ = 0.03, so 17% is 2.33σ above.
    chart = p_chart(_quarters([(17, 100)]), centre=0.1)
    assert [s.rule for s in chart.points[0].signals] == ["beyond_2sigma"]


def test_run_of_eight_on_one_side_signals_a_step_change() -> None:
    pairs = [(10, 100)] * 3 + [(12, 100)] * 8
    chart = p_chart(_quarters(pairs), centre=0.1)
    runs = [[s for s in p.signals if s.rule == "run"] for p in chart.points]
    # Points equal to the centre break runs; the run starts at Q4 and signals at its 8th point.
    assert all(not r for r in runs[:10])
    assert [(s.direction, s.since) for s in runs[10]] == [("high", "Q4")]
    seven = p_chart(_quarters([(10, 100)] * 3 + [(12, 100)] * 7), centre=0.1)
    assert not any(s.rule == "run" for p in seven.points for s in p.signals)


def test_cusum_detects_a_sustained_small_shift() -> None:
    # A shift of about 1σ that never crosses the 3σ limit.
    pairs = [(100, 1000)] * 4 + [(110, 1000)] * 8
    chart = p_chart(_quarters(pairs), centre=0.1)
    cusum = [s for p in chart.points for s in p.signals if s.rule == "cusum"]
    assert cusum
    assert {s.direction for s in cusum} == {"high"}
    assert {s.since for s in cusum} == {"Q5"}
    assert not any(s.rule == "beyond_3sigma" for p in chart.points for s in p.signals)
    first = next(p for p in chart.points if any(s.rule == "cusum" for s in p.signals))
    assert first.cusum_high is not None
    assert first.cusum_high > chart.cusum_h


def test_cusum_sums_follow_the_tabular_recursion() -> None:
    chart = p_chart(_quarters([(12, 100), (8, 100), (14, 100)]), centre=0.1, cusum_k=0.5)
    sigma = math.sqrt(0.1 * 0.9 / 100)
    hi = lo = 0.0
    for point in chart.points:
        assert point.rate is not None
        z = (point.rate - 0.1) / sigma
        hi, lo = max(0.0, z - 0.5 + hi), max(0.0, -z - 0.5 + lo)
        assert point.cusum_high == pytest.approx(hi)
        assert point.cusum_low == pytest.approx(lo)


def test_in_control_series_rarely_signals() -> None:
    rng = np.random.default_rng(9)
    signalled = 0
    for _ in range(200):
        events = rng.binomial(400, 0.12, size=12)
        chart = p_chart(_quarters([(int(e), 400) for e in events]), centre=0.12)
        signalled += any(s.rule != "beyond_2sigma" for p in chart.points for s in p.signals)
    assert signalled / 200 < 0.15


def test_empty_periods_are_shown_and_skipped() -> None:
    chart = p_chart(_quarters([(10, 100), (0, 0), (11, 100)]))
    assert chart.points[1].rate is None
    assert chart.points[1].signals == ()
    doc = json.loads(json.dumps(chart.to_dict(), allow_nan=False))
    assert doc["points"][1]["upper3"] is None
    assert p_chart(_quarters([(0, 0)])).centre is None


def test_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="run_length"):
        p_chart(_quarters([(1, 10)]), run_length=1)
    with pytest.raises(ValueError, match="proportion"):
        PeriodCount("Q1", 11, 10)
