"""Charts as data: plotly figures (drawn by the plotly.js the app serves) and the geometry of
the SVG map, timeline and link chart (drawn by templates, so every label is escaped).

No map tiles: caselink runs without network access, so a series' map is its points projected
onto a plain grid with a scale bar, a north arrow and the names of the force areas it lies in.
Every label is placed, and every drawing's view box sized, so that no label runs off the edge.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from caselink.integrity.plotting import count_step
from caselink.services.report_views import (
    Funnel,
    FunnelCurves,
    MemberRow,
    PairRow,
    PChart,
    PersonRow,
)
from caselink.web.force_centres import force_centres
from caselink.web.svg_labels import Point, ViewBox, facing_inward, radial, text_box, view_box

WRITE_OFF = frozenset({"cancelled", "transferred"})
STATUS_COLOURS = {
    "crime": "#1f5fa8",
    "incident": "#6b6b6b",
    "n100": "#8a5a00",
    "cancelled": "#b3261e",
    "transferred": "#b3261e",
}


# Marker colours: a force within its limits, and one outside them. The browser tests look for
# them in the drawn pixels.
FORCE_MARKER = "#1f5fa8"
FLAGGED_MARKER = "#b3261e"


class FunnelPoint(Protocol):
    """A unit on a funnel plot: its events out of its total, the rate and its flag."""

    @property
    def unit(self) -> str: ...
    @property
    def events(self) -> int: ...
    @property
    def total(self) -> int: ...
    @property
    def rate(self) -> float | None: ...
    @property
    def flag(self) -> str | None: ...


def funnel_figure(figure: Funnel, curves: FunnelCurves | None) -> dict[str, Any]:
    """The funnel plot: each force's write-off rate against its rape reports, with limits."""
    return funnel_plot(
        figure.units,
        curves,
        x_title="rape reports (denominator)",
        y_title="share written off",
    )


def funnel_plot(
    units: Sequence[FunnelPoint],
    curves: FunnelCurves | None,
    *,
    x_title: str,
    y_title: str,
    height: int = 460,
) -> dict[str, Any]:
    """A funnel plot: each unit's rate against its denominator, with the 95% and 99.8% limit
    curves around the national rate; a unit outside the 99.8% limits in the flagged colour."""
    traces: list[dict[str, Any]] = []
    if curves is not None:
        x = list(curves.totals)
        for name, y, dash in (
            ("99.8% limits", curves.upper998, "solid"),
            ("95% limits", curves.upper95, "dash"),
        ):
            traces.append(_line(name, x, y, dash, True))
        traces.append(_line("99.8% limits", x, curves.lower998, "solid", False))
        traces.append(_line("95% limits", x, curves.lower95, "dash", False))
        traces.append(_line("national rate", x, [curves.target] * len(x), "dot", True))
    points = [u for u in units if u.rate is not None]
    traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "name": "forces",
            "x": [u.total for u in points],
            "y": [u.rate for u in points],
            "text": [
                f"{u.unit}: {u.events}/{u.total}" + (f" ({u.flag})" if u.flag else "")
                for u in points
            ],
            "hoverinfo": "text",
            "marker": {
                "size": 9,
                "color": [FLAGGED_MARKER if u.flag else FORCE_MARKER for u in points],
            },
        }
    )
    widest = max([*(u.total for u in points), *(curves.totals if curves else ())], default=1)
    return {
        "data": traces,
        "layout": {
            "xaxis": {"title": {"text": x_title}, "tick0": 0, "dtick": count_step(widest)},
            "yaxis": {"title": {"text": y_title}, "tickformat": ".0%"},
            "margin": {"t": 20},
            "height": height,
        },
    }


def _line(name: str, x: list[int], y: Sequence[float], dash: str, legend: bool) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": x,
        "y": list(y),
        "line": {"dash": dash, "color": "#444", "width": 1},
        "showlegend": legend,
        "hoverinfo": "skip",
    }


def trend_figure(chart: PChart) -> dict[str, Any]:
    """The p-chart of the write-off rate by quarter, with 2σ and 3σ limits."""
    periods = [p.period for p in chart.points]
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "share written off",
            "x": periods,
            "y": [p.rate for p in chart.points],
            "line": {"color": FORCE_MARKER, "width": 2},
            "marker": {
                "size": 8,
                "color": [FLAGGED_MARKER if p.signals else FORCE_MARKER for p in chart.points],
            },
        },
        _band("3σ limits", periods, [p.upper3 for p in chart.points], "solid", True),
        _band("3σ limits", periods, [p.lower3 for p in chart.points], "solid", False),
        _band("2σ limits", periods, [p.upper2 for p in chart.points], "dash", True),
        _band("2σ limits", periods, [p.lower2 for p in chart.points], "dash", False),
    ]
    return {
        "data": traces,
        "layout": {
            "yaxis": {"title": {"text": "share written off"}, "tickformat": ".0%"},
            "margin": {"t": 20},
            "height": 380,
        },
    }


