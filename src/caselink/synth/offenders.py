"""Who committed each report: one-off offenders, and repeat offenders with their series.

Most offenders offend once. A minority offend repeatedly: a series of 2 to 30 reports (a
power-law tail), mostly of one offence family, in their home force area or a neighbouring one,
around a home anchor. Every offender has fixed traits (sex, age, height, build, ethnic
appearance, accent, marks) that complainants later describe, noisily. Shares and shapes here
are invented; docs/synth.md lists them.
"""

from dataclasses import dataclass

import numpy as np

from caselink.domain.forces import FORCES
from caselink.synth import offence_families as fam
from caselink.synth.geography import Geography, around
from caselink.synth.sampling import categorical, choice, weighted_order
from caselink.synth.volumes import Slots

SERIES_SHARE = 0.14  # of reports committed by someone who offends more than once
MAX_SERIES = 30
SIZE_EXPONENT = 1.9  # P(size k) ~ k^-1.9 for k = 2..30: mostly pairs, a long tail
TRAVEL_SHARE = 0.2  # of repeat offenders who also offend in a neighbouring force
AWAY_SHARE = 0.35  # of a travelling offender's reports that fall in the neighbour's area
ANCHOR_SPREAD_KM = 3.0  # how far a repeat offender's offences lie from their anchor

# A repeat offender's offences mostly stay in one family; the rest in a related one.
_MEMBER_FAMILY = np.array(
    [
        [0.70, 0.00, 0.30, 0.00, 0.00, 0.00, 0.00],
        [0.00, 0.60, 0.00, 0.30, 0.10, 0.00, 0.00],
        [0.25, 0.00, 0.70, 0.00, 0.00, 0.05, 0.00],
        [0.00, 0.25, 0.00, 0.60, 0.15, 0.00, 0.00],
        [0.00, 0.10, 0.00, 0.30, 0.60, 0.00, 0.00],
        [0.00, 0.00, 0.20, 0.00, 0.00, 0.80, 0.00],
        [0.10, 0.00, 0.30, 0.00, 0.00, 0.10, 0.50],
    ]
)

# Repeat offenders' styles and the relationships their victims report under each.
STYLES = ("predatory", "online", "acquaintance")
_STYLE_SHARES = [0.55, 0.15, 0.30]
_STYLE_RELATIONSHIP = np.array(
    [
        [0.80, 0.12, 0.0, 0.0, 0.0, 0.05, 0.03],
        [0.15, 0.20, 0.0, 0.0, 0.0, 0.65, 0.00],
        [0.25, 0.60, 0.0, 0.0, 0.0, 0.10, 0.05],
    ]
)

BUILDS = ("slim", "medium", "athletic", "stocky", "heavy")
_BUILD_SHARES = [0.25, 0.35, 0.15, 0.15, 0.10]
# Police identity codes (IC1 white, IC2 dark European, IC3 black, IC4 Asian, IC5 Chinese or
# Japanese, IC6 Arab); the shares are a rough national picture, more diverse in the cities.
ETHNIC_CODES = ("IC1", "IC2", "IC3", "IC4", "IC5", "IC6")
_ETHNIC_NATIONAL = [0.82, 0.03, 0.06, 0.07, 0.01, 0.01]
_ETHNIC_CITY = [0.55, 0.05, 0.17, 0.19, 0.02, 0.02]
_CITY_FORCES = {
    "Metropolitan Police",
    "London, City of",
    "West Midlands",
    "Greater Manchester",
    "West Yorkshire",
    "Leicestershire",
    "Bedfordshire",
    "British Transport Police",
}
ACCENTS = (
    "local",
    "London",
    "northern",
    "Scottish",
    "Irish",
    "Welsh",
    "Eastern European",
    "African",
    "South Asian",
    "American",
)
_ACCENT_SHARES = [0.60, 0.06, 0.05, 0.03, 0.03, 0.03, 0.08, 0.04, 0.05, 0.03]
MARKS = (
    "tattoo on forearm",
    "tattoo on neck",
    "scar on face",
    "beard",
    "glasses",
    "facial piercing",
    "missing front tooth",
)
_MARKED_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class Offenders:
    """Per report: its offender and the force area it happened in; per offender: their traits.

    ``of_report[i]`` indexes the per-offender arrays. ``label`` is a shuffled number so that
    offender identifiers say nothing about whether the offender is a repeat one.
    """

    of_report: np.ndarray
    loc_force: np.ndarray
    relationship: np.ndarray
    repeat: np.ndarray
    home_force: np.ndarray
    anchor_lat: np.ndarray
    anchor_lon: np.ndarray
    label: np.ndarray
    male: np.ndarray
    age: np.ndarray
    height_cm: np.ndarray
    build: np.ndarray
    ethnic: np.ndarray
    accent: np.ndarray
    marks: np.ndarray
    hour_centre: np.ndarray
    gap_days: np.ndarray

    @property
    def count(self) -> int:
        return len(self.label)


