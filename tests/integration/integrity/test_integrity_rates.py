"""Rates, funnels and trends from the database agree with a direct recount of the source file,
on SQLite and PostgreSQL."""

from datetime import date

import pytest

from caselink.domain.errors import NotPermitted
from caselink.integrity import UnitCount, funnel, wilson
from caselink.services import users
from caselink.services.context import Actor, Context
from caselink.services.integrity import figures as integrity
from caselink.services.integrity.figures import Group, Measure
from caselink.synth import SynthSummary
from integration.integrity.recount import recount

FIELDS = {
    "recorded": "recorded",
    "written_off": "written_off",
    "transferred": "c1",
    "cancelled_c2": "c2",
    "cancelled_c3": "c3",
    "cancelled_c4": "c4",
    "n100": "n100",
    "decided": "decided",
    "late": "late",
    "applied": "applied",
    "not_told": "not_told",
    "pending": "pending",
}


@pytest.mark.parametrize("group", [Group.RAPE, Group.OTHER])
def test_counts_and_rates_match_a_direct_recount(
    loaded: Context, small_synth: SynthSummary, registrar: Actor, group: Group
) -> None:
    expected = recount(small_synth.reports_csv, group.value)
    table = integrity.rates(loaded, registrar, group=group)
    assert {f.force for f in table.forces} == set(expected)
    for row in table.forces:
        counted = {name: getattr(row.counts, name) for name in FIELDS}
        assert counted == {name: expected[row.force][key] for name, key in FIELDS.items()}, (
            row.force
        )
    # The national row is the sum, and each rate is Wilson on the documented denominator.
    national = table.national
    recorded = sum(c["recorded"] for c in expected.values())
    written = sum(c["written_off"] for c in expected.values())
    assert national.rates[Measure.WRITE_OFF] == wilson(written, recorded)
    decided = sum(c["decided"] for c in expected.values())
    assert national.rates[Measure.LATE] == wilson(
        sum(c["late"] for c in expected.values()), decided
    )
    applied = sum(c["applied"] for c in expected.values())
    pending = sum(c["pending"] for c in expected.values())
    assert national.rates[Measure.PENDING] == wilson(pending, applied + pending)
    if group is Group.RAPE:
        n100 = sum(c["n100"] for c in expected.values())
        assert national.rates[Measure.N100] == wilson(n100, recorded + n100)
        assert n100 > 0
        assert written > 0
        assert pending > 0
    else:
        assert national.rates[Measure.N100].rate is None  # no N100s outside rape


def test_funnel_from_the_database_is_the_funnel_of_the_recount(
    loaded: Context, small_synth: SynthSummary, inspector: Actor
) -> None:
    expected = recount(small_synth.reports_csv, "rape")
    units = [UnitCount(f, c["written_off"], c["recorded"]) for f, c in sorted(expected.items())]
    result = integrity.funnel_from_database(loaded, inspector)
    assert result.funnel == funnel(units, method=integrity.DEFAULT_METHOD)
    assert result.compared == funnel(units, method="binomial")
    late = integrity.funnel_from_database(loaded, inspector, measure=Measure.LATE)
    assert [(u.unit, u.events, u.total) for u in late.funnel.units] == [
        (f, c["late"], c["decided"]) for f, c in sorted(expected.items())
    ]


def test_period_force_scope_and_trend(loaded: Context, registrar: Actor) -> None:
    everything = integrity.rates(loaded, registrar)
    first_half = integrity.rates(
        loaded, registrar, scope=integrity.make_scope(end=date(2017, 9, 30))
    )
    second_half = integrity.rates(
        loaded, registrar, scope=integrity.make_scope(start=date(2017, 10, 1))
    )
    total = everything.national.counts.recorded
    assert 0 < first_half.national.counts.recorded < total
    assert first_half.national.counts.recorded + second_half.national.counts.recorded == total
    kent_only = integrity.rates(
        loaded, registrar, scope=integrity.make_scope(forces=["kent police"])
    )
    assert [f.force for f in kent_only.forces] == ["Kent"]
    assert kent_only.national.force == "all forces shown"
    assert kent_only.national.rates == kent_only.forces[0].rates

    # The quarters of a force's p-chart add up to its year.
    trend = integrity.trend(loaded, registrar, show=["Kent"])
    assert trend.quarters[0] == "2017Q2"
    assert [t.force for t in trend.forces] == ["Kent"]
    kent = next(f for f in everything.forces if f.force == "Kent")
    points = trend.forces[0].chart.points
    assert sum(p.total for p in points) == kent.counts.recorded
    assert sum(p.events for p in points) == kent.counts.written_off
    assert trend.forces[0].chart.centre == pytest.approx(
        kent.counts.written_off / kent.counts.recorded
    )
    assert sum(p.total for p in trend.national.chart.points) == total


def test_officers_and_analysts_see_no_integrity_figures(ctx: Context, officer: Actor) -> None:
    with pytest.raises(NotPermitted):
        integrity.rates(ctx, officer)
    with pytest.raises(NotPermitted):
        integrity.funnel_from_database(ctx, users.resolve_actor(ctx, "ann"))
