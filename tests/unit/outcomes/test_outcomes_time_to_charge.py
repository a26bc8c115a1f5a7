"""Kaplan–Meier time to charge against a hand computation of the product-limit estimate and
against lifelines used directly, with the edge cases handled before lifelines is called."""

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from caselink.outcomes import (
    days_to_charge,
    days_to_charge_seconds,
    kaplan_meier,
    london_days,
    time_to_charge,
)

# Eight cases: days from recording to charge (charged = 1) or to the censoring date (0).
DAYS = [3, 5, 5, 8, 10, 12, 15, 20]
CHARGED = [1, 1, 0, 1, 0, 1, 0, 1]


def test_product_limit_by_hand() -> None:
    # S(t) = Π (1 − d_j/n_j) over charge days t_j ≤ t; a case censored on a charge day is still
    # at risk on that day.
    # day 3:  8 at risk, 1 charged -> S = 7/8             = 0.875
    # day 5:  7 at risk, 1 charged -> S = 0.875 · 6/7     = 0.75  (one censored on day 5)
    # day 8:  5 at risk, 1 charged -> S = 0.75 · 4/5      = 0.6
    # day 10: censored             -> S = 0.6
    # day 12: 3 at risk, 1 charged -> S = 0.6 · 2/3       = 0.4   (first S ≤ 0.5: the median)
    # day 15: censored             -> S = 0.4
    # day 20: 1 at risk, 1 charged -> S = 0.4 · 0/1       = 0
    result = kaplan_meier(DAYS, CHARGED)
    assert result.curve.timeline == (0.0, 3.0, 5.0, 8.0, 10.0, 12.0, 15.0, 20.0)
    assert result.curve.survival == pytest.approx([1, 0.875, 0.75, 0.6, 0.6, 0.4, 0.4, 0.0])
    assert result.median_days == 12.0
    assert (result.n, result.charged, result.censored) == (8, 5, 3)


def test_greenwood_exponential_interval_by_hand() -> None:
    # Day 3: Greenwood Σ d/(n(n − d)) = 1/(8·7) = 0.017857; on the log(−log) scale
    # v = 0.017857/(ln 0.875)² = 0.017857/0.017831 = 1.00147, sqrt(v) = 1.00073;
    # limits S^exp(±1.95996·1.00073): 0.875^7.1108 = 0.38693 and 0.875^0.14063 = 0.98140.
    curve = kaplan_meier(DAYS, CHARGED).curve
    assert curve.lower95[1] == pytest.approx(0.38693, abs=1e-4)
    assert curve.upper95[1] == pytest.approx(0.98140, abs=1e-4)


def test_median_interval_is_where_the_confidence_curves_cross_one_half() -> None:
    result = kaplan_meier(DAYS, CHARGED)
    curve = result.curve
    lower_cross = next(t for t, s in zip(curve.timeline, curve.lower95, strict=True) if s <= 0.5)
    upper_cross = next(t for t, s in zip(curve.timeline, curve.upper95, strict=True) if s <= 0.5)
    assert (result.lower95, result.upper95) == (lower_cross, upper_cross)
    assert result.lower95 is not None
    assert result.upper95 is not None
    assert result.median_days is not None
    assert result.lower95 <= result.median_days <= result.upper95


def test_median_when_the_curve_lands_exactly_on_one_half() -> None:
    # Four charged on days 2, 4, 6, 8: S(2) = 3/4, S(4) = 2/4 = 0.5 -> median day 4.
    assert kaplan_meier([2, 4, 6, 8], [1, 1, 1, 1]).median_days == 4.0


def test_against_lifelines_on_a_censored_set() -> None:
    days = np.array([30, 45, 60, 60, 90, 120, 150, 200, 250, 300, 365, 400], dtype=float)
    charged = np.array([1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0], dtype=bool)
    fitter = KaplanMeierFitter(alpha=0.05).fit(days, event_observed=charged)
    expected = median_survival_times(fitter.confidence_interval_)
    result = kaplan_meier(days, charged)
    assert result.median_days == fitter.median_survival_time_
    assert result.lower95 == expected.iloc[0, 0]
    expected_upper = expected.iloc[0, 1]
    assert result.upper95 == (None if math.isinf(expected_upper) else expected_upper)
    assert result.curve.survival == pytest.approx(fitter.survival_function_.iloc[:, 0].to_list())
    # By hand: S(30) = 11/12; S(60) = 11/12 · 8/10 = 0.73333; S(120) = 0.73333 · 6/7 = 0.62857;
    # S(200) = 0.62857 · 4/5 = 0.50286; S(300) = 0.50286 · 2/3 = 0.33524 -> median day 300.
    assert result.median_days == 300.0
    # Charged within 365 days: 1 − S(365) = 1 − 0.33524.
    within = {c.days: c for c in result.charged_within}
    assert within[365].share == pytest.approx(1 - 0.33524, abs=1e-5)
    # The longest follow-up is 400 days, censored: nothing can be said of 730 days.
    assert within[730].share is None


