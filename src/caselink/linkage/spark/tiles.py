"""Reports cut into tiles for scoring in Spark tasks, each report's every candidate in its tile.

A run on one machine keeps, for every report, its ``top`` best candidates (and a pair when it is
in either report's list). To do the same a tile at a time, each report is the *home* report of
exactly one tile, and the tile's frame holds, beside its home reports, every report that can be
a candidate of one of them (its *halo*). Within the frame the scorer then sees each home
report's whole candidate set, so the home report's list is the one the single machine finds;
the task returns the home reports' lists only, and each list therefore comes from exactly one
task. A pair kept by both its reports comes back twice, once from each report's tile, and the
driver keeps it once (docs/scaling.md).

The reports are first cut into *windows by time* (by the start of each report's window), a
window halved at its median while it holds more than ``tile_reports`` reports and the middle
half of its times spans at least four ``max_days``: a longer record adds windows instead of
making each tile longer. Within a window, tiles are boxes of latitude, longitude and time, cut
by halving the box with the most halo widths along one axis at its median (but never within
two halo widths of either end) until a box holds at most ``tile_reports`` home reports or is
too small to halve without the halo outgrowing it. The halo of a box is every report whose
place is within ``max_km`` of the box (a latitude margin of ``max_km`` on the sphere, and a
longitude margin widened for the highest latitude present, as the candidate cells are) and
whose time window comes within ``max_days`` of the window of one of its home reports: the time
halo is as exact as the spatial one, whatever window the report is home in. Given
``max_task_reports``, a box whose frame holds more is halved further, below two halo widths,
for as long as that shrinks its frame.

Reports without latitude/longitude meet others by grid distance or by force (the candidate
rule's second and third cases), so they are home in the box holding most of their force's
reports in their window (or in boxes of their own force, cut by time, when the window has none
of its placed reports); any tile's halo takes in such a report of one of its home reports'
forces, and a report with grid x/y within ``max_km`` of the grid box of its home reports.
Longitudes are not wrapped at ±180°.
"""

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from caselink.linkage.offences.candidates import lon_cell_degrees
from caselink.linkage.offences.frame import ReportFrame
from caselink.linkage.offences.geometry import EARTH_RADIUS_KM
from caselink.linkage.offences.settings import LinkSettings

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]

DEFAULT_TILE_REPORTS = 200_000
# a box is halved only while each half stays at least two halo widths wide along that axis:
# smaller, and the halo would hold more reports than the box
_MIN_HALVES = 4.0
_SLACK = 1.0 + 1e-9  # margins a hair wider than the rule, for rounding
_SPREAD = 0.05  # the axis to cut is the one whose middle 90% spans the most halo widths
# A window by time is halved only while the middle half of its reports' times spans four halo
# widths: a fifth of a year's reports are historical offences reported late, and a cut among
# them (or between them and the year) would buy nothing but halos.
_WINDOW_SPREAD = 0.25
# A tile too large for a task is halved further, but not below half a halo width: by then its
# frame is mostly halo, and halving again would barely shrink it.
_FLOOR = 0.5
_SHRINK = 0.85  # ... and only while each half's frame is this much smaller than the whole's
_LONG_WINDOWS = 2.0  # a window longer than this many max_days is cut by place only


@dataclass(frozen=True, slots=True)
class TilePlan:
    """Which rows of a frame each tile holds: ``row`` and ``tile`` side by side, ``home`` true
    for the one tile a row is the home report of."""

    row: Ints
    tile: Ints
    home: Bools
    tiles: int
    windows: int = 1  # windows by time the tiles were cut in

    def sizes(self) -> tuple[Ints, Ints]:
        """Per tile: home reports, and reports in its frame (home and halo)."""
        homes = np.bincount(self.tile[self.home], minlength=self.tiles)
        return homes, np.bincount(self.tile, minlength=self.tiles)

    def table(self, report_id: Ints) -> pa.Table:
        """The plan as (report_id, tile, home), what the Spark job joins the reports to."""
        return pa.table(
            {
                "report_id": pa.array(report_id[self.row], pa.int64()),
                "tile": pa.array(self.tile, pa.int32()),
                "home": pa.array(self.home, pa.bool_()),
            }
        )


