"""Where offences happen: a few towns around each force's approximate centre, and the railways.

There are no force boundaries in the shipped data, only approximate centres
(``force_centroids_approx.csv``), so each force area is modelled as a mixture: a handful of
towns (denser) and a wide spread of countryside around the centre. British Transport Police
offences fall on stations and along main lines between city centres. The town layout, the
force radii and the railway lines are invented for synthetic data only.
"""

from dataclasses import dataclass

import numpy as np

from caselink.synth.calibration import Calibration

KM_PER_DEGREE = 111.32

# Rough radius in km of each force area's populated extent; the default fits a shire force.
_RADIUS_KM: dict[str, float] = {
    "London, City of": 0.8,
    "Metropolitan Police": 14.0,
    "West Midlands": 13.0,
    "Greater Manchester": 14.0,
    "Merseyside": 10.0,
    "West Yorkshire": 16.0,
    "South Yorkshire": 16.0,
    "Northumbria": 18.0,
    "Cleveland": 10.0,
    "Gwent": 14.0,
    "Devon and Cornwall": 55.0,
    "Dyfed-Powys": 50.0,
    "North Yorkshire": 40.0,
    "Cumbria": 35.0,
    "Lincolnshire": 35.0,
    "West Mercia": 40.0,
    "North Wales": 30.0,
    "Thames Valley": 32.0,
    "Norfolk": 30.0,
    "Hampshire": 30.0,
    "Kent": 30.0,
    "Essex": 28.0,
    "Lancashire": 28.0,
}
_DEFAULT_RADIUS_KM = 22.0
TOWN_SHARE = 0.8  # of offences in a town rather than the countryside around

BTP = "British Transport Police"
# Main lines between force centres (stand-ins for the cities), for British Transport Police.
_LINES: tuple[tuple[str, str], ...] = (
    ("Metropolitan Police", "West Midlands"),
    ("West Midlands", "Greater Manchester"),
    ("Metropolitan Police", "West Yorkshire"),
    ("West Yorkshire", "Northumbria"),
    ("Metropolitan Police", "Sussex"),
    ("Metropolitan Police", "Avon and Somerset"),
    ("Greater Manchester", "West Yorkshire"),
    ("Merseyside", "Greater Manchester"),
    ("Metropolitan Police", "Kent"),
    ("Metropolitan Police", "Hampshire"),
    ("West Midlands", "South Yorkshire"),
    ("Metropolitan Police", "Cambridgeshire"),
)
_STATION_SHARE = 0.6