def test_no_median_when_fewer_than_half_are_charged() -> None:
    # One charged of ten: S never falls below 0.9.
    result = kaplan_meier([100, 200, 300, 400, 400, 500, 500, 600, 700, 800], [1] + [0] * 9)
    assert result.median_days is None
    assert result.upper95 is None
    assert min(s for s in result.curve.survival if s is not None) == pytest.approx(0.9)


def test_all_censored() -> None:
    result = kaplan_meier([10, 20, 30], [0, 0, 0], horizons=(15, 60))
    assert (result.median_days, result.lower95, result.upper95) == (None, None, None)
    assert (result.n, result.charged, result.censored) == (3, 0, 3)
    assert set(result.curve.survival) == {1.0}
    within = {c.days: c.share for c in result.charged_within}
    assert within == {15: 0.0, 60: None}


def test_no_cases() -> None:
    result = kaplan_meier([], [])
    assert (result.median_days, result.n, result.charged, result.censored) == (None, 0, 0, 0)
    assert result.curve.timeline == ()
    assert all(c.share is None for c in result.charged_within)
    json.dumps(result.to_dict(), allow_nan=False)
    everyone = time_to_charge([], [], [])
    assert everyone.units == ()
    assert everyone.national.n == 0


def test_charged_on_the_day_of_recording() -> None:
    # Two of three charged on day 0: S(0) = 1/3 -> median day 0.
    result = kaplan_meier([0, 0, 5], [1, 1, 0])
    assert result.median_days == 0.0
    assert result.curve.survival[0] == pytest.approx(1 / 3)


def test_units_and_national() -> None:
    units = ["Kent"] * 8 + ["Avon"] * 3 + ["Essex"]
    days = [*DAYS, 10, 20, 30, 7]
    charged = [*CHARGED, 0, 0, 0, 1]
    result = time_to_charge(units, days, charged)
    assert [u.unit for u in result.units] == ["Avon", "Essex", "Kent"]
    avon, essex, kent = (u.times for u in result.units)
    assert kent == kaplan_meier(DAYS, CHARGED)
    assert avon.median_days is None
    assert (essex.median_days, essex.n, essex.charged) == (7.0, 1, 1)
    assert (result.national.n, result.national.charged, result.national.censored) == (12, 6, 6)
    # Nationally, by hand: day 3 12 at risk -> 11/12; day 5 11 at risk -> · 10/11 = 0.83333;
    # day 7 9 at risk -> · 8/9 = 0.74074; day 8 8 at risk -> · 7/8 = 0.64815;
    # day 12 5 at risk (12, 15, 20, 20, 30) -> · 4/5 = 0.51852; day 20 3 at risk, 1 charged
    # -> · 2/3 = 0.34568: the median is day 20.
    assert result.national.median_days == 20.0


def test_json_shape_and_definitions() -> None:
    data = time_to_charge(["Kent"] * 8, DAYS, CHARGED).to_dict()
    json.dumps(data, allow_nan=False)
    keys = {"median_days", "lower95", "upper95", "n", "charged", "censored"}
    assert keys <= set(data["national"])
    assert keys | {"unit"} <= set(data["units"][0])
    assert set(data["national"]["curve"]) == {"timeline", "survival", "lower95", "upper95"}
    assert "censor" in data["definitions"]["censoring"]
    assert "0.5" in data["definitions"]["median_days"]


@pytest.mark.parametrize(
    ("days", "charged"),
    [
        ([1, -2], [1, 0]),
        ([1, float("nan")], [1, 0]),
        ([1, 2], [1, 2]),
        ([1, 2], [1]),
    ],
)
def test_impossible_cases_are_refused(days: list[float], charged: list[int]) -> None:
    with pytest.raises(ValueError, match=r"charged|days"):
        kaplan_meier(days, charged)


def test_every_case_needs_a_unit() -> None:
    with pytest.raises(ValueError, match="unit"):
        time_to_charge(["Kent", ""], [1, 2], [1, 0])
    with pytest.raises(ValueError, match="one entry per case"):
        time_to_charge(["Kent"], [1, 2], [1, 0])


