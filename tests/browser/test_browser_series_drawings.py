"""The series page's drawings as Chromium lays them out: every label inside its drawing, and a
map that says where it is (a scale bar, a north arrow, the force area's name)."""

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page, expect

from browser.conftest import pixels_of

Opener = Callable[..., Page]
Shot = Callable[[Page, str], None]
DRAWINGS = {"svg.map": "map", "svg.timeline-chart": "timeline", "svg.network": "link-chart"}
# Chromium rounds text boxes to fractions of a pixel.
SLACK = 0.5

_LABELS_OUTSIDE = """svg => {
    const box = svg.getBoundingClientRect();
    return [...svg.querySelectorAll("text")].map(t => {
        const r = t.getBoundingClientRect();
        return {text: t.textContent.trim(), left: r.left - box.left, top: r.top - box.top,
                right: box.right - r.right, bottom: box.bottom - r.bottom};
    });
}"""


def _labels(drawing: Locator) -> list[dict[str, Any]]:
    labels: list[dict[str, Any]] = drawing.evaluate(_LABELS_OUTSIDE)
    return labels


def test_every_label_lies_inside_its_drawing(open_as: Opener, screenshot: Shot) -> None:
    page = open_as("analyst")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/linkage/series/1")
    for selector, name in DRAWINGS.items():
        drawing = page.locator(selector)
        expect(drawing).to_be_visible()
        pixels_of(drawing, f"series-{name}-labels")
        labels = _labels(drawing)
        assert labels, f"{name}: no labels"
        cut = [
            label
            for label in labels
            if min(label["left"], label["top"], label["right"], label["bottom"]) < -SLACK
        ]
        assert not cut, f"{name}: labels run off the drawing: {cut}"
    screenshot(page, "series-drawings")


def test_the_map_has_a_scale_bar_a_north_arrow_and_its_force_area(open_as: Opener) -> None:
    page = open_as("analyst")
    page.goto("/linkage/series/1")
    drawing = page.locator("svg.map")
    scale = drawing.locator("[data-testid=scale-bar]")
    expect(scale).to_be_visible()
    assert re.fullmatch(r"\d+(\.\d+)? k?m", (scale.locator("text").text_content() or "").strip())
    assert scale.bounding_box()["width"] > 20  # type: ignore[index]
    expect(drawing.locator("[data-testid=north]")).to_contain_text("N")
    places = drawing.locator("[data-testid=place]")
    expect(places.first).to_be_visible()
    assert "Kent" in places.all_text_contents()[0]
