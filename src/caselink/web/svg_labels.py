"""Points and their labels in the SVG drawings, and the view box that keeps every label in.

A label's extent is estimated from its length, erring wide, so a drawing's view box can be
grown to hold it and a label near an edge can be turned to face inward.
"""

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    label: str
    colour: str
    written_off: bool
    href: str | None = None
    # Where the label sits: its SVG text-anchor and its offset from the point.
    anchor: str = "start"
    dx: float = 8.0
    dy: float = 4.0


# Labels are drawn at the stylesheet's 11px. The width per character errs wide (system-ui
# averages nearer 6px at this size), so a label estimated to fit does fit.
FONT_PX = 11.0
CHAR_PX = 7.0
MARKER_R = 6.0
EDGE_MARGIN = 4.0
Box = tuple[float, float, float, float]  # left, top, right, bottom


def text_box(x: float, y: float, text: str, anchor: str = "start") -> Box:
    """The extent of ``text`` drawn with its baseline at ``(x, y)`` and the given anchor."""
    width = len(text) * CHAR_PX
    left = {"start": x, "end": x - width}.get(anchor, x - width / 2)
    return left, y - FONT_PX, left + width, y + FONT_PX * 0.35


def label_box(p: Point) -> Box:
    """The extent of a point's label."""
    return text_box(p.x + p.dx, p.y + p.dy, p.label, p.anchor)


@dataclass(frozen=True, slots=True)
class ViewBox:
    """An SVG view box: the drawing's own box, grown where a label or marker would run off it."""

    x: float
    y: float
    width: float
    height: float

    def __str__(self) -> str:
        return f"{self.x:.1f} {self.y:.1f} {self.width:.1f} {self.height:.1f}"


def view_box(
    width: float,
    height: float,
    points: Sequence[Point],
    extra: Sequence[Box] = (),
    *,
    fit: bool = False,
) -> ViewBox:
    """The smallest box holding ``width`` × ``height`` and every marker and label, with a margin.

    With ``fit`` the box holds the markers and labels alone, so a drawing with empty bands
    (a ring of nodes inside its square) is cropped to what it shows.
    """
    boxes = [label_box(p) for p in points]
    boxes += [(p.x - MARKER_R, p.y - MARKER_R, p.x + MARKER_R, p.y + MARKER_R) for p in points]
    boxes += list(extra)
    if not fit or not boxes:
        boxes.append((EDGE_MARGIN, EDGE_MARGIN, width - EDGE_MARGIN, height - EDGE_MARGIN))
    m = EDGE_MARGIN
    left = min(b[0] - m for b in boxes)
    top = min(b[1] - m for b in boxes)
    right = max(b[2] + m for b in boxes)
    bottom = max(b[3] + m for b in boxes)
    return ViewBox(left, top, right - left, bottom - top)


def facing_inward(p: Point, width: float) -> Point:
    """The point with its label on the side nearer the middle: right half labels to the left."""
    if p.x > width / 2:
        return dataclasses.replace(p, anchor="end", dx=-8.0)
    return p


def radial(p: Point, angle: float) -> Point:
    """The point with its label pointing away from the circle's centre: to the right on the
    right, to the left on the left, above at the top and below at the bottom."""
    cos, sin = math.cos(angle), math.sin(angle)
    if cos > 0.35:
        return dataclasses.replace(p, anchor="start", dx=9.0, dy=4.0)
    if cos < -0.35:
        return dataclasses.replace(p, anchor="end", dx=-9.0, dy=4.0)
    return dataclasses.replace(p, anchor="middle", dx=0.0, dy=-10.0 if sin < 0 else 19.0)
