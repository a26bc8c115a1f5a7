"""Distances between places: great-circle for WGS84 degrees, straight line for grid metres."""

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius, as most haversine references use


def haversine_km(lat1: Floats, lon1: Floats, lat2: Floats, lon2: Floats) -> Floats:
    """Great-circle distance in km between WGS84 points (degrees), elementwise, NaN if unknown.

    The haversine form stays accurate for the short distances that matter most here, where the
    spherical law of cosines loses digits; the sphere is within 0.5% of the ellipsoid.
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    out: Floats = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return out


def grid_km(x1: Floats, y1: Floats, x2: Floats, y2: Floats) -> Floats:
    """Straight-line distance in km between projected grid points given in metres."""
    return np.hypot(np.asarray(x2) - np.asarray(x1), np.asarray(y2) - np.asarray(y1)) / 1000.0


def pair_distance_km(
    lat: Floats, lon: Floats, x: Floats, y: Floats, i: NDArray[np.int64], j: NDArray[np.int64]
) -> Floats:
    """Distance for report pairs (i, j): haversine when both have latitude/longitude, else grid
    distance when both have x/y, else NaN (the place cannot be compared)."""
    d = haversine_km(lat[i], lon[i], lat[j], lon[j])
    fallback = np.isnan(d)
    if fallback.any():
        fi, fj = i[fallback], j[fallback]
        d[fallback] = grid_km(x[fi], y[fi], x[fj], y[fj])
    return d
