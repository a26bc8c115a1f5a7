"""Axes of counts have whole ticks: no half a report on a small store's funnel, and a round step
on a national one, in the inspection report's funnel as on the web's."""

from hypothesis import given
from hypothesis import strategies as st

from caselink.integrity.funnel import UnitCount, funnel
from caselink.integrity.plotting import count_step, funnel_figure_html


def test_the_reports_funnel_ticks_every_whole_report_on_a_small_store() -> None:
    small = funnel([UnitCount("Essex", 0, 1), UnitCount("Kent", 1, 5)])
    html = funnel_figure_html(small, "t", include_plotlyjs=False)
    assert '"dtick":1' in html.replace(" ", "")


@given(st.integers(min_value=0, max_value=10**9))
def test_the_step_is_whole_round_and_gives_at_most_eight_ticks(widest: int) -> None:
    step = count_step(widest)
    assert step >= 1
    assert str(step).rstrip("0") in {"1", "2", "5"}
    assert widest / step <= 8
    # the round step just below it (5 below 10, 1 below 2, 2 below 5) would give too many
    lead = int(str(step)[0])
    below = {1: step // 2, 2: step // 2, 5: step * 2 // 5}[lead]
    assert below < 1 or widest / below > 8
