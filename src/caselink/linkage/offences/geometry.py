"""Distances between places: great-circle for WGS84 degrees, straight line for grid metres.

One compiled function per pair (``pair_km``) is the definition; ``pair_distance_km`` runs it
over pairs of rows, and the compiled scorer calls it for a pair, so both paths compute the same
numbers.
"""

import math

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.offences.jit import compiled

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius, as most haversine references use
_DEG = math.pi / 180.0


@compiled
def haversine(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    """Great-circle km between two WGS84 points (degrees); NaN if any is unknown.

    The haversine form stays accurate for the short distances that matter most here, where the
    spherical law of cosines loses digits; the sphere is within 0.5% of the ellipsoid.
    """
    p_a, p_b = lat_a * _DEG, lat_b * _DEG
    dphi = p_b - p_a
    dlmb = (lon_b - lon_a) * _DEG
    h = math.sin(dphi / 2) ** 2 + math.cos(p_a) * math.cos(p_b) * math.sin(dlmb / 2) ** 2
    if math.isnan(h):
        return math.nan
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))


@compiled
def pair_km(
    lat_a: float,
    lon_a: float,
    lat_b: float,
    lon_b: float,
    x_a: float,
    y_a: float,
    x_b: float,
    y_b: float,
) -> float:
    """Distance of one pair: haversine when both have latitude/longitude, else grid km when both
    have x/y (metres), else NaN (the places cannot be compared)."""
    d = haversine(lat_a, lon_a, lat_b, lon_b)
    if math.isnan(d):
        d = math.hypot(x_b - x_a, y_b - y_a) / 1000.0
    return d


@compiled
def _pair_km_each(
    lat: Floats, lon: Floats, x: Floats, y: Floats, i: Ints, j: Ints, out: Floats
) -> None:
    for k in range(i.shape[0]):
        a, b = i[k], j[k]
        out[k] = pair_km(lat[a], lon[a], lat[b], lon[b], x[a], y[a], x[b], y[b])


def pair_distance_km(
    lat: Floats, lon: Floats, x: Floats, y: Floats, i: NDArray[np.int64], j: NDArray[np.int64]
) -> Floats:
    """``pair_km`` for report pairs (i, j) of the per-report arrays."""
    out = np.empty(np.shape(i)[0])
    _pair_km_each(
        np.ascontiguousarray(lat, dtype=np.float64),
        np.ascontiguousarray(lon, dtype=np.float64),
        np.ascontiguousarray(x, dtype=np.float64),
        np.ascontiguousarray(y, dtype=np.float64),
        np.ascontiguousarray(i, dtype=np.int64),
        np.ascontiguousarray(j, dtype=np.int64),
        out,
    )
    return out


# cells of the chord (so of the distance) that distance bins are tabulated by: 12 m each for
# edges up to 50 km, and an edge falls in at most two of them
_CHORD_CELLS = 1 << 12
_CELL_MARGIN = 1e-6  # a cell this much wider, relatively, each way: beyond any rounding


def chord_cells(
    edges2: NDArray[np.float64],
) -> tuple[NDArray[np.int16], float, NDArray[np.int64], NDArray[np.int64]]:
    """For distance bins with these edges as squared chords between unit vectors: the bin of
    each cell of the chord ``step`` long (1 + the edges at or below it), -1 for a cell within
    rounding of an edge, and one more entry for chords past every cell; ``step``; and the
    lowest and highest bin each cell may hold."""
    n = _CHORD_CELLS
    if edges2.shape[0] == 0:
        return np.zeros(1, np.int16), 1.0, np.ones(1, np.int64), np.ones(1, np.int64)
    step = math.sqrt(edges2[-1]) * (1 + 4 * _CELL_MARGIN) / n
    low = (np.arange(n + 1) * step) ** 2 * (1 - _CELL_MARGIN)
    high = (np.arange(1, n + 2) * step) ** 2 * (1 + _CELL_MARGIN)
    b_low = 1 + np.searchsorted(edges2, low, side="right")
    b_high = 1 + np.searchsorted(edges2, high, side="right")
    bins = np.where(b_low == b_high, b_low, -1)
    bins[n] = b_low[n] = b_high[n] = edges2.shape[0] + 1  # past every cell: past the last edge
    return bins.astype(np.int16), float(step), b_low, b_high
