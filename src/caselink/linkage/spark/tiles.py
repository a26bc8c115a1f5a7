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
    placed: bool  # latitude/longitude home reports; else reports of one force without them
    lat: tuple[float, float]
    lon: tuple[float, float]
    time: tuple[float, float]  # earliest window start, latest window end of the home reports
    forces: Ints
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
    boxes: list[_Box] = []
    for rows in _halve(np.flatnonzero(has_ll), units, tile_reports, (0, 1, 2)):
        boxes.append(_box(frame, rows, True, has_xy))
    unplaced = np.flatnonzero(~has_ll)
    for force in np.unique(frame.force_code[unplaced]):
        of_force = unplaced[frame.force_code[unplaced] == force]
        for rows in _halve(of_force, units, tile_reports, (2,)):
            boxes.append(_box(frame, rows, False, has_xy))
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
    return TilePlan(
        np.concatenate(rows_out), np.concatenate(tiles_out), np.concatenate(homes_out), len(boxes)
    )


def _halve(rows: Ints, units: Floats, limit: int, axes: tuple[int, ...]) -> list[Ints]:
    # rows cut at the median of their widest axis (in halo widths) until small enough
    out: list[Ints] = []
    stack = [rows] if rows.shape[0] else []
    while stack:
        part = stack.pop()
        if part.shape[0] <= limit:
            out.append(part)
            continue
        values = units[part][:, list(axes)]
        extent = values.max(axis=0) - values.min(axis=0)
        axis = int(np.argmax(extent))
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


def _box(frame: ReportFrame, rows: Ints, placed: bool, has_xy: Bools) -> _Box:
    grid_rows = rows[has_xy[rows]]
    grid = None
    if grid_rows.shape[0]:
        x, y = frame.x[grid_rows], frame.y[grid_rows]
        grid = (float(x.min()), float(x.max()), float(y.min()), float(y.max()))
    lat = frame.latitude[rows]
    lon = frame.longitude[rows]
    return _Box(
        rows=rows,
        placed=placed,
        lat=(float(lat.min()), float(lat.max())) if placed else (0.0, 0.0),
        lon=(float(lon.min()), float(lon.max())) if placed else (0.0, 0.0),
        time=(float(frame.cand_lo[rows].min()), float(frame.cand_hi[rows].max())),
        forces=np.unique(frame.force_code[rows]),
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
    t0, t1 = box.time[0] - settings.max_days, box.time[1] + settings.max_days
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
    # rows met by force or grid: with no latitude/longitude on one side of the pair
    pool = np.flatnonzero(~has_ll) if box.placed else np.arange(frame.n)
    same_force = np.isin(frame.force_code[pool], box.forces)
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
    in_time = (frame.cand_hi[rows] >= t0) & (frame.cand_lo[rows] <= t1)
    return np.union1d(rows[in_time], box.rows)
