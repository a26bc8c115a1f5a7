"""Reports cut into tiles for scoring in Spark tasks, each report's every candidate in its tile.

A run on one machine keeps, for every report, its ``top`` best candidates (and a pair when it is
in either report's list). To do the same a tile at a time, each report is the *home* report of
exactly one tile, and the tile's frame holds, beside its home reports, every report that can be
a candidate of one of them (its *halo*). Within the frame the scorer then sees each home
report's whole candidate set, so the home report's list is the one the single machine finds;
the task returns the home reports' lists only, and each list therefore comes from exactly one
task. A pair kept by both its reports comes back twice, once from each report's tile, and the
driver keeps it once (docs/scaling.md).

Tiles are boxes of latitude, longitude and time, cut by halving the box with the most halo
widths along one axis at its median until a box holds at most ``tile_reports`` home reports or
is too small to halve without the halo outgrowing it. The halo of a box is every report whose
place is within ``max_km`` of the box (a latitude margin of ``max_km`` on the sphere, and a
longitude margin widened for the highest latitude present, as the candidate cells are) and
whose time window comes within ``max_days`` of the window of one of its home reports.

Reports without latitude/longitude meet others by grid distance or by force (the candidate
rule's second and third cases), so they are home reports of tiles of their own force, cut by
time only; any tile's halo takes in such a report of one of its home reports' forces, and a
report with grid x/y within ``max_km`` of the grid box of its home reports. Longitudes are not
wrapped at ±180°.
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
_LONG_WINDOWS = 2.0  # a window longer than this many max_days is cut by place only


@dataclass(frozen=True, slots=True)
class TilePlan:
    """Which rows of a frame each tile holds: ``row`` and ``tile`` side by side, ``home`` true
    for the one tile a row is the home report of."""

    row: Ints
    tile: Ints
    home: Bools
    tiles: int

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
    frame: ReportFrame, settings: LinkSettings, tile_reports: int = DEFAULT_TILE_REPORTS
) -> TilePlan:
    """Tiles of at most about ``tile_reports`` home reports, with their halos (module doc)."""
    if tile_reports < 1:
        raise ValueError("tile_reports must be at least 1")
    n = frame.n
    has_ll = ~np.isnan(frame.latitude) & ~np.isnan(frame.longitude)
    has_xy = ~np.isnan(frame.x) & ~np.isnan(frame.y)
    dlat = math.degrees(settings.max_km / EARTH_RADIUS_KM) * _SLACK
    max_lat = float(np.max(np.abs(frame.latitude[has_ll]))) if has_ll.any() else 0.0
    dlon = lon_cell_degrees(settings.max_km, min(max_lat + dlat, 90.0)) * _SLACK
    days = max(settings.max_days, 1.0)
    metres = settings.max_km * 1000.0 * _SLACK
    # coordinates in halo widths, which is what decides whether a box is worth halving
    units = np.column_stack(
        [
            np.where(has_ll, frame.latitude / dlat, 0.0),
            np.where(has_ll, frame.longitude / dlon, 0.0),
            frame.cand_lo / days,
        ]
    )
    # A report whose window is long (a historical offence known only to some decades) is a
    # candidate of every report near it over those decades: cut such reports by place only,
    # so that a box of them is small in place instead of long in time with the whole country
    # in its halo.
    long = (frame.cand_hi - frame.cand_lo) > _LONG_WINDOWS * days
    parts: list[Ints] = []
    placed_groups: list[tuple[Bools, tuple[int, ...]]] = [
        (has_ll & ~long, (0, 1, 2)),
        (has_ll & long, (0, 1)),
    ]
    for group, axes in placed_groups:
        parts.extend(_halve(np.flatnonzero(group), units, tile_reports, axes))
    # A report without latitude/longitude meets every report of its force in its window: it
    # is home in the box holding most of its force's reports, whose halo then takes in the
    # rest of the force. A force with no placed reports has boxes of its own, cut by time.
    part_of = np.full(n, -1, np.int64)
    for k, rows in enumerate(parts):
        part_of[rows] = k
    extra: dict[int, list[Ints]] = {}
    unplaced = np.flatnonzero(~has_ll)
    for force in np.unique(frame.force_code[unplaced]):
        of_force = unplaced[frame.force_code[unplaced] == force]
        placed_parts = part_of[has_ll & (frame.force_code == force)]
        if placed_parts.shape[0]:
            main = int(np.bincount(placed_parts).argmax())
            extra.setdefault(main, []).append(of_force)
            continue
        forced: list[tuple[Ints, tuple[int, ...]]] = [
            (of_force[~long[of_force]], (2,)),
            (of_force[long[of_force]], ()),
        ]
        for rows_of, cut_by in forced:
            parts.extend(_halve(rows_of, units, tile_reports, cut_by))
    boxes = [
        _box(
            frame,
            np.sort(np.concatenate([rows, *extra.get(k, [])])),
            has_ll,
            has_xy,
            settings.max_days,
        )
        for k, rows in enumerate(parts)
    ]
    rows_out: list[Ints] = []
    tiles_out: list[Ints] = []
    homes_out: list[Bools] = []
    home_of = np.full(n, -1, np.int64)
    for t, box in enumerate(boxes):
        home_of[box.rows] = t
    by_lat = np.argsort(np.where(has_ll, frame.latitude, np.inf), kind="stable")
    sorted_lat = np.where(has_ll, frame.latitude, np.inf)[by_lat]
    n_placed = int(has_ll.sum())
    for t, box in enumerate(boxes):
        members = _frame_rows(
            frame, box, has_ll, has_xy, by_lat, sorted_lat, n_placed, dlat, dlon, metres, settings
        )
        rows_out.append(members)
        tiles_out.append(np.full(members.shape[0], t, np.int64))
        homes_out.append(home_of[members] == t)
    if not boxes:
        return TilePlan(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool), 0)
    tile = np.concatenate(tiles_out)
    # numbered largest first: tasks start in that order, so the longest do not start last
    rank = np.empty(len(boxes), np.int64)
    rank[np.argsort(-np.bincount(tile, minlength=len(boxes)), kind="stable")] = np.arange(
        len(boxes)
    )
    return TilePlan(np.concatenate(rows_out), rank[tile], np.concatenate(homes_out), len(boxes))


def _halve(rows: Ints, units: Floats, limit: int, axes: tuple[int, ...]) -> list[Ints]:
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
        low_q, high_q = np.quantile(values, [_SPREAD, 1.0 - _SPREAD], axis=0)
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


def _frame_rows(
    frame: ReportFrame,
    box: _Box,
    has_ll: Bools,
    has_xy: Bools,
    by_lat: Ints,
    sorted_lat: Floats,
    n_placed: int,
    dlat: float,
    dlon: float,
    metres: float,
    settings: LinkSettings,
) -> Ints:
    # every row that can be a candidate of one of the box's home rows, the home rows included
    # placed rows near the box: by latitude band first (sorted), then longitude and time
    if box.placed:
        lo = int(np.searchsorted(sorted_lat[:n_placed], box.lat[0] - dlat, side="left"))
        hi = int(np.searchsorted(sorted_lat[:n_placed], box.lat[1] + dlat, side="right"))
        band = by_lat[lo:hi]
        lon = frame.longitude[band]
        near = (lon >= box.lon[0] - dlon) & (lon <= box.lon[1] + dlon)
        placed = band[near]
    else:
        placed = np.zeros(0, np.int64)
    # rows met by force or grid, with no latitude/longitude on one side of the pair: any row
    # without them of a home report's force, and any row of a force whose home reports here
    # have none
    pool = np.arange(frame.n)
    codes = frame.force_code
    same_force = (~has_ll & np.isin(codes, box.forces)) | np.isin(codes, box.unplaced_forces)
    by_grid = np.zeros(pool.shape[0], bool)
    if box.grid is not None:
        x0, x1, y0, y1 = box.grid
        x, y = frame.x[pool], frame.y[pool]
        with np.errstate(invalid="ignore"):
            by_grid = (
                has_xy[pool]
                & (x >= x0 - metres)
                & (x <= x1 + metres)
                & (y >= y0 - metres)
                & (y <= y1 + metres)
            )
    others = pool[same_force | by_grid]
    rows = np.union1d(np.union1d(placed, others), box.rows)
    # a window meets the merged intervals when the last interval starting before its end
    # reaches its start (the intervals are disjoint and sorted)
    last = np.searchsorted(box.starts, frame.cand_hi[rows], side="right") - 1
    in_time = (last >= 0) & (box.ends[np.maximum(last, 0)] >= frame.cand_lo[rows])
    return np.union1d(rows[in_time], box.rows)


def _merged(lo: Floats, hi: Floats) -> tuple[Floats, Floats]:
    # the union of the intervals [lo, hi] as sorted, disjoint intervals
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], np.maximum.accumulate(hi[order])
    new = np.r_[True, lo[1:] > hi[:-1]] if lo.shape[0] else np.zeros(0, bool)
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, lo.shape[0] - 1] if first.shape[0] else first
    return lo[first], hi[last]
