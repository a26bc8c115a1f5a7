"""Attrition along the justice path against hand-computed figures, with funnels."""

import json

import pytest

from caselink.integrity import wilson_bounds
from caselink.outcomes import STAGES, AttritionCounts, attrition, stages


def _units() -> list[AttritionCounts]:
    return [
        # unit, reported, recorded, suspect, referred, charged, convicted, closed, outcome16
        AttritionCounts("Cumbria", 25, 20, 9, 5, 3, 1, 15, 6),
        AttritionCounts("Avon", 12, 10, 6, 4, 2, 1, 8, 3),
        AttritionCounts("Rutland", 5, 0, 0, 0, 0, 0),
    ]


def test_stages_are_named_and_ordered_as_the_path() -> None:
    assert STAGES == (
        "reported",
        "recorded",
        "suspect_identified",
        "referred_to_cps",
        "charged",
        "convicted",
    )
    result = attrition(_units())
    assert [s.stage for s in result.national] == list(STAGES)
    assert [u.unit for u in result.units] == ["Avon", "Cumbria", "Rutland"]


def test_unit_rates_are_shares_of_recorded_crimes() -> None:
    avon = attrition(_units()).units[0]
    assert [s.count for s in avon.stages] == [12, 10, 6, 4, 2, 1]
    # Reported has no rate; recorded is the base, 10/10 = 1 by definition.
    reported, recorded = avon.stage("reported"), avon.stage("recorded")
    assert (reported.rate, reported.lower95, reported.upper95) == (None, None, None)
    assert (recorded.rate, recorded.lower95, recorded.upper95) == (1.0, 1.0, 1.0)
    # Charged 2 of 10 recorded: p = 0.2, z² = 3.8415, z²/n = 0.38415;
    # centre = (0.2 + 0.19207)/1.38415 = 0.28326;
    # half = 1.95996/1.38415 · sqrt(0.016 + 0.0096037) = 1.41600 · 0.16001 = 0.22658;
    # interval 0.05668 to 0.50984.
    charged = avon.stage("charged")
    assert charged.rate == 0.2
    assert charged.lower95 == pytest.approx(0.05668, abs=1e-5)
    assert charged.upper95 == pytest.approx(0.50984, abs=1e-5)
    assert avon.stage("suspect_identified").rate == pytest.approx(6 / 10)
    assert avon.stage("convicted").rate == pytest.approx(1 / 10)


def test_national_sums_the_units() -> None:
    result = attrition(_units())
    # reported 25 + 12 + 5 = 42; recorded 20 + 10 + 0 = 30; suspect 9 + 6 = 15;
    # referred 5 + 4 = 9; charged 3 + 2 = 5; convicted 1 + 1 = 2.
    assert [s.count for s in result.national] == [42, 30, 15, 9, 5, 2]
    suspect = result.stage("suspect_identified")
    # 15 of 30 = 0.5: the Wilson interval is symmetric about 0.5,
    # half = 1.95996/(1 + 3.8415/30) · sqrt(0.25/30 + 3.8415/3600) = 1.73747 · 0.096956
    # = 0.16846.
    assert suspect.rate == 0.5
    assert suspect.lower95 == pytest.approx(0.5 - 0.16846, abs=1e-5)
    assert suspect.upper95 == pytest.approx(0.5 + 0.16846, abs=1e-5)
    # 5 of 30: p = 0.16667, z²/n = 0.12805; centre = (0.16667 + 0.06402)/1.12805 = 0.20450;
    # half = 1.73748 · sqrt(0.0046296 + 0.0010671) = 1.73748 · 0.075476 = 0.13114.
    charged = result.stage("charged")
    assert charged.rate == pytest.approx(5 / 30)
    assert charged.lower95 == pytest.approx(0.20450 - 0.13114, abs=1e-4)
    assert charged.upper95 == pytest.approx(0.20450 + 0.13114, abs=1e-4)


def test_a_unit_with_no_recorded_crimes_has_no_rates() -> None:
    rutland = attrition(_units()).units[2]
    assert rutland.stage("reported").count == 5
    for stage in rutland.stages:
        assert (stage.rate, stage.lower95, stage.upper95) == (None, None, None)