def test_days_to_charge_applies_the_censoring_rule() -> None:
    recorded = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
    censor = datetime(2024, 12, 31, 12, 0, tzinfo=UTC)
    days, charged = days_to_charge(
        [recorded, recorded, recorded, datetime(2024, 6, 30, 23, 30, tzinfo=UTC)],
        [
            # charged on 1 March: 21 days left of January + 29 of February + 1 = 51 days
            datetime(2024, 3, 1, 15, 0, tzinfo=UTC),
            # never charged (open, or closed without a charge): censored on 31 December,
            # 2024 being a leap year: 366 − 10 = 356 days after 10 January
            None,
            # charged only after the censoring date: not yet charged as of the figures
            censor + timedelta(days=3),
            None,
        ],
        censor,
    )
    # The last case was recorded at 23:30 UTC on 30 June: 00:30 on 1 July in London (BST),
    # so 31 + 31 + 30 + 31 + 30 + 31 − 1 = 183 calendar days to 31 December.
    assert days.tolist() == [51.0, 356.0, 356.0, 183.0]
    assert charged.tolist() == [True, False, False, False]


def test_days_to_charge_refuses_impossible_times() -> None:
    recorded = datetime(2024, 1, 10, tzinfo=UTC)
    censor = datetime(2024, 12, 31, tzinfo=UTC)
    with pytest.raises(ValueError, match="before it was recorded"):
        days_to_charge([recorded], [recorded - timedelta(days=1)], censor)
    with pytest.raises(ValueError, match="after the censoring date"):
        days_to_charge([censor + timedelta(days=1)], [None], censor)
    with pytest.raises(ValueError, match="time zone"):
        days_to_charge([datetime(2024, 1, 10)], [None], censor)
    with pytest.raises(ValueError, match="one entry per case"):
        days_to_charge([recorded], [], censor)
    # 01:00 at UTC+2 on 10 January is 23:00 on 9 January in London: 366 − 9 = 357 days.
    plus_two = timezone(timedelta(hours=2))
    days, _ = days_to_charge([datetime(2024, 1, 10, 1, 0, tzinfo=plus_two)], [None], censor)
    assert days.tolist() == [357.0]


@settings(max_examples=100, deadline=None)
@given(
    cases=st.lists(
        st.tuples(
            st.integers(0, 12 * 365 * 86_400),  # recorded, seconds after 2014-01-01 UTC
            st.one_of(st.none(), st.integers(0, 4 * 365 * 86_400)),  # charged that much later
        ),
        min_size=1,
        max_size=60,
    )
)
def test_the_array_rule_gives_the_days_of_the_rule_on_times(
    cases: list[tuple[int, int | None]],
) -> None:
    base, censor = datetime(2014, 1, 1, tzinfo=UTC), datetime(2026, 12, 7, 12, tzinfo=UTC)
    recorded = [base + timedelta(seconds=r) for r, _ in cases]
    recorded = [min(r, censor) for r in recorded]
    charged = [
        None if c is None else r + timedelta(seconds=c)
        for r, (_, c) in zip(recorded, cases, strict=True)
    ]
    days, was_charged = days_to_charge(recorded, charged, censor)
    seconds = np.array([c.timestamp() if c else np.nan for c in charged])
    days2, charged2 = days_to_charge_seconds([r.timestamp() for r in recorded], seconds, censor)
    assert days.tolist() == days2.tolist()
    assert was_charged.tolist() == charged2.tolist()


def test_london_days_across_the_clock_changes() -> None:
    moments = [
        datetime(2021, 3, 28, 0, 59, 59, tzinfo=UTC),  # 00:59 GMT
        datetime(2021, 3, 28, 1, 0, tzinfo=UTC),  # 02:00 BST
        datetime(2021, 10, 30, 22, 59, tzinfo=UTC),  # 23:59 BST, the 30th
        datetime(2021, 10, 30, 23, 0, tzinfo=UTC),  # 00:00 BST, the 31st
        datetime(2021, 10, 31, 1, 0, tzinfo=UTC),  # 01:00 GMT
        datetime(2020, 6, 30, 23, 30, tzinfo=UTC),  # 00:30 BST, 1 July
    ]
    expected = [m.astimezone(ZoneInfo("Europe/London")).date().toordinal() for m in moments]
    assert london_days([m.timestamp() for m in moments]).tolist() == expected
