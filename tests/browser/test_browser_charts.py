"""Every chart, drawn in Chromium and read back as pixels: the p-chart of write-offs, the six
charts of the attrition page (with the Kaplan–Meier curve's band) and the series' SVG map.

A chart whose elements are all in the page can still show as an empty box (a stylesheet once
gave every svg a white background, which painted plotly's upper layers over the plot): these
tests fail unless the chart's own colours are on the screen.
"""

import re
from collections.abc import Callable, Sequence
from typing import Any

from playwright.sync_api import Locator, Page, expect

from browser.pixels import rgb
from caselink.web.charts import FLAGGED_MARKER, FORCE_MARKER, STATUS_COLOURS
from caselink.web.outcome_charts import (
    FORCE_LINE,
    NATIONAL_LINE,
    OUTCOME_COLOURS,
    REFERRAL_COLOURS,
)

Opener = Callable[..., Page]
Shot = Callable[[Page, str], None]
Chart = Callable[[Page, str, Sequence[str], str], Any]
Drawn = Callable[[Locator, Sequence[str], str], Any]
MARKERS = [FORCE_MARKER, FLAGGED_MARKER]
COMPLAINANT = ("Philippa", "Wrenfield")


def _over_white(colour: str, alpha: float) -> str:
    """The colour a translucent fill shows over white."""
    return "#" + "".join(f"{round(255 - alpha * (255 - c)):02x}" for c in rgb(colour))


def test_the_write_off_trend_is_drawn(open_as: Opener, chart: Chart) -> None:
    page = open_as("registrar")
    page.goto("/integrity/trends?force=Kent")
    chart(page, "[data-plot=trend-figure]", MARKERS, "trend")


def test_the_inspectors_attrition_page_draws_every_chart(
    open_as: Opener, chart: Chart, screenshot: Shot
) -> None:
    page = open_as("inspector", why=None)  # aggregates: no reason asked
    page.goto("/outcomes")
    expect(page.locator("h1")).to_contain_text("force by force")
    colours = {
        "charge-rate": MARKERS,
        "outcome16": MARKERS,
        "mix": [OUTCOME_COLOURS["1"], OUTCOME_COLOURS["16"], OUTCOME_COLOURS["18"]],
        "compliance": MARKERS,
        "referrals": [REFERRAL_COLOURS[("sarc", "offered")]],
    }
    for key, wanted in colours.items():
        chart(page, f"[data-plot={key}-figure]", wanted, key)
        expect(page.locator(f"[data-testid={key}]")).to_be_visible()  # the numbers under it
    km = chart(page, "[data-plot=time-to-charge-figure]", [NATIONAL_LINE], "time-to-charge")
    assert km.count(_over_white(NATIONAL_LINE, 0.18), tolerance=6) >= 200, "no 95% band"
    screenshot(page, "outcomes")
    # Neither on the screen nor in the markup (the charts' data included), as whole words: a
    # form's token is random text in which two characters of a reference can turn up by chance.
    markup = re.sub(r'value="[^"]*"', "", page.content())
    for text in (page.locator("body").inner_text(), markup):
        for never in (*COMPLAINANT, "B4", "B5", "E6"):
            assert re.search(rf"(?<![\w-]){never}(?![\w-])", text) is None, never


def test_a_forces_curve_is_drawn_beside_the_nations(open_as: Opener, chart: Chart) -> None:
    page = open_as("registrar")
    page.goto("/outcomes?force=Kent#time-to-charge")
    chart(page, "[data-plot=time-to-charge-figure]", [FORCE_LINE], "time-to-charge-kent")


def test_the_series_map_and_link_chart_are_drawn(open_as: Opener, drawn: Drawn) -> None:
    page = open_as("analyst")
    page.goto("/linkage/series/1")
    for selector, name in (("svg.map", "series-map"), ("svg.network", "series-network")):
        drawing = page.locator(selector)
        expect(drawing).to_be_visible()
        drawn(drawing, [STATUS_COLOURS["crime"], STATUS_COLOURS["cancelled"]], name)