def test_json_shape_and_definitions() -> None:
    data = attrition(_units()).to_dict()
    text = json.dumps(data, allow_nan=False)
    assert "NaN" not in text
    assert set(data) == {"national", "units", "funnels", "definitions"}
    assert data["national"]["stages"][4] == {
        "stage": "charged",
        "count": 5,
        "rate": pytest.approx(5 / 30),
        "lower95": pytest.approx(wilson_bounds(5, 30)[0]),
        "upper95": pytest.approx(wilson_bounds(5, 30)[1]),
    }
    assert data["units"][0]["unit"] == "Avon"
    assert set(data["funnels"]) == {"charge_rate", "outcome16_share"}
    for stage in STAGES:
        assert stage in data["definitions"]
    assert "Wilson" in data["definitions"]["interval"]


def test_charge_rate_funnel_flags_a_constructed_outlier() -> None:
    # Twelve forces charging 5 of 100 recorded crimes, one charging 30 of 100.
    units = [AttritionCounts(f"Force {i:02}", 100, 100, 40, 20, 5, 2) for i in range(12)]
    units.append(AttritionCounts("Outlier", 100, 100, 60, 40, 30, 10))
    units.append(AttritionCounts("Empty", 3, 0, 0, 0, 0, 0))
    result = attrition(units)
    points = {p.unit: p for p in result.charge_funnel.units}
    # Pooled rate (12·5 + 30)/1300 = 90/1300.
    assert result.charge_funnel.national_rate == pytest.approx(90 / 1300)
    assert points["Outlier"].flag == "high"
    assert points["Outlier"].events == 30
    assert points["Outlier"].total == 100
    assert all(points[f"Force {i:02}"].flag is None for i in range(12))
    assert points["Empty"].rate is None
    assert points["Empty"].flag is None


def test_outcome16_funnel_uses_closures() -> None:
    # Ten forces closing 30 of 90 with outcome 16; one closing 72 of 90 with it.
    units = [AttritionCounts(f"Force {i}", 120, 100, 50, 20, 5, 2, 90, 30) for i in range(10)]
    units.append(AttritionCounts("Withdrawals", 120, 100, 80, 10, 2, 1, 90, 72))
    result = attrition(units)
    funnel = result.outcome16_funnel
    assert funnel.national_rate == pytest.approx((10 * 30 + 72) / (11 * 90))
    points = {p.unit: p for p in funnel.units}
    assert points["Withdrawals"].flag == "high"
    assert points["Withdrawals"].rate == pytest.approx(72 / 90)
    assert all(points[f"Force {i}"].flag is None for i in range(10))


def test_no_closures_gives_an_empty_outcome16_funnel() -> None:
    result = attrition([AttritionCounts("Avon", 10, 8, 4, 2, 1, 0)])
    assert result.outcome16_funnel.national_rate is None
    assert result.outcome16_funnel.units[0].rate is None
    json.dumps(result.to_dict(), allow_nan=False)


def test_no_units_at_all() -> None:
    result = attrition([])
    assert result.units == ()
    assert [s.count for s in result.national] == [0] * 6
    assert all(s.rate is None for s in result.national)
    json.dumps(result.to_dict(), allow_nan=False)


@pytest.mark.parametrize(
    "counts",
    [
        (10, 11, 0, 0, 0, 0),  # more recorded crimes than reports
        (10, 8, 9, 0, 0, 0),  # more suspects than recorded crimes
        (10, 8, 4, 2, 1, 2),  # more convictions than charges
        (10, 8, 4, 2, 1, -1),  # a negative count
    ],
)
def test_impossible_counts_are_refused(counts: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="Avon"):
        AttritionCounts("Avon", *counts)


def test_outcome16_cannot_exceed_closures() -> None:
    with pytest.raises(ValueError, match="outcome16"):
        AttritionCounts("Avon", 10, 8, 4, 2, 1, 0, closed=3, outcome16=4)


def test_a_unit_given_twice_is_refused() -> None:
    unit = AttritionCounts("Avon", 10, 8, 4, 2, 1, 0)
    with pytest.raises(ValueError, match="once"):
        attrition([unit, unit])


def test_stages_of_one_unit_alone() -> None:
    result = stages(AttritionCounts("Avon", 10, 8, 4, 2, 1, 0))
    assert [s.count for s in result] == [10, 8, 4, 2, 1, 0]
    # 0 of 8 convicted: the interval starts at 0.
    assert result[-1].rate == 0.0
    assert result[-1].lower95 == 0.0
    assert result[-1].upper95 == pytest.approx(wilson_bounds(0, 8)[1])
