"""When offences happen and when they are reported, and how well the time is known.

Reports follow the year with a summer peak; offences cluster at night (exposure in the
afternoon); the gap from offence to report ranges from hours to decades (non-recent abuse of
children above all). Repeat offenders keep their own rhythm: a preferred hour and a typical
gap between offences. Complainants often know the time only as a window. The curves are
invented to match the commonly reported shape of these offences, not fitted to data.
"""

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from caselink.synth import offence_families as fam
from caselink.synth.offenders import Offenders
from caselink.synth.sampling import categorical, choice

SECOND = np.timedelta64(1, "s")
HOUR = 3600
DAY = 86400

# Relative frequency of offences by hour of the day (0..23): a night peak around midnight.
_OFFENCE_HOURS = np.array(
    [9, 8, 7, 6, 4, 2, 1.5, 1.5, 2, 2.5, 3, 3, 3.5, 3.5, 3.5, 4, 4.5, 5, 5.5, 6, 7, 8, 9, 9.5]
)
# Exposure and voyeurism happen in the day, in the street and on transport.
_EXPOSURE_HOURS = np.array(
    [1, 1, 0.5, 0.5, 0.5, 0.5, 1, 2, 4, 5, 6, 6, 6, 6, 7, 7.5, 8, 7, 6, 5, 4, 3, 2, 1.5]
)
# Reports are made mostly in the day and evening, some straight after the offence at night.
_REPORT_HOURS = np.array(
    [
        3,
        2.5,
        2,
        1.5,
        1,
        1,
        1.5,
        3,
        5,
        6,
        6.5,
        6.5,
        6.5,
        6.5,
        6.5,
        6.5,
        6.5,
        6.5,
        6,
        6,
        5.5,
        5,
        4.5,
        4,
    ]
)
# Delay from offence to report: same day, days, months, years; by offence family.
_DELAY_SHARES = np.array(
    [
        [0.45, 0.25, 0.15, 0.15],
        [0.20, 0.15, 0.20, 0.45],
        [0.60, 0.20, 0.10, 0.10],
        [0.20, 0.15, 0.20, 0.45],
        [0.30, 0.30, 0.30, 0.10],
        [0.80, 0.15, 0.05, 0.00],
        [0.50, 0.20, 0.15, 0.15],
    ]
)
_SERIES_DELAY_SHARES = [0.65, 0.25, 0.08, 0.02]
SUMMER_PEAK_DAY = 196  # mid-July
SEASONAL_AMPLITUDE = 0.15
# How the time is known: a moment, a window within a day, the day only, or not at all.
_KNOWN_SHARES = [0.50, 0.35, 0.08, 0.07]
MOMENT, WINDOW, DAY_ONLY, UNKNOWN = range(4)


@dataclass(frozen=True, slots=True)
class Times:
    """Per report: when it truly happened, the window recorded, and when it was reported."""

    occurred: np.ndarray  # datetime64[s], the truth
    occurred_from: np.ndarray  # datetime64[s], NaT when unknown
    occurred_to: np.ndarray  # datetime64[s], NaT for a moment or when unknown
    reported_at: np.ndarray  # datetime64[s]


def period(start: date, years: int) -> tuple[np.datetime64, np.datetime64]:
    """The reporting period: ``years`` calendar years from ``start`` (end excluded)."""
    try:
        end = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + years, day=28)
    return np.datetime64(datetime(start.year, start.month, start.day), "s"), np.datetime64(
        datetime(end.year, end.month, end.day), "s"
    )


def _seasonal_days(first: np.datetime64, n_days: int) -> np.ndarray:
    days = first.astype("datetime64[D]") + np.arange(n_days)
    doy = (days - days.astype("datetime64[Y]")).astype(np.int64)
    return np.asarray(
        1.0 + SEASONAL_AMPLITUDE * np.cos(2 * np.pi * (doy - SUMMER_PEAK_DAY) / 365.25)
    )


