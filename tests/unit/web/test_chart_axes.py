"""The web's funnel has whole ticks on its axis of counts: no half a report on a small store's."""

from dataclasses import dataclass

from caselink.web.charts import funnel_plot


@dataclass(frozen=True)
class Unit:
    unit: str
    events: int
    total: int
    rate: float | None
    flag: str | None = None


def test_a_small_funnel_ticks_every_whole_report() -> None:
    layout = funnel_plot(
        [Unit("Essex", 0, 1, 0.0), Unit("Kent", 1, 5, 0.2)], None, x_title="x", y_title="y"
    )["layout"]
    assert layout["xaxis"]["dtick"] == 1
    assert layout["xaxis"]["tick0"] == 0