@dataclass(frozen=True, slots=True)
class _Box:
    # the home rows of a tile, and the extent the halo is measured from
    rows: Ints
    placed: bool  # some home reports have latitude/longitude: ``lat`` and ``lon`` are theirs
    lat: tuple[float, float]
    lon: tuple[float, float]
    # the home reports' windows widened by max_days, merged: sorted, disjoint intervals
    starts: Floats
    ends: Floats
    forces: Ints
    unplaced_forces: Ints  # the forces of home reports without latitude/longitude
    grid: tuple[float, float, float, float] | None  # x0, x1, y0, y1 of home reports with x/y


def plan_tiles(
    frame: ReportFrame,
    settings: LinkSettings,
    tile_reports: int = DEFAULT_TILE_REPORTS,
    max_task_reports: int | None = None,
) -> TilePlan:
    """Tiles of at most about ``tile_reports`` home reports, with their halos (module doc);
    a tile whose frame would hold more than ``max_task_reports`` reports is halved further,
    as far as the density of reports allows."""
    if tile_reports < 1:
        raise ValueError("tile_reports must be at least 1")
    n = frame.n
    if n == 0:
        return TilePlan(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool), 0)
    has_ll = ~np.isnan(frame.latitude) & ~np.isnan(frame.longitude)
    has_xy = ~np.isnan(frame.x) & ~np.isnan(frame.y)
    dlat = math.degrees(settings.max_km / EARTH_RADIUS_KM) * _SLACK
    max_lat = float(np.max(np.abs(frame.latitude[has_ll]))) if has_ll.any() else 0.0
    dlon = lon_cell_degrees(settings.max_km, min(max_lat + dlat, 90.0)) * _SLACK
    days = max(settings.max_days, 1.0)
    reach = _Reach(dlat, dlon, settings.max_km * 1000.0 * _SLACK, settings.max_days)
    # coordinates in halo widths, which is what decides whether a box is worth halving
    units = np.column_stack(
        [
            np.where(has_ll, frame.latitude / dlat, 0.0),
            np.where(has_ll, frame.longitude / dlon, 0.0),
            frame.cand_lo / days,
        ]
    )
    # A report whose window is long (a historical offence known only to some decades) is a
    # candidate of every report near it over those decades: cut such reports by place only
    # within their time window, so that a box of them is small in place instead of long in
    # time with the whole country in its halo.
    long = (frame.cand_hi - frame.cand_lo) > _LONG_WINDOWS * days
    # Windows by time first: a longer record adds windows, not reports to a window, so a
    # tile's time (and its halo's) stays bounded however many years the store holds.
    windows = _halve(np.arange(n, dtype=np.int64), units, tile_reports, (2,), _WINDOW_SPREAD)
    boxes: list[_Box] = []
    members: list[Ints] = []

    def boxed(rows: Ints) -> _Box:
        return _box(frame, rows, has_ll, has_xy, settings.max_days)

    for window in windows:
        parts = _window_parts(frame, np.sort(window), units, has_ll, long, tile_reports)
        near = _near(frame, window, has_ll, has_xy, reach)
        todo = [(box, _frame_rows(frame, box, near, reach)) for box in map(boxed, parts)]
        while todo:
            box, held = todo.pop()
            if max_task_reports is not None and held.shape[0] > max_task_reports:
                halves = _split(frame, box.rows, units, has_ll, long)
                if halves is not None:
                    cut = [(b, _frame_rows(frame, b, near, reach)) for b in map(boxed, halves)]
                    # worth it only when it shrinks the frame: where the halo of a dense
                    # neighbour fills it, halving again would only score reports twice
                    if max(h.shape[0] for _, h in cut) <= _SHRINK * held.shape[0]:
                        todo.extend(cut)
                        continue
            boxes.append(box)
            members.append(held)
    home_of = np.full(n, -1, np.int64)
    for t, box in enumerate(boxes):
        home_of[box.rows] = t
    tile = np.repeat(np.arange(len(boxes), dtype=np.int64), [m.shape[0] for m in members])
    row = np.concatenate(members)
    # numbered largest first: tasks start in that order, so the longest do not start last
    rank = np.empty(len(boxes), np.int64)
    rank[np.argsort(-np.bincount(tile, minlength=len(boxes)), kind="stable")] = np.arange(
        len(boxes)
    )
    return TilePlan(row, rank[tile], home_of[row] == tile, len(boxes), len(windows))