def _band(
    name: str, x: list[str], y: list[float | None], dash: str, legend: bool
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": x,
        "y": y,
        "line": {"dash": dash, "color": "#444", "width": 1, "shape": "hv"},
        "showlegend": legend,
    }


# -- SVG geometry ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    """A force area the series lies in: its name, where its centre is, and the centre on the
    map when it falls inside it."""

    force: str
    where: str
    x: float | None = None
    y: float | None = None


@dataclass(frozen=True, slots=True)
class MapGeometry:
    width: int
    height: int
    points: list[Point]
    scale_km: float
    scale_px: float
    unplaced: int  # members without coordinates
    places: list[Place]
    box: ViewBox

    @property
    def scale_label(self) -> str:
        """The scale bar's length in words: metres under a kilometre."""
        if self.scale_km < 1:
            return f"{self.scale_km * 1000:.0f} m"
        return f"{self.scale_km:g} km"


MAP_PAD = 40.0
PLACE_LINE = 15.0
MAX_PLACES = 4
COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def series_map(
    members: Sequence[MemberRow], hrefs: dict[int, str], width: int = 640, height: int = 420
) -> MapGeometry:
    """Members projected equirectangularly (x scaled by cos latitude), fitted to the box, with
    the force areas they belong to named along the top (from the approximate force centres)."""
    placed = [m for m in members if m.latitude is not None and m.longitude is not None]
    if not placed:
        return MapGeometry(
            width, height, [], 0.0, 0.0, len(members), [], ViewBox(0, 0, width, height)
        )
    forces = sorted(
        {m.force for m in placed}, key=lambda f: (-sum(m.force == f for m in placed), f)
    )
    forces = forces[:MAX_PLACES]
    top = max(MAP_PAD, 12.0 + PLACE_LINE * len(forces) + 12.0)
    lat0 = math.radians(sum(m.latitude or 0.0 for m in placed) / len(placed))
    km_x = 111.32 * math.cos(lat0)
    km_y = 110.57
    xs = [(m.longitude or 0.0) * km_x for m in placed]
    ys = [(m.latitude or 0.0) * km_y for m in placed]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)  # km; at least 1 km shown
    px_per_km = min(width - 2 * MAP_PAD, height - top - MAP_PAD) / span
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    mid_y = (top + height - MAP_PAD) / 2

    def at(x_km: float, y_km: float) -> tuple[float, float]:
        return width / 2 + (x_km - cx) * px_per_km, mid_y - (y_km - cy) * px_per_km

    points = [
        facing_inward(
            Point(
                *at(x, y),
                m.reference,
                STATUS_COLOURS.get(m.status, "#444"),
                m.status in WRITE_OFF,
                hrefs.get(m.id),
            ),
            width,
        )
        for m, x, y in zip(placed, xs, ys, strict=True)
    ]
    places = [_place(f, at, cx, cy, km_x, km_y, width, height, top) for f in forces]
    scale_km = _nice(span / 4)
    captions = [
        text_box(12.0, 12.0 + PLACE_LINE * (i + 1) - 3, f"{p.force} — {p.where}")
        for i, p in enumerate(places)
    ]
    return MapGeometry(
        width,
        height,
        points,
        scale_km,
        scale_km * px_per_km,
        len(members) - len(placed),
        places,
        view_box(width, height, points, captions),
    )


def _place(
    force: str,
    at: Callable[[float, float], tuple[float, float]],
    cx: float,
    cy: float,
    km_x: float,
    km_y: float,
    width: int,
    height: int,
    top: float,
) -> Place:
    centre = force_centres().get(force)
    if centre is None:
        return Place(force, "no single area")
    east = centre.longitude * km_x - cx
    north = centre.latitude * km_y - cy
    x, y = at(centre.longitude * km_x, centre.latitude * km_y)
    if MAP_PAD / 2 <= x <= width - MAP_PAD / 2 and top <= y <= height - MAP_PAD:
        return Place(force, "area centre marked +", x, y)
    km = math.hypot(east, north)
    bearing = COMPASS[round(math.degrees(math.atan2(east, north)) / 45) % 8]
    return Place(force, f"area centre about {km:.0f} km {bearing}")


