"""The outcome mix against hand-computed shares."""

import json

import pytest

from caselink.integrity import wilson_bounds
from caselink.outcomes import UnitOutcomes, outcome_funnel, outcome_mix, outcome_order


def _units() -> list[UnitOutcomes]:
    return [
        UnitOutcomes("Kent", {"16": 6, "14": 3, "1": 1}),
        UnitOutcomes("Gwent", {"15": 2, "16": 2, "3": 1}),
        UnitOutcomes("Dyfed", {}),
    ]


def test_national_shares_of_all_closures() -> None:
    mix = outcome_mix(_units())
    # Closures: Kent 6 + 3 + 1 = 10, Gwent 2 + 2 + 1 = 5, Dyfed 0; nationally 15.
    assert mix.total == 15
    # Codes in numeric order, not text order ("3" before "14").
    assert [o.outcome for o in mix.national] == ["1", "3", "14", "15", "16"]
    assert [o.count for o in mix.national] == [1, 1, 3, 2, 8]
    sixteen = mix.outcome("16")
    # 8 of 15 = 0.53333: z²/n = 0.25610; centre = (0.53333 + 0.12805)/1.25610 = 0.52654;
    # half = 1.95996/1.25610 · sqrt(0.24889/15 + 3.8415/900) = 1.56036 · 0.14443 = 0.22537.
    assert sixteen.share == pytest.approx(8 / 15)
    assert sixteen.lower95 == pytest.approx(0.52654 - 0.22537, abs=1e-4)
    assert sixteen.upper95 == pytest.approx(0.52654 + 0.22537, abs=1e-4)


def test_every_unit_lists_every_outcome_seen() -> None:
    mix = outcome_mix(_units())
    assert [u.unit for u in mix.units] == ["Dyfed", "Gwent", "Kent"]
    kent = mix.units[2]
    assert kent.total == 10
    assert [o.outcome for o in kent.outcomes] == ["1", "3", "14", "15", "16"]
    assert [o.count for o in kent.outcomes] == [1, 0, 3, 0, 6]
    assert kent.outcome("16").share == pytest.approx(0.6)
    assert kent.outcome("3").share == 0.0
    lower, upper = wilson_bounds(6, 10)
    assert (kent.outcome("16").lower95, kent.outcome("16").upper95) == (lower, upper)


def test_a_unit_with_no_closures_has_no_shares() -> None:
    dyfed = outcome_mix(_units()).units[0]
    assert dyfed.total == 0
    assert all(o.count == 0 and o.share is None for o in dyfed.outcomes)
    assert all(o.lower95 is None and o.upper95 is None for o in dyfed.outcomes)


def test_police_uk_categories_kept_as_published_after_codes() -> None:
    category = "Investigation complete; no suspect identified"
    other = "Unable to prosecute suspect"
    mix = outcome_mix([UnitOutcomes("Surrey", {other: 3, category: 5, "16": 2})])
    assert [o.outcome for o in mix.national] == ["16", category, other]
    assert mix.outcome(category).share == pytest.approx(0.5)
    assert outcome_order("2") < outcome_order("16") < outcome_order("Awaiting court outcome")


def test_json_shape() -> None:
    data = outcome_mix(_units()).to_dict()
    json.dumps(data, allow_nan=False)
    assert set(data) == {"national", "total", "units", "definitions"}
    assert set(data["national"][0]) == {"outcome", "count", "share", "lower95", "upper95"}
    assert set(data["units"][0]) == {"unit", "total", "outcomes"}
    assert "still open are not in the denominator" in data["definitions"]["share"]


def test_outcome_funnel_flags_a_constructed_outlier() -> None:
    units = [UnitOutcomes(f"Force {i}", {"16": 30, "15": 30, "14": 30}) for i in range(10)]
    units.append(UnitOutcomes("Withdrawals", {"16": 72, "15": 9, "14": 9}))
    result = outcome_funnel(outcome_mix(units), "16")
    assert result.national_rate == pytest.approx(372 / 990)
    flags = {p.unit: p.flag for p in result.units}
    assert flags.pop("Withdrawals") == "high"
    assert set(flags.values()) == {None}
    # An outcome nobody recorded: every unit at 0.
    assert {p.events for p in outcome_funnel(outcome_mix(units), "22").units} == {0}


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        UnitOutcomes("Kent", {"16": -1})
    with pytest.raises(ValueError, match="code or a category"):
        UnitOutcomes("Kent", {"": 1})
    with pytest.raises(ValueError, match="once"):
        outcome_mix([UnitOutcomes("Kent", {}), UnitOutcomes("Kent", {})])