def _split(
    frame: ReportFrame, rows: Ints, units: Floats, has_ll: Bools, long: Bools
) -> tuple[Ints, Ints] | None:
    # A box whose frame is too large for a task, halved at the median of its widest axis
    # even below two halo widths: each half's frame is smaller, down to the halo's own
    # size, at the price of reports scored in more tasks. None when it cannot be halved.
    placed = rows[has_ll[rows]]
    if placed.shape[0] > 1:
        # long windows' halos are their own length: cutting them in time buys nothing
        axes = [0, 1] if long[placed].all() else [0, 1, 2]
        cut_rows = placed
    else:
        axes = [] if long[rows].all() else [2]
        cut_rows = rows
    if not axes or cut_rows.shape[0] < 2:
        return None
    values = units[cut_rows][:, axes]
    extent = values.max(axis=0) - values.min(axis=0)
    axis = int(np.argmax(extent))
    if extent[axis] < _FLOOR:
        return None
    v = values[:, axis]
    cut = np.partition(v, v.shape[0] // 2)[v.shape[0] // 2]
    low = v < cut
    if not low.any():
        low = v <= cut
    if low.all():
        return None
    halves = [cut_rows[low], cut_rows[~low]]
    unplaced = rows[~has_ll[rows]] if cut_rows is placed else rows[:0]
    if axes[axis] == 2:
        # cut in time: reports without latitude/longitude by their own time too
        early = units[unplaced, 2] < cut
        halves = [
            np.concatenate([halves[0], unplaced[early]]),
            np.concatenate([halves[1], unplaced[~early]]),
        ]
    else:
        # cut in place: reports without latitude/longitude go with the half holding more of
        # their force
        codes = frame.force_code
        for force in np.unique(codes[unplaced]):
            of_force = unplaced[codes[unplaced] == force]
            k = 0 if (codes[halves[0]] == force).sum() >= (codes[halves[1]] == force).sum() else 1
            halves[k] = np.concatenate([halves[k], of_force])
    return np.sort(halves[0]), np.sort(halves[1])


def _window_parts(
    frame: ReportFrame, rows: Ints, units: Floats, has_ll: Bools, long: Bools, limit: int
) -> list[Ints]:
    # one window's home rows cut into boxes: by place (and time) for reports with
    # latitude/longitude; a report without them joins the box holding most of its force's
    # reports in the window, whose halo then takes in the rest of the force there
    parts: list[Ints] = []
    placed_groups: list[tuple[Ints, tuple[int, ...]]] = [
        (rows[has_ll[rows] & ~long[rows]], (0, 1, 2)),
        (rows[has_ll[rows] & long[rows]], (0, 1)),
    ]
    for group, axes in placed_groups:
        parts.extend(_halve(group, units, limit, axes))
    placed = rows[has_ll[rows]]
    part_of_placed = np.empty(placed.shape[0], np.int64)
    position = np.searchsorted(placed, np.concatenate(parts)) if parts else placed[:0]
    part_of_placed[position] = np.repeat(np.arange(len(parts)), [p.shape[0] for p in parts])
    codes_placed = frame.force_code[placed]
    extra: dict[int, list[Ints]] = {}
    unplaced = rows[~has_ll[rows]]
    for force in np.unique(frame.force_code[unplaced]):
        of_force = unplaced[frame.force_code[unplaced] == force]
        placed_parts = part_of_placed[codes_placed == force]
        if placed_parts.shape[0]:
            main = int(np.bincount(placed_parts).argmax())
            extra.setdefault(main, []).append(of_force)
            continue
        # a force with no placed reports in the window has boxes of its own, cut by time
        forced: list[tuple[Ints, tuple[int, ...]]] = [
            (of_force[~long[of_force]], (2,)),
            (of_force[long[of_force]], ()),
        ]
        for rows_of, cut_by in forced:
            parts.extend(_halve(rows_of, units, limit, cut_by))
    return [np.sort(np.concatenate([p, *extra.get(k, [])])) for k, p in enumerate(parts)]


def _halve(
    rows: Ints, units: Floats, limit: int, axes: tuple[int, ...], spread: float = _SPREAD
) -> list[Ints]:
    # rows cut at the median of their widest axis (in halo widths) until small enough
    out: list[Ints] = []
    stack = [rows] if rows.shape[0] else []
    while stack:
        part = stack.pop()
        if part.shape[0] <= limit:
            out.append(part)
            continue
        if not axes:
            out.append(part)
            continue
        values = units[part][:, list(axes)]
        # the spread of the middle of the box: a few historical offences reported decades
        # later must not make time the axis to cut, leaving boxes as wide as the country
        low_q, high_q = np.quantile(values, [spread, 1.0 - spread], axis=0)
        extent = high_q - low_q
        # place first: a box cut in time alone keeps the whole country in its halo whenever
        # one of its reports' windows reaches the other half's time
        place = [k for k, a in enumerate(axes) if a != 2 and extent[k] >= _MIN_HALVES]
        axis = max(place, key=lambda k: extent[k]) if place else int(np.argmax(extent))
        if extent[axis] < _MIN_HALVES:
            out.append(part)  # too small to halve: a big tile, not a halo larger than the tile
            continue
        v = values[:, axis]
        cut = np.partition(v, part.shape[0] // 2)[part.shape[0] // 2]
        # at the median, but never nearer than two halo widths to either end of the box's
        # middle: where most reports are recent and a fifth historical, the median of their
        # times would cut off a sliver of weeks whose halo holds more reports than it does
        half = _MIN_HALVES / 2.0
        cut = min(max(cut, low_q[axis] + half), high_q[axis] - half)
        low = v < cut
        if not low.any():
            low = v <= cut
        if low.all():
            out.append(part)
            continue
        stack.extend([part[~low], part[low]])
    return out


def _box(frame: ReportFrame, rows: Ints, has_ll: Bools, has_xy: Bools, days: float) -> _Box:
    grid_rows = rows[has_xy[rows]]
    grid = None
    if grid_rows.shape[0]:
        x, y = frame.x[grid_rows], frame.y[grid_rows]
        grid = (float(x.min()), float(x.max()), float(y.min()), float(y.max()))
    ll = rows[has_ll[rows]]
    placed = ll.shape[0] > 0
    lat = frame.latitude[ll]
    lon = frame.longitude[ll]
    starts, ends = _merged(frame.cand_lo[rows] - days, frame.cand_hi[rows] + days)
    return _Box(
        rows=rows,
        placed=placed,
        lat=(float(lat.min()), float(lat.max())) if placed else (0.0, 0.0),
        lon=(float(lon.min()), float(lon.max())) if placed else (0.0, 0.0),
        starts=starts,
        ends=ends,
        forces=np.unique(frame.force_code[rows]),
        unplaced_forces=np.unique(frame.force_code[rows[~has_ll[rows]]]),
        grid=grid,
    )


@dataclass(frozen=True, slots=True)
class _Reach:
    # how far a candidate can be: degrees of latitude and longitude, grid metres, days
    dlat: float
    dlon: float
    metres: float
    days: float


@dataclass(frozen=True, slots=True)
class _Near:
    # the rows within a window's reach in time, indexed for the three candidate rules
    by_lat: Ints  # rows with latitude/longitude, by latitude
    lat: Floats  # their latitudes, in that order
    unplaced_of_force: dict[int, Ints]  # rows without latitude/longitude, by force
    of_force: dict[int, Ints]  # every row, by force
    by_x: Ints  # rows with grid x/y, by x
    x: Floats  # their x, in that order


def _near(frame: ReportFrame, homes: Ints, has_ll: Bools, has_xy: Bools, reach: _Reach) -> _Near:
    starts, ends = _merged(frame.cand_lo[homes] - reach.days, frame.cand_hi[homes] + reach.days)
    rows = np.flatnonzero(_meets(frame.cand_lo, frame.cand_hi, starts, ends))
    placed = rows[has_ll[rows]]
    by_lat = placed[np.argsort(frame.latitude[placed], kind="stable")]
    gridded = rows[has_xy[rows]]
    by_x = gridded[np.argsort(frame.x[gridded], kind="stable")]
    return _Near(
        by_lat=by_lat,
        lat=frame.latitude[by_lat],
        unplaced_of_force=_by_force(frame, rows[~has_ll[rows]]),
        of_force=_by_force(frame, rows),
        by_x=by_x,
        x=frame.x[by_x],
    )


def _by_force(frame: ReportFrame, rows: Ints) -> dict[int, Ints]:
    codes = frame.force_code[rows]
    order = np.argsort(codes, kind="stable")
    forces, first = np.unique(codes[order], return_index=True)
    return {
        int(f): rows[order[a:b]]
        for f, a, b in zip(forces, first, [*first[1:], order.shape[0]], strict=True)
    }


def _frame_rows(frame: ReportFrame, box: _Box, near: _Near, reach: _Reach) -> Ints:
    # every row that can be a candidate of one of the box's home rows, the home rows included
    found = [box.rows]
    # placed rows near the box: by latitude band first (sorted), then longitude
    if box.placed:
        lo = int(np.searchsorted(near.lat, box.lat[0] - reach.dlat, side="left"))
        hi = int(np.searchsorted(near.lat, box.lat[1] + reach.dlat, side="right"))
        band = near.by_lat[lo:hi]
        lon = frame.longitude[band]
        found.append(band[(lon >= box.lon[0] - reach.dlon) & (lon <= box.lon[1] + reach.dlon)])
    # rows met by force or grid, with no latitude/longitude on one side of the pair: any row
    # without them of a home report's force, and any row of a force whose home reports here
    # have none
    nothing = np.zeros(0, np.int64)
    found += [near.unplaced_of_force.get(int(f), nothing) for f in box.forces]
    found += [near.of_force.get(int(f), nothing) for f in box.unplaced_forces]
    if box.grid is not None:
        x0, x1, y0, y1 = box.grid
        lo = int(np.searchsorted(near.x, x0 - reach.metres, side="left"))
        hi = int(np.searchsorted(near.x, x1 + reach.metres, side="right"))
        band = near.by_x[lo:hi]
        y = frame.y[band]
        found.append(band[(y >= y0 - reach.metres) & (y <= y1 + reach.metres)])
    rows = np.unique(np.concatenate(found))
    in_time = _meets(frame.cand_lo[rows], frame.cand_hi[rows], box.starts, box.ends)
    return np.union1d(rows[in_time], box.rows)


def _meets(lo: Floats, hi: Floats, starts: Floats, ends: Floats) -> Bools:
    # a window meets the merged intervals when the last interval starting before its end
    # reaches its start (the intervals are disjoint and sorted)
    last = np.searchsorted(starts, hi, side="right") - 1
    out: Bools = (last >= 0) & (ends[np.maximum(last, 0)] >= lo)
    return out


def _merged(lo: Floats, hi: Floats) -> tuple[Floats, Floats]:
    # the union of the intervals [lo, hi] as sorted, disjoint intervals
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], np.maximum.accumulate(hi[order])
    new = np.r_[True, lo[1:] > hi[:-1]] if lo.shape[0] else np.zeros(0, bool)
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, lo.shape[0] - 1] if first.shape[0] else first
    return lo[first], hi[last]