def _nice(value: float) -> float:
    """A round number near value (1, 2 or 5 times a power of ten) for a scale bar."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return float(next((m * power for m in (5, 2, 1) if m * power <= value), power))


@dataclass(frozen=True, slots=True)
class TimelineGeometry:
    width: int
    height: int
    points: list[Point]
    ticks: list[tuple[float, str]]
    box: ViewBox


def series_timeline(
    members: Sequence[MemberRow], hrefs: dict[int, str], width: int = 640
) -> TimelineGeometry:
    """Members along a time axis by when the offence happened (else when it was reported)."""
    pad, height = 40.0, 120
    when = [(m, m.occurred_from or m.reported_at) for m in members]
    if not when:
        return TimelineGeometry(width, height, [], [], ViewBox(0, 0, width, height))
    start = min(t for _, t in when)
    end = max(t for _, t in when)
    seconds = max((end - start).total_seconds(), 86400.0)

    def x_of(moment: datetime) -> float:
        return pad + (moment - start).total_seconds() / seconds * (width - 2 * pad)

    points = [
        facing_inward(
            Point(
                x_of(t),
                60.0 + (i % 3 - 1) * 18.0,  # staggered so close dates stay legible
                m.reference,
                STATUS_COLOURS.get(m.status, "#444"),
                m.status in WRITE_OFF,
                hrefs.get(m.id),
            ),
            width,
        )
        for i, (m, t) in enumerate(when)
    ]
    ticks = [(x_of(start), f"{start:%Y-%m-%d}"), (x_of(end), f"{end:%Y-%m-%d}")]
    tick_boxes = [text_box(x, 116.0, label, "middle") for x, label in ticks]
    return TimelineGeometry(
        width, height, points, ticks, view_box(width, height, points, tick_boxes)
    )


@dataclass(frozen=True, slots=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    kind: str  # "link" (report to report) or "person"


@dataclass(frozen=True, slots=True)
class NetworkGeometry:
    width: int
    height: int
    reports: list[Point]
    persons: list[Point]
    edges: list[Edge]
    box: ViewBox


def link_chart(
    members: Sequence[MemberRow],
    links: Sequence[PairRow],
    persons: Sequence[PersonRow],
    report_hrefs: dict[int, str],
    person_hrefs: dict[int, str],
    size: int = 560,
) -> NetworkGeometry:
    """Reports on an inner circle joined by their proposed links; persons on an outer circle
    joined to the reports that record them. Records person resolution put together are one
    node, so a person seen in three reports shows as one node with three lines."""
    centre = size / 2
    inner, outer = size * 0.28, size * 0.44
    where: dict[int, tuple[float, float]] = {}
    reports = []
    for i, m in enumerate(members):
        angle = 2 * math.pi * i / max(len(members), 1) - math.pi / 2
        x, y = centre + inner * math.cos(angle), centre + inner * math.sin(angle)
        where[m.id] = (x, y)
        reports.append(
            radial(
                Point(
                    x,
                    y,
                    m.reference,
                    STATUS_COLOURS.get(m.status, "#444"),
                    m.status in WRITE_OFF,
                    report_hrefs.get(m.id),
                ),
                angle,
            )
        )
    edges = [
        Edge(*where[p.report_id], *where[p.other_id], f"{p.score:+.1f}", "link")
        for p in links
        if p.report_id in where and p.other_id in where
    ]
    nodes: dict[str, list[PersonRow]] = {}
    for p in persons:
        nodes.setdefault(p.entity_id or f"record-{p.id}", []).append(p)
    people = []
    for j, (_, records) in enumerate(sorted(nodes.items())):
        angle = 2 * math.pi * (j + 0.5) / max(len(nodes), 1) - math.pi / 2
        x, y = centre + outer * math.cos(angle), centre + outer * math.sin(angle)
        first = records[0]
        name = " ".join(n for n in (first.forename, first.surname) if n) or "(no name)"
        people.append(
            radial(
                Point(x, y, f"{first.role}: {name}", "#2e7d32", False, person_hrefs.get(first.id)),
                angle,
            )
        )
        edges.extend(
            Edge(x, y, *where[r.report_id], r.role, "person")
            for r in records
            if r.report_id in where
        )
    box = view_box(size, size, reports + people, fit=True)
    return NetworkGeometry(size, size, reports, people, edges, box)