def _series_sizes(n_reports: int, rng: np.random.Generator) -> np.ndarray:
    k = np.arange(2, MAX_SERIES + 1)
    p = k.astype(float) ** -SIZE_EXPONENT
    p /= p.sum()
    wanted = SERIES_SHARE * n_reports
    guess = int(wanted / (k * p).sum() * 1.3) + 5
    sizes = k[rng.choice(len(k), guess, p=p)]
    keep = np.searchsorted(np.cumsum(sizes), wanted) + 1
    return np.asarray(sizes[: min(keep, len(sizes))])


def assign_offenders(slots: Slots, geo: Geography, rng: np.random.Generator) -> Offenders:
    """Give every report an offender, placing repeat offenders' series onto existing slots.

    Series members take report slots (force and code already fixed by the published volumes),
    so the calibrated volumes are untouched. Slots are taken in a weighted random order per
    force and offence family, and no group gives more than 60% of its slots to series.
    """
    n = len(slots)
    n_forces = len(geo.radius_km)
    n_fam = len(fam.FAMILY_NAMES)
    family = fam.FAMILY_OF_CODE[slots.code].astype(np.int64)
    group = slots.force.astype(np.int64) * n_fam + family
    group_size = np.bincount(group, minlength=n_forces * n_fam)

    sizes = _series_sizes(n, rng)
    n_series = len(sizes)
    weight = (group_size * np.tile(fam.SERIES_PROPENSITY, n_forces)).astype(float)
    home_group = choice(weight, n_series, rng)
    home = home_group // n_fam
    primary = home_group % n_fam
    travels = (rng.random(n_series) < TRAVEL_SHARE) & (home != geo.btp)
    neighbour = geo.neighbours(3)[home, rng.integers(0, 3, n_series)]

    member_series = np.repeat(np.arange(n_series), sizes)
    member_family = categorical(_MEMBER_FAMILY[primary[member_series]], rng)
    away = travels[member_series] & (rng.random(len(member_series)) < AWAY_SHARE)
    member_force = np.where(away, neighbour[member_series], home[member_series])
    member_group = member_force * n_fam + member_family

    keys = weighted_order(np.ones(n), rng)
    order = np.lexsort((-keys, group))
    starts = np.searchsorted(group[order], np.arange(n_forces * n_fam))
    m_order = np.lexsort((rng.random(len(member_group)), member_group))
    mg = member_group[m_order]
    rank = np.arange(len(mg)) - np.searchsorted(mg, mg)
    kept = rank < (0.6 * group_size[mg]).astype(np.int64)
    taken_slots = order[starts[mg[kept]] + rank[kept]]
    taken_series = member_series[m_order][kept]
    taken_away = away[m_order][kept]

    per_series = np.bincount(taken_series, minlength=n_series)
    of_report = np.full(n, -1, dtype=np.int64)
    of_report[taken_slots] = taken_series
    # A series that kept one member is an ordinary one-off offence: renumber it as such.
    loners = per_series[of_report[taken_slots]] < 2
    of_report[taken_slots[loners]] = -1
    real = np.flatnonzero(per_series >= 2)
    renumber = np.full(n_series, -1)
    renumber[real] = np.arange(len(real))
    series_rows = of_report >= 0
    of_report[series_rows] = renumber[of_report[series_rows]]
    n_repeat = len(real)
    singles = np.flatnonzero(~series_rows)
    of_report[singles] = n_repeat + np.arange(len(singles))
    n_off = n_repeat + len(singles)

    loc_force = slots.force.astype(np.int64).copy()
    away_rows = taken_slots[taken_away & ~loners]
    loc_force[away_rows] = neighbour[taken_series[taken_away & ~loners]]

    repeat = np.zeros(n_off, dtype=bool)
    repeat[:n_repeat] = True
    home_force = np.empty(n_off, dtype=np.int64)
    home_force[:n_repeat] = home[real]
    home_force[n_repeat:] = slots.force[singles]
    first_family = np.empty(n_off, dtype=np.int64)
    first_family[of_report] = family  # any of the offender's reports will do

    # A travelling offender lives between home and the neighbour, so both areas are in reach.
    a_lat, a_lon = geo.sample(home[real], rng)
    pull = np.where(travels[real], rng.uniform(0.3, 0.5, n_repeat), 0.0)
    a_lat += pull * (geo.centre_lat[neighbour[real]] - a_lat)
    a_lon += pull * (geo.centre_lon[neighbour[real]] - a_lon)
    anchor_lat = np.full(n_off, np.nan)
    anchor_lon = np.full(n_off, np.nan)
    anchor_lat[:n_repeat], anchor_lon[:n_repeat] = a_lat, a_lon

    style = choice(_STYLE_SHARES, n_repeat, rng)
    relationship = categorical(fam.RELATIONSHIP_SHARES[family], rng)
    in_series = of_report < n_repeat
    relationship[in_series] = categorical(_STYLE_RELATIONSHIP[style[of_report[in_series]]], rng)

    traits = _traits(first_family, home_force, geo, rng)
    return Offenders(
        of_report=of_report,
        loc_force=loc_force,
        relationship=relationship.astype(np.int8),
        repeat=repeat,
        home_force=home_force,
        anchor_lat=anchor_lat,
        anchor_lon=anchor_lon,
        label=rng.permutation(n_off) + 1,
        **traits,
    )


