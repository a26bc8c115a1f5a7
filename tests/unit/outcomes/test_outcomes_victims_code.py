"""Victims' Code duties and support referrals against hand-computed figures."""

import json

import pytest

from caselink.integrity import wilson_bounds
from caselink.outcomes import (
    DutyCounts,
    ReferralCounts,
    duty_compliance,
    duty_figures,
    referral_rates,
)


def _duties() -> list[DutyCounts]:
    return [
        DutyCounts("Kent", met_on_time=8, late=1, overdue=1, declined=2, pending=3),
        DutyCounts("Gwent", met_on_time=0, late=0, overdue=0),
        DutyCounts("Avon", met_on_time=20, late=5, overdue=5, declined=1),
    ]


def test_on_time_rate_leaves_declined_and_pending_out() -> None:
    kent = duty_figures(_duties()[0])
    # due = 8 + 1 + 1 = 10 (2 declined and 3 pending are not in it); rate = 8/10.
    # Wilson for 8 of 10 mirrors 2 of 10: 1 − 0.50984 = 0.49016 to 1 − 0.05668 = 0.94332.
    assert kent.due == 10
    assert kent.on_time.rate == pytest.approx(0.8)
    assert kent.on_time.lower95 == pytest.approx(0.49016, abs=1e-5)
    assert kent.on_time.upper95 == pytest.approx(0.94332, abs=1e-5)
    assert kent.to_dict() == {
        "due": 10,
        "met_on_time": 8,
        "late": 1,
        "overdue": 1,
        "declined": 2,
        "pending": 3,
        "rate": pytest.approx(0.8),
        "lower95": pytest.approx(0.49016, abs=1e-5),
        "upper95": pytest.approx(0.94332, abs=1e-5),
    }


def test_no_duties_due_has_no_rate() -> None:
    gwent = duty_figures(_duties()[1])
    assert gwent.due == 0
    assert (gwent.on_time.rate, gwent.on_time.lower95, gwent.on_time.upper95) == (None, None, None)


def test_national_sums_the_units() -> None:
    result = duty_compliance(_duties())
    assert [u.unit for u in result.units] == ["Avon", "Gwent", "Kent"]
    national = result.national
    # met 8 + 0 + 20 = 28; late 1 + 5 = 6; overdue 1 + 5 = 6; due 40; declined 3; pending 3.
    assert (national.due, national.met_on_time, national.late, national.overdue) == (40, 28, 6, 6)
    assert (national.declined, national.pending) == (3, 3)
    assert national.on_time.rate == pytest.approx(0.7)
    assert (national.on_time.lower95, national.on_time.upper95) == wilson_bounds(28, 40)
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert set(data) == {"national", "units", "funnel", "definitions"}
    assert data["units"][1]["unit"] == "Gwent"
    assert data["units"][1]["rate"] is None
    assert "declined" in data["definitions"]


def test_no_duties_at_all() -> None:
    result = duty_compliance([])
    assert result.national.due == 0
    assert result.national.on_time.rate is None
    assert result.funnel.national_rate is None
    json.dumps(result.to_dict(), allow_nan=False)


def test_funnel_flags_a_force_that_rarely_tells_victims_in_time() -> None:
    units = [DutyCounts(f"Force {i}", 90, 6, 4) for i in range(10)]
    units.append(DutyCounts("Slow", 40, 30, 30))
    points = {p.unit: p for p in duty_compliance(units).funnel.units}
    assert points["Slow"].flag == "low"
    assert points["Slow"].total == 100
    assert all(points[f"Force {i}"].flag is None for i in range(10))


def test_referral_rates_with_declines_and_not_appropriate_apart() -> None:
    rows = [
        ReferralCounts("Kent", "sarc", cases=10, accepted=4, declined=2, not_appropriate=2),
        ReferralCounts("Kent", "isva", cases=10, accepted=5, declined=5),
        ReferralCounts("Avon", "sarc", cases=0, accepted=0, declined=0),
    ]
    result = referral_rates(rows)
    kent_sarc = result.units[1].service("sarc")
    # offered = 4 + 2 = 6, out of 10 − 2 not appropriate = 8 -> 0.75; accepted 4 of 6.
    assert (kent_sarc.offered.count, kent_sarc.offered.denominator) == (6, 8)
    assert kent_sarc.offered.rate == pytest.approx(0.75)
    assert (kent_sarc.accepted.count, kent_sarc.accepted.denominator) == (4, 6)
    assert kent_sarc.accepted.rate == pytest.approx(4 / 6)
    assert (kent_sarc.accepted.lower95, kent_sarc.accepted.upper95) == wilson_bounds(4, 6)
    assert (kent_sarc.declined, kent_sarc.not_appropriate, kent_sarc.not_offered) == (2, 2, 2)
    kent_isva = result.units[1].service("isva")
    # Every victim offered an ISVA: 10 of 10; half of them declined.
    assert kent_isva.offered.rate == 1.0
    assert kent_isva.accepted.rate == 0.5
    # Avon has no ISVA row and no SARC cases: listed with zeros and no rates.
    avon = result.units[0]
    assert [s.service for s in avon.services] == ["isva", "sarc"]
    assert avon.service("isva").cases == 0
    assert avon.service("isva").offered.rate is None
    assert avon.service("sarc").accepted.rate is None
    # Nationally the same as Kent's, Avon adding nothing.
    assert result.service("sarc").offered.rate == pytest.approx(0.75)
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["national"][1]["offered"] == {
        "count": 6,
        "denominator": 8,
        "rate": 0.75,
        "lower95": pytest.approx(wilson_bounds(6, 8)[0]),
        "upper95": pytest.approx(wilson_bounds(6, 8)[1]),
    }


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        DutyCounts("Kent", -1, 0, 0)
    with pytest.raises(ValueError, match="exceed"):
        ReferralCounts("Kent", "sarc", cases=3, accepted=2, declined=1, not_appropriate=1)
    with pytest.raises(ValueError, match="once"):
        referral_rates([ReferralCounts("Kent", "sarc", 1, 1, 0)] * 2)
    with pytest.raises(ValueError, match="once"):
        duty_compliance([DutyCounts("Kent", 1, 0, 0)] * 2)