@dataclass(frozen=True, slots=True)
class Geography:
    """Towns of every force (centre, weight, spread), the force radii and the railway lines."""

    centre_lat: np.ndarray
    centre_lon: np.ndarray
    radius_km: np.ndarray
    town_force: np.ndarray
    town_lat: np.ndarray
    town_lon: np.ndarray
    town_weight: np.ndarray
    town_spread_km: np.ndarray
    btp: int
    line_ends: np.ndarray  # (n_lines, 2) force indices

    def neighbours(self, k: int = 3) -> np.ndarray:
        """For each force the ``k`` nearest other territorial forces, by distance between centres.

        British Transport Police is never a neighbour: it has no area of its own.
        """
        lat0 = np.deg2rad(self.centre_lat.mean())
        x = self.centre_lon * np.cos(lat0)
        d = np.hypot(x[:, None] - x[None, :], self.centre_lat[:, None] - self.centre_lat[None, :])
        d[np.arange(len(d)), np.arange(len(d))] = np.inf
        d[:, self.btp] = np.inf
        return np.argsort(d, axis=1, kind="stable")[:, :k]

    def sample(self, force: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A point for each offence in the area of ``force`` (indices), as latitude and longitude.

        Town offences sit within a few km of a town centre chosen by the town's weight; the rest
        spread over the whole area, so towns come out denser than the countryside.
        """
        n = len(force)
        lat = np.empty(n)
        lon = np.empty(n)
        order = np.argsort(force, kind="stable")
        bounds = np.searchsorted(force[order], np.arange(len(self.radius_km) + 1))
        for f in range(len(self.radius_km)):
            rows = order[bounds[f] : bounds[f + 1]]
            if len(rows) == 0:
                continue
            if f == self.btp:
                lat[rows], lon[rows] = self._railway(len(rows), rng)
                continue
            towns = np.flatnonzero(self.town_force == f)
            pick = towns[rng.choice(len(towns), len(rows), p=self.town_weight[towns])]
            in_town = rng.random(len(rows)) < TOWN_SHARE
            spread = np.where(in_town, self.town_spread_km[pick], self.radius_km[f])
            c_lat = np.where(in_town, self.town_lat[pick], self.centre_lat[f])
            c_lon = np.where(in_town, self.town_lon[pick], self.centre_lon[f])
            lat[rows], lon[rows] = around(c_lat, c_lon, spread, rng)
        return lat, lon

    def _railway(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        line = self.line_ends[rng.integers(0, len(self.line_ends), n)]
        at_station = rng.random(n) < _STATION_SHARE
        # A station is one end of a line; elsewhere a point along it.
        t = np.where(at_station, rng.integers(0, 2, n).astype(float), rng.random(n))
        a, b = line[:, 0], line[:, 1]
        lat = self.centre_lat[a] + t * (self.centre_lat[b] - self.centre_lat[a])
        lon = self.centre_lon[a] + t * (self.centre_lon[b] - self.centre_lon[a])
        return around(lat, lon, np.where(at_station, 0.4, 0.3), rng)


def around(
    lat: np.ndarray, lon: np.ndarray, km: np.ndarray | float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Points scattered around (lat, lon) with a normal spread of ``km`` km in each direction."""
    n = len(lat)
    dy = rng.normal(0.0, 1.0, n) * km
    dx = rng.normal(0.0, 1.0, n) * km
    new_lat = lat + dy / KM_PER_DEGREE
    new_lon = lon + dx / (KM_PER_DEGREE * np.cos(np.deg2rad(lat)))
    return new_lat, new_lon


def build_geography(cal: Calibration, rng: np.random.Generator) -> Geography:
    """Lay out towns for every force: more towns for busier forces, the first at the centre.

    Town weights fall off as 1/rank (Zipf), a common description of town sizes; town spreads
    grow with weight so the main town is the widest.
    """
    volume = cal.volumes.sum(axis=1)
    radius = np.array([_RADIUS_KM.get(f, _DEFAULT_RADIUS_KM) for f in cal.forces])
    btp = cal.forces.index(BTP)
    town_force: list[int] = []
    town_lat: list[float] = []
    town_lon: list[float] = []
    town_weight: list[float] = []
    town_spread: list[float] = []
    for f in range(len(cal.forces)):
        k = int(np.clip(round(2 + np.log2(max(volume[f], 1.0) / 500.0)), 3, 9))
        if radius[f] < 2.0:
            k = 1
        off_lat, off_lon = around(
            np.full(k, cal.latitude[f]), np.full(k, cal.longitude[f]), 0.6 * radius[f], rng
        )
        off_lat[0], off_lon[0] = cal.latitude[f], cal.longitude[f]
        weight = 1.0 / np.arange(1, k + 1)
        weight /= weight.sum()
        town_force += [f] * k
        town_lat += off_lat.tolist()
        town_lon += off_lon.tolist()
        town_weight += weight.tolist()
        town_spread += np.clip(radius[f] * (0.08 + 0.25 * weight), 0.3, 6.0).tolist()
    index = {name: i for i, name in enumerate(cal.forces)}
    lines = np.array([[index[a], index[b]] for a, b in _LINES])
    return Geography(
        centre_lat=cal.latitude.copy(),
        centre_lon=cal.longitude.copy(),
        radius_km=radius,
        town_force=np.array(town_force),
        town_lat=np.array(town_lat),
        town_lon=np.array(town_lon),
        town_weight=np.array(town_weight),
        town_spread_km=np.array(town_spread),
        btp=btp,
        line_ends=lines,
    )
