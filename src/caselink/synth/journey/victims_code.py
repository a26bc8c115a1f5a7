"""The Victims' Code duty to tell a victim of each key decision, and how each force meets it.

Victims of sexual offences have enhanced rights: the police tell them of a suspect's arrest,
interview under caution, release, charge and of no further action within 1 working day (Code
of Practice for Victims of Crime in England and Wales, 2021; DOMAIN.md §8). Working days
exclude weekends and England and Wales bank holidays and are counted in London time; a duty
falls due at the end (23:59:59 London) of the first working day after the day of the decision.

How well forces meet the duty is invented: every force tells most victims in time, most of
the rest late and a few never; a handful of forces are much worse (and a couple better) than
the rest, so that a funnel plot of the share told in time has real outliers to find. Their
shares are written to ``truth/victim_update_practice.csv``.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from caselink.synth.sampling import choice

ENHANCED_WORKING_DAYS = 1  # Victims' Code 2021, enhanced rights for victims of sexual offences
DECISIONS = ("arrested", "interviewed", "released", "charged", "no_further_action")
HOW = ("phone", "letter", "email", "in_person", "other")
HOW_SHARES = [0.55, 0.15, 0.15, 0.12, 0.03]

# Invented: the national practice, and the forces that stand out from it.
ON_TIME_SHARE = 0.82
NEVER_SHARE = 0.04
FORCE_SPREAD = 0.005  # most forces differ from the national practice by chance alone
LOW_OUTLIERS = 4
LOW_ON_TIME = (0.55, 0.66)
LOW_NEVER = 0.10
HIGH_OUTLIERS = 2
HIGH_ON_TIME = (0.93, 0.96)
HIGH_NEVER = 0.01
NORMAL, LOW, HIGH = 0, 1, 2
OUTLIER_NAMES: tuple[str | None, ...] = (None, "low", "high")

_SECOND = np.timedelta64(1, "s")
_HOUR = 3600
_DAY = 86400
_NAT = np.datetime64("NaT", "s")


def london_offset(utc: np.ndarray) -> np.ndarray:
    """Seconds London time is ahead of UTC at each instant (0 in winter, 3600 in summer time).

    British Summer Time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
    last Sunday of October (the EU rule the UK has kept since 1996); computed from the rule so
    that a million instants cost one search rather than a time-zone lookup each.
    """
    valid = ~np.isnat(utc)
    if not valid.any():
        return np.zeros(len(utc), dtype=np.int64)
    years = utc[valid].astype("datetime64[Y]").astype(np.int64) + 1970
    edges: list[np.datetime64] = []
    for year in range(int(years.min()), int(years.max()) + 1):
        edges += [_last_sunday_1am(year, 3), _last_sunday_1am(year, 10)]
    inside = np.searchsorted(np.array(edges, dtype="datetime64[s]"), utc, side="right") % 2 == 1
    return np.where(valid & inside, _HOUR, 0).astype(np.int64)


def _last_sunday_1am(year: int, month: int) -> np.datetime64:
    last = date(year, month + 1, 1) - timedelta(days=1)
    sunday = last - timedelta(days=(last.weekday() + 1) % 7)
    return np.datetime64(datetime(sunday.year, sunday.month, sunday.day, 1), "s")


def bank_holidays(first_year: int, last_year: int) -> np.ndarray:
    """England and Wales bank holidays of the years given, as datetime64[D] (``holidays``)."""
    # Imported here: every command imports the generator, and only a generation needs these.
    import holidays

    days = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return np.array(sorted(days), dtype="datetime64[D]")


def due_at(decided: np.ndarray, working_days: int = ENHANCED_WORKING_DAYS) -> np.ndarray:
    """When the duty to tell the victim of a decision made at ``decided`` (UTC) falls due (UTC).

    The end (23:59:59 London) of the ``working_days``-th working day after the London day of
    the decision; NaT where ``decided`` is NaT.
    """
    valid = ~np.isnat(decided)
    due = np.full(len(decided), _NAT)
    if not valid.any():
        return due
    when = decided[valid]
    local_day = (when + london_offset(when) * _SECOND).astype("datetime64[D]")
    # Each calendar day in the range is worked out once; the decisions look theirs up.
    days = np.arange(local_day.min(), local_day.max() + 1)
    first = int(days[0].astype("datetime64[Y]").astype(np.int64)) + 1970
    last = int(days[-1].astype("datetime64[Y]").astype(np.int64)) + 1971
    # Rolling a weekend or holiday back to the working day before makes "the Nth working day
    # after" the same count for every day of the week.
    due_day = np.busday_offset(
        days, working_days, roll="backward", holidays=bank_holidays(first, last)
    )
    day_end = due_day.astype("datetime64[s]") + (_DAY - 1) * _SECOND
    # A due day is a working day, never a Sunday of a clock change, so an hour's guess is safe.
    day_end -= london_offset(day_end - _HOUR * _SECOND) * _SECOND
    local_end = day_end[(local_day - days[0]).astype(np.int64)]
    due[valid] = local_end
    return due


@dataclass(frozen=True, slots=True)
class UpdatePractice:
    """Per force: the share of victims told of a decision in time, the share never told, and
    whether the force was made an outlier (NORMAL, LOW or HIGH)."""

    on_time: np.ndarray
    never: np.ndarray
    outlier: np.ndarray


def draw_update_practice(volume: np.ndarray, rng: np.random.Generator) -> UpdatePractice:
    """Each force's practice: the national shares, except a few forces made much worse or better.

    Outliers are chosen among the forces of at least median volume, where a funnel plot has the
    power to tell them from chance.
    """
    n = len(volume)
    on_time = np.clip(ON_TIME_SHARE + rng.normal(0.0, FORCE_SPREAD, n), 0.0, 1.0)
    never = np.full(n, NEVER_SHARE)
    outlier = np.full(n, NORMAL, dtype=np.int8)
    big = np.flatnonzero(volume >= np.median(volume))
    picked = rng.permutation(big)[: LOW_OUTLIERS + HIGH_OUTLIERS]
    low, high = picked[:LOW_OUTLIERS], picked[LOW_OUTLIERS:]
    on_time[low] = rng.uniform(*LOW_ON_TIME, len(low))
    never[low] = LOW_NEVER
    outlier[low] = LOW
    on_time[high] = rng.uniform(*HIGH_ON_TIME, len(high))
    never[high] = HIGH_NEVER
    outlier[high] = HIGH
    return UpdatePractice(on_time, never, outlier)


@dataclass(frozen=True, slots=True)
class Updates:
    """Per decision: when it fell due, when the victim was told (NaT: not told), and how."""

    due: np.ndarray
    told_at: np.ndarray
    how: np.ndarray
    declined: np.ndarray  # the victim had declined updates before the duty fell due


def draw_updates(
    decided: np.ndarray,
    force: np.ndarray,
    declined_at: np.ndarray,
    practice: UpdatePractice,
    rng: np.random.Generator,
) -> Updates:
    """Tell (or not) the victim of each decision, at the force's practice.

    In time means within hours, never later than a minute before the duty falls due; late
    means an hour to weeks after it; a victim who declined updates before the due time is not
    told (that is their choice, not a breach).
    """
    n = len(decided)
    due = due_at(decided)
    u = rng.random(n)
    never = u < practice.never[force]
    in_time = ~never & (u < practice.never[force] + practice.on_time[force])
    soon = np.exp(rng.normal(np.log(3.0 * _HOUR), 1.0, n)).astype(np.int64)
    room = ((due - decided) / _SECOND).astype(np.int64) - 60
    met = decided + np.clip(soon, 60, room) * _SECOND
    after = _HOUR + np.exp(rng.normal(np.log(2.0 * _DAY), 0.9, n)).astype(np.int64)
    late = due + after * _SECOND
    how = choice(HOW_SHARES, n, rng)
    declined = ~np.isnat(declined_at) & (declined_at < due)
    told_at = np.where(in_time, met, late)
    told_at = np.where(never | declined, _NAT, told_at)
    return Updates(due=due, told_at=told_at, how=how, declined=declined)