def _delay_days(kind: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(kind)
    days = np.zeros(n, dtype=np.int64)
    days = np.where(kind == 1, rng.integers(1, 31, n), days)
    days = np.where(kind == 2, rng.integers(31, 366, n), days)
    years = np.minimum(1.0 + rng.exponential(6.0, n), 40.0)
    return np.where(kind == 3, (years * 365.25).astype(np.int64), days)


def draw_times(
    family: np.ndarray,
    offenders: Offenders,
    start: date,
    years: int,
    rng: np.random.Generator,
) -> Times:
    """Draw offence and report times for every report (see the module docstring for the model).

    One-off offences are placed by their report date (seasonal), then back-dated by a delay to
    an offence hour. Repeat offenders' offences are laid out first, at their rhythm, and each is
    reported after a mostly short delay; one whose report would fall after the period ends is
    moved whole periods earlier, offence and report together, so it is reported in the period.
    """
    first, end = period(start, years)
    n_days = int((end - first) // np.timedelta64(1, "D"))
    n = len(family)
    season = _seasonal_days(first, n_days)
    day = choice(season, n, rng)
    report_second = choice(_REPORT_HOURS, n, rng) * HOUR + rng.integers(0, HOUR, n)
    reported = first + (day * DAY + report_second) * SECOND
    kind = categorical(_DELAY_SHARES[family], rng)
    hours = np.where(
        (family == fam.EXPOSURE)[:, None], _EXPOSURE_HOURS[None, :], _OFFENCE_HOURS[None, :]
    )
    offence_second = categorical(hours, rng) * HOUR + rng.integers(0, HOUR, n)
    occurred_day = day - _delay_days(kind, rng)
    occurred_s = occurred_day * DAY + offence_second
    # Reported the same day but before that hour: it happened the night before.
    too_late = occurred_s >= day * DAY + report_second
    occurred_s = np.where(too_late, occurred_s - DAY, occurred_s)
    occurred = first + occurred_s * SECOND

    repeat_rows = np.flatnonzero(offenders.repeat[offenders.of_report])
    if len(repeat_rows):
        o, r = _series_times(offenders, repeat_rows, first, end, rng)
        occurred[repeat_rows], reported[repeat_rows] = o, r
        kind[repeat_rows] = 0

    occurred_from, occurred_to = _recorded_window(occurred, reported, kind, rng)
    return Times(occurred, occurred_from, occurred_to, reported)


def _series_times(
    offenders: Offenders,
    rows: np.ndarray,
    first: np.datetime64,
    end: np.datetime64,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    who = offenders.of_report[rows]
    order = np.argsort(who, kind="stable")
    rows, who = rows[order], who[order]
    span_s = int((end - first) / SECOND)
    gap = rng.gamma(2.0, offenders.gap_days[who] / 2.0) * DAY
    starts = np.searchsorted(who, who)
    is_first = starts == np.arange(len(who))
    gap[is_first] = 0.0
    cum = np.cumsum(gap)
    offset = cum - cum[starts]
    total = np.zeros(offenders.count)
    np.maximum.at(total, who, offset)
    # A series longer than the period is squeezed into 90% of it, keeping its rhythm's shape.
    squeeze = np.minimum(1.0, 0.9 * span_s / np.maximum(total, 1.0))
    offset *= squeeze[who]
    room = np.maximum(span_s - total * squeeze, 0.0)
    begin = rng.random(offenders.count) * room
    t = begin[who] + offset
    hour = (offenders.hour_centre[who] + rng.normal(0.0, 1.5, len(who))) % 24.0
    t = np.floor(t / DAY) * DAY + hour * HOUR
    kind = choice(_SERIES_DELAY_SHARES, len(who), rng)
    delay = np.where(
        kind == 0, rng.uniform(0.5, 20.0, len(who)) * HOUR, _delay_days(kind, rng) * DAY
    )
    rep = t + delay
    # A report that would fall after the period belongs to the next one. Its slot here is
    # taken by its counterpart from the periods before: the same offence whole periods
    # earlier, reported as long after it, at the same point of the period. So the period
    # keeps its calibrated volume and every report stays inside it, with no pile-up at the end.
    turns = np.floor(rep / span_s)
    t -= turns * span_s
    rep -= turns * span_s
    occurred = first + t.astype(np.int64) * SECOND
    reported = first + rep.astype(np.int64) * SECOND
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return occurred[back], reported[back]


def _recorded_window(
    occurred: np.ndarray, reported: np.ndarray, delay_kind: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The window the complainant could give: a moment, a window, a day, or nothing.

    Offences reported years later are known at best to the year, rarely better.
    """
    n = len(occurred)
    known = choice(_KNOWN_SHARES, n, rng)
    old = delay_kind == 3
    known = np.where(old, np.where(rng.random(n) < 0.75, WINDOW, UNKNOWN), known)
    quarter = np.timedelta64(900, "s")
    epoch = np.datetime64(0, "s")
    moment = (occurred - (occurred - epoch) % quarter).astype("datetime64[s]")
    width = np.exp(rng.normal(np.log(4.0 * HOUR), 0.7, n))
    width = np.where(old, rng.uniform(30, 730, n) * DAY, width).astype(np.int64)
    lead = (rng.random(n) * width).astype(np.int64)
    five = 300
    w_from: np.ndarray = occurred - (lead // five * five) * SECOND
    w_from = w_from - (w_from - epoch) % np.timedelta64(five, "s")
    w_to = w_from + ((width // five + 1) * five) * SECOND
    day_start = occurred.astype("datetime64[D]").astype("datetime64[s]")
    nat = np.datetime64("NaT", "s")
    occurred_from = np.select(
        [known == MOMENT, known == WINDOW, known == DAY_ONLY], [moment, w_from, day_start], nat
    )
    day_end = day_start + np.timedelta64(DAY - 60, "s")
    # A window cannot run past the moment the complainant reported it.
    occurred_to = np.select(
        [known == WINDOW, known == DAY_ONLY],
        [np.minimum(w_to, reported), np.minimum(day_end, reported)],
        nat,
    )
    return occurred_from.astype("datetime64[s]"), occurred_to.astype("datetime64[s]")


def hours_between(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Hours from ``earlier`` to ``later`` (datetime64 arrays), as floats."""
    return np.asarray((later - earlier) / np.timedelta64(1, "h"), dtype=np.float64)
