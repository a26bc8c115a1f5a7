"""Published figures the synthetic dataset is calibrated to, loaded from ``caselink/data``.

The volumes come from the Home Office 2017/18 table by force and offence code, the rape
write-off ("no crime") rates from the 2010/11 figures published for the nation and a few named
forces, and the geography from approximate force centres. Everything else the generator needs
is invented, and ``docs/synth.md`` says which is which.
"""

import csv
import io
from dataclasses import dataclass
from importlib.resources import files

import numpy as np

from caselink.domain.forces import FORCES, canonical_force
from caselink.domain.offences import OFFENCES, RAPE_CODES

VOLUMES_FILE = "home_office_sexual_offences_by_force_2017_18.csv"
CENTROIDS_FILE = "force_centroids_approx.csv"
RATES_FILE = "published_rape_no_crime_rates_2010_11.csv"
NATIONAL = "England and Wales"

# Three-letter prefixes for synthetic references ("KEN-2017-000123"); invented, but shaped like
# the prefixes forces put on their own crime numbers so a reader can tell forces apart at a glance.
PREFIXES: dict[str, str] = {
    "Avon and Somerset": "ASP",
    "Bedfordshire": "BED",
    "British Transport Police": "BTP",
    "Cambridgeshire": "CAM",
    "Cheshire": "CHE",
    "Cleveland": "CLE",
    "Cumbria": "CUM",
    "Derbyshire": "DER",
    "Devon and Cornwall": "DCP",
    "Dorset": "DOR",
    "Durham": "DUR",
    "Dyfed-Powys": "DPP",
    "Essex": "ESX",
    "Gloucestershire": "GLO",
    "Greater Manchester": "GMP",
    "Gwent": "GWE",
    "Hampshire": "HAM",
    "Hertfordshire": "HER",
    "Humberside": "HUM",
    "Kent": "KEN",
    "Lancashire": "LAN",
    "Leicestershire": "LEI",
    "Lincolnshire": "LIN",
    "London, City of": "COL",
    "Merseyside": "MER",
    "Metropolitan Police": "MET",
    "Norfolk": "NFK",
    "North Wales": "NWP",
    "North Yorkshire": "NYP",
    "Northamptonshire": "NTH",
    "Northumbria": "NBR",
    "Nottinghamshire": "NOT",
    "South Wales": "SWP",
    "South Yorkshire": "SYP",
    "Staffordshire": "STA",
    "Suffolk": "SUF",
    "Surrey": "SUR",
    "Sussex": "SUS",
    "Thames Valley": "TVP",
    "Warwickshire": "WAR",
    "West Mercia": "WMC",
    "West Midlands": "WMP",
    "West Yorkshire": "WYP",
    "Wiltshire": "WIL",
}

# Offence codes in a fixed order; rape codes first so a slice picks them out.
CODES: tuple[str, ...] = tuple(sorted(RAPE_CODES)) + tuple(
    sorted(c for c in OFFENCES if c not in RAPE_CODES)
)
N_RAPE_CODES = len(RAPE_CODES)


def _read(name: str) -> list[dict[str, str]]:
    text = files("caselink").joinpath("data", name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@dataclass(frozen=True, slots=True)
class Calibration:
    """The published inputs: annual volumes by force and code, force centres, write-off rates.

    ``volumes[f, c]`` is the number of offences of ``CODES[c]`` recorded by ``FORCES[f]`` in
    2017/18; ``rates`` holds the published rape write-off rates as fractions, keyed by force
    name, with the national figure under ``"England and Wales"``.
    """

    forces: tuple[str, ...]
    codes: tuple[str, ...]
    volumes: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    rates: dict[str, float]

    @property
    def national_rate(self) -> float:
        return self.rates[NATIONAL]

    @property
    def rape_volumes(self) -> np.ndarray:
        return np.asarray(self.volumes[:, :N_RAPE_CODES].sum(axis=1))


def load_calibration() -> Calibration:
    """Read the three published tables shipped in ``caselink/data`` into one Calibration.

    Force names are checked against the 44 areas and codes against the Home Office list, so a
    mistyped edit of a data file fails here rather than producing a silently odd dataset.
    """
    force_index = {name: i for i, name in enumerate(FORCES)}
    code_index = {code: i for i, code in enumerate(CODES)}
    volumes = np.zeros((len(FORCES), len(CODES)), dtype=np.float64)
    for row in _read(VOLUMES_FILE):
        force = canonical_force(row["force"])
        if force is None or row["offence_code"] not in code_index:
            raise ValueError(f"{VOLUMES_FILE}: unknown force or code in {row}")
        volumes[force_index[force], code_index[row["offence_code"]]] += float(row["offences"])
    latitude = np.full(len(FORCES), np.nan)
    longitude = np.full(len(FORCES), np.nan)
    for row in _read(CENTROIDS_FILE):
        force = canonical_force(row["force"])
        if force is None:
            raise ValueError(f"{CENTROIDS_FILE}: unknown force {row['force']!r}")
        latitude[force_index[force]] = float(row["latitude"])
        longitude[force_index[force]] = float(row["longitude"])
    if np.isnan(latitude).any():
        raise ValueError(f"{CENTROIDS_FILE} lacks a centre for some force")
    rates: dict[str, float] = {}
    for row in _read(RATES_FILE):
        name = row["force"] if row["force"] == NATIONAL else canonical_force(row["force"])
        if name is None:
            raise ValueError(f"{RATES_FILE}: unknown force {row['force']!r}")
        rates[name] = float(row["no_crime_rate_percent"]) / 100.0
    if NATIONAL not in rates:
        raise ValueError(f"{RATES_FILE} lacks the national rate")
    return Calibration(FORCES, CODES, volumes, latitude, longitude, rates)


def rape_write_off_targets(cal: Calibration, rng: np.random.Generator) -> np.ndarray:
    """The rape write-off rate each force is given, so that the national figure holds.

    Forces with a published rate keep it. The others are drawn around the rate that the rest
    of the country must have for the volume-weighted national rate to equal the published one
    (a log-normal spread, because the published rates vary about fivefold), then rescaled
    together so the national sum is exact.
    """
    volume = cal.rape_volumes
    targets = np.zeros(len(cal.forces))
    named = np.zeros(len(cal.forces), dtype=bool)
    for i, force in enumerate(cal.forces):
        if force in cal.rates:
            targets[i] = cal.rates[force]
            named[i] = True
    owed = cal.national_rate * volume.sum() - (targets * volume)[named].sum()
    rest = ~named
    base = owed / volume[rest].sum()
    drawn = base * np.exp(rng.normal(0.0, 0.35, rest.sum()))
    drawn = np.clip(drawn, 0.03, 0.26)
    drawn *= owed / (drawn * volume[rest]).sum()
    targets[rest] = drawn
    return targets
