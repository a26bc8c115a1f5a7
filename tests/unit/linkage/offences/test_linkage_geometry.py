"""Distances: haversine against a known distance, grid distance, and the mixed rule."""

import numpy as np
import pytest

from caselink.linkage.offences.geometry import haversine, pair_distance_km, pair_km


def test_haversine_big_ben_to_the_statue_of_liberty() -> None:
    # 5,574.8 km is the great-circle distance usually quoted for these two points (mean radius)
    d = haversine(51.5007, -0.1246, 40.6892, -74.0445)
    assert d == pytest.approx(5574.8, abs=1.0)


def test_haversine_one_degree_of_latitude_and_zero() -> None:
    assert haversine(52.0, -1.0, 53.0, -1.0) == pytest.approx(111.195, abs=0.01)
    assert haversine(52.0, -1.0, 52.0, -1.0) == 0.0


def test_grid_distance_is_euclidean_in_km() -> None:
    nan = np.nan
    assert pair_km(nan, nan, nan, nan, 0.0, 0.0, 3000.0, 4000.0) == 5.0


def test_pair_distance_prefers_latitude_longitude_then_grid_else_unknown() -> None:
    nan = np.nan
    lat = np.array([52.0, 52.01, nan, nan, nan])
    lon = np.array([-1.0, -1.0, nan, nan, nan])
    x = np.array([0.0, 9e9, 1000.0, 4000.0, nan])
    y = np.array([0.0, 9e9, 1000.0, 5000.0, nan])
    i = np.array([0, 2, 0, 1])
    j = np.array([1, 3, 4, 2])
    d = pair_distance_km(lat, lon, x, y, i, j)
    assert d[0] == pytest.approx(1.112, abs=0.001)  # lat/lon wins over absurd x/y
    assert d[1] == pytest.approx(5.0)
    assert np.isnan(d[2])
    assert d[3] == pytest.approx(np.hypot(9e9 - 1000, 9e9 - 1000) / 1000)