def _traits(
    family: np.ndarray, home_force: np.ndarray, geo: Geography, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    n = len(family)
    rape = (family == fam.ADULT_RAPE) | (family == fam.CHILD_RAPE)
    male = rng.random(n) < np.where(rape, 0.995, 0.95)
    age = 15.0 + rng.gamma(2.2, 9.0, n)
    child = (family == fam.CHILD_ABUSE) | (family == fam.CHILD_RAPE)
    juvenile = child & (rng.random(n) < 0.2)
    age = np.where(juvenile, rng.uniform(12.0, 18.0, n), np.minimum(age, 85.0))
    height = np.where(male, rng.normal(177.0, 7.0, n), rng.normal(164.0, 6.5, n))
    height = np.where(juvenile, height - rng.uniform(0.0, 15.0, n), height)
    city = np.array([name in _CITY_FORCES for name in FORCES])
    ethnic_shares = np.where(city[home_force][:, None], _ETHNIC_CITY, _ETHNIC_NATIONAL)
    marked = rng.random(n) < _MARKED_SHARE
    exposure = family == fam.EXPOSURE
    hour_centre = np.where(exposure, rng.normal(15.0, 3.0, n), rng.normal(23.5, 2.5, n)) % 24.0
    return {
        "male": male,
        "age": age,
        "height_cm": np.clip(height, 140.0, 210.0),
        "build": choice(_BUILD_SHARES, n, rng).astype(np.int8),
        "ethnic": categorical(ethnic_shares, rng).astype(np.int8),
        "accent": choice(_ACCENT_SHARES, n, rng).astype(np.int8),
        "marks": np.where(marked, rng.integers(0, len(MARKS), n), -1).astype(np.int8),
        "hour_centre": hour_centre,
        "gap_days": np.exp(rng.normal(np.log(25.0), 0.8, n)),
    }


def scatter_around_anchor(
    offenders: Offenders, rows: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Points for repeat offenders' reports ``rows``: within a few km of the offender's anchor."""
    who = offenders.of_report[rows]
    km = np.exp(rng.normal(np.log(ANCHOR_SPREAD_KM), 0.5, len(rows)))
    return around(offenders.anchor_lat[who], offenders.anchor_lon[who], km, rng)
