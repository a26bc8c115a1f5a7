"""Approximate centres of the force areas, to name the places a series map shows.

Read from ``caselink/data/force_centroids_approx.csv`` (hand-written approximations, not
boundaries). A force without one area, such as British Transport Police, has no centre here.
"""

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

CENTRES_FILE = "force_centroids_approx.csv"


@dataclass(frozen=True, slots=True)
class ForceCentre:
    force: str
    latitude: float
    longitude: float


@cache
def force_centres() -> dict[str, ForceCentre]:
    """Each force with a single area, by name, with its approximate centre."""
    text = files("caselink.data").joinpath(CENTRES_FILE).read_text(encoding="utf-8")
    return {
        row["force"]: ForceCentre(row["force"], float(row["latitude"]), float(row["longitude"]))
        for row in csv.DictReader(io.StringIO(text))
        if "no single area" not in row["note"]
    }
