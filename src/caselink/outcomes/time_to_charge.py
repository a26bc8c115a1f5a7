"""Time to charge: the Kaplan–Meier estimate of how long recorded crimes take to be charged,
with cases not (yet) charged censored rather than dropped — per force and nationally — its
median with a 95% interval, the share charged within given days, and the curve for a chart."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from caselink.outcomes.shares import LEVEL

HORIZONS = (365, 730)
LONDON = ZoneInfo("Europe/London")

DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "time": (
            "calendar days (Europe/London) from the crime's recording to its charge (or "
            "summons); for a case not charged by the censoring date, days from recording to "
            "the censoring date"
        ),
        "censoring": (
            "a case not charged is censored at the censoring date (the date of the figures), "
            "not dropped: a case still open, and a case closed without a charge, both count as "
            "not charged up to that date. A closed case stays in view to that date because it "
            "can be reopened and charged; censoring it at closure would treat closure as "
            "telling nothing about charge and overstate how fast cases are charged"
        ),
        "estimator": (
            "Kaplan–Meier product-limit estimate (Kaplan & Meier 1958) of the share not yet "
            "charged, S(t), by lifelines.KaplanMeierFitter"
        ),
        "median_days": (
            "the first day at which the estimated share not yet charged is 0.5 or less; null "
            "when the curve never falls to 0.5, i.e. fewer than half were charged within the "
            "follow-up (the usual case over all recorded rapes, of which a few per cent are "
            "charged)"
        ),
        "median_interval": (
            "95%: the first days at which the lower and the upper 95% confidence curves fall "
            "to 0.5 (lifelines.utils.median_survival_times); a bound is null when its curve "
            "never falls to 0.5"
        ),
        "curve_interval": (
            "pointwise 95% interval of S(t) by Greenwood's exponential formula (log-log), "
            "lifelines' default"
        ),
        "charged_within": (
            "the estimated share charged within the given days, 1 − S(t), with interval "
            "1 − the upper and 1 − the lower confidence limit of S(t); null beyond the longest "
            "follow-up unless every case had by then been charged"
        ),
        "n": "cases in the estimate; charged + censored = n",
    }
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class SurvivalCurve:
    """The step curve S(t) — the estimated share not yet charged — at day 0 and each day a case
    was charged or censored, with its pointwise 95% interval; empty when there are no cases."""

    timeline: tuple[float, ...]
    survival: tuple[float | None, ...]
    lower95: tuple[float | None, ...]
    upper95: tuple[float | None, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "timeline": list(self.timeline),
            "survival": list(self.survival),
            "lower95": list(self.lower95),
            "upper95": list(self.upper95),
        }


@dataclass(frozen=True, slots=True)
class ChargedWithin:
    """The estimated share charged within `days` days of recording, 1 − S(days), with its 95%
    interval; None when `days` lies beyond what the cases followed up can say."""

    days: int
    share: float | None
    lower95: float | None
    upper95: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "share": self.share,
            "lower95": self.lower95,
            "upper95": self.upper95,
        }


@dataclass(frozen=True, slots=True)
class ChargeTimes:
    """One group's Kaplan–Meier estimate: the median days to charge with its 95% interval (None
    where the curve or a confidence curve never falls to 0.5), the counts (n = charged +
    censored), the share charged within each horizon, and the curve."""

    median_days: float | None
    lower95: float | None
    upper95: float | None
    n: int
    charged: int
    censored: int
    charged_within: tuple[ChargedWithin, ...]
    curve: SurvivalCurve

    def to_dict(self) -> dict[str, Any]:
        return {
            "median_days": self.median_days,
            "lower95": self.lower95,
            "upper95": self.upper95,
            "n": self.n,
            "charged": self.charged,
            "censored": self.censored,
            "charged_within": [c.to_dict() for c in self.charged_within],
            "curve": self.curve.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class UnitChargeTimes:
    """A unit's (force's) estimate."""

    unit: str
    times: ChargeTimes

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, **self.times.to_dict()}


@dataclass(frozen=True, slots=True)
class TimeToCharge:
    """The national estimate (all cases together) and each unit's, sorted by unit name."""

    national: ChargeTimes
    units: tuple[UnitChargeTimes, ...]

    @property
    def definitions(self) -> Mapping[str, str]:
        """The time measured, the censoring rule, the estimator, the median and its interval."""
        return DEFINITIONS

    def to_dict(self) -> dict[str, Any]:
        return {
            "national": self.national.to_dict(),
            "units": [u.to_dict() for u in self.units],
            "definitions": dict(self.definitions),
        }


def kaplan_meier(
    days: npt.ArrayLike, charged: npt.ArrayLike, *, horizons: Sequence[int] = HORIZONS
) -> ChargeTimes:
    """The Kaplan–Meier estimate (Kaplan & Meier 1958) of time to charge for one group.

    `days[i]` is the days from recording to charge when `charged[i]` is true, otherwise to the
    censoring date (see `DEFINITIONS["censoring"]`). The product-limit estimate
    S(t) = Π_{t_j ≤ t} (1 − d_j/n_j), d_j charged on day t_j out of n_j still uncharged and in
    view, is fitted by lifelines' KaplanMeierFitter with its 95% Greenwood exponential interval.
    The median is the first day with S(t) ≤ 0.5 and is None when the curve never falls to 0.5
    (fewer than half charged within the follow-up); its 95% interval is where the confidence
    curves fall to 0.5 (lifelines.utils.median_survival_times), each bound None when its curve
    never does. With no cases every figure is None and the curve is empty (lifelines refuses an
    empty fit). Negative or non-finite days, or `charged` values other than true/false or 1/0,
    raise ValueError.
    """
    d, e = _check_cases(days, charged)
    n, events = int(d.size), int(e.sum())
    _check_horizons(horizons)
    if n == 0:
        empty = SurvivalCurve((), (), (), ())
        within = tuple(ChargedWithin(h, None, None, None) for h in horizons)
        return ChargeTimes(None, None, None, 0, 0, 0, within, empty)

    fitter = KaplanMeierFitter(alpha=1.0 - LEVEL)
    fitter.fit(d, event_observed=e)
    timeline = np.asarray(fitter.survival_function_.index, dtype=np.float64)
    survival = np.asarray(fitter.survival_function_.iloc[:, 0], dtype=np.float64)
    ci = fitter.confidence_interval_
    lower_col = next(c for c in ci.columns if "lower" in str(c))
    upper_col = next(c for c in ci.columns if "upper" in str(c))
    lower = np.asarray(ci[lower_col], dtype=np.float64)
    upper = np.asarray(ci[upper_col], dtype=np.float64)
    median_ci = median_survival_times(ci)

    within = tuple(
        _charged_within(h, timeline, survival, lower, upper, float(d.max())) for h in horizons
    )
    curve = SurvivalCurve(
        tuple(float(t) for t in timeline),
        _finite_tuple(survival),
        _finite_tuple(lower),
        _finite_tuple(upper),
    )
    return ChargeTimes(
        _finite(fitter.median_survival_time_),
        _finite(median_ci[lower_col].iloc[0]),
        _finite(median_ci[upper_col].iloc[0]),
        n,
        events,
        n - events,
        within,
        curve,
    )


def time_to_charge(
    units: Sequence[str] | npt.ArrayLike,
    days: npt.ArrayLike,
    charged: npt.ArrayLike,
    *,
    horizons: Sequence[int] = HORIZONS,
) -> TimeToCharge:
    """Kaplan–Meier time to charge nationally and per unit (see `kaplan_meier`).

    One entry per case in each of `units` (the force's name), `days` and `charged`. The national
    estimate pools every case; each unit's uses its own. Units are sorted by name.
    """
    labels = np.asarray(units, dtype=np.str_)
    d, e = _check_cases(days, charged)
    if labels.ndim != 1 or labels.shape != d.shape:
        raise ValueError("units, days and charged need one entry per case")
    if (labels == "").any():
        raise ValueError("every case needs a unit (force)")
    national = kaplan_meier(d, e, horizons=horizons)
    per_unit = tuple(
        UnitChargeTimes(
            str(name), kaplan_meier(d[labels == name], e[labels == name], horizons=horizons)
        )
        for name in np.unique(labels)
    )
    return TimeToCharge(national, per_unit)


def days_to_charge(
    recorded_at: Sequence[datetime],
    charged_at: Sequence[datetime | None],
    censor_at: datetime,
) -> tuple[FloatArray, BoolArray]:
    """Each case's days and charged flag for `kaplan_meier`, by the censoring rule of
    `DEFINITIONS["censoring"]`: a case charged by `censor_at` (the date of the figures) counts
    the calendar days, in Europe/London, from recording to charge; every other case — still
    open, closed without a charge, or charged only after `censor_at` — is censored at
    `censor_at`, however and whenever it was closed, since a closed case can be reopened and
    charged. Whole calendar days keep the curve to one step per day. Times must be aware;
    a charge before its recording, or a recording after `censor_at`, raises ValueError.
    """
    if len(recorded_at) != len(charged_at):
        raise ValueError("recorded_at and charged_at need one entry per case")
    end = _london_day(censor_at)
    days = np.empty(len(recorded_at), dtype=np.float64)
    charged = np.zeros(len(recorded_at), dtype=np.bool_)
    for i, (recorded, charge) in enumerate(zip(recorded_at, charged_at, strict=True)):
        start = _london_day(recorded)
        if recorded > censor_at:
            raise ValueError(f"case {i} was recorded after the censoring date")
        if charge is not None and charge < recorded:
            raise ValueError(f"case {i} was charged before it was recorded")
        if charge is not None and charge <= censor_at:
            days[i], charged[i] = _london_day(charge) - start, True
        else:
            days[i] = end - start
    return days, charged


def days_to_charge_seconds(
    recorded_at: npt.ArrayLike, charged_at: npt.ArrayLike, censor_at: datetime
) -> tuple[FloatArray, BoolArray]:
    """:func:`days_to_charge` over times given as seconds since 1970 UTC (NaN for no charge),
    whole arrays at once: what a store of hundreds of thousands of crimes hands over without
    making a Python object of each time. Same rule, same days."""
    recorded = np.asarray(recorded_at, dtype=np.float64)
    charge = np.asarray(charged_at, dtype=np.float64)
    if recorded.shape != charge.shape or recorded.ndim != 1:
        raise ValueError("recorded_at and charged_at need one entry per case")
    censor = censor_at.timestamp()
    if (recorded > censor).any():
        raise ValueError("a case was recorded after the censoring date")
    if (charge < recorded).any():  # NaN compares false: uncharged cases pass
        raise ValueError("a case was charged before it was recorded")
    charged = charge <= censor
    start = london_days(recorded)
    end = np.where(charged, london_days(np.where(charged, charge, censor)), _london_day(censor_at))
    return (end - start).astype(np.float64), charged


def london_days(seconds: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """The Europe/London calendar day (a proleptic ordinal, as ``date.toordinal``) of each time
    given as seconds since 1970 UTC: the offset is looked up among the zone's transitions of
    the years the times span, so a whole array needs no Python loop."""
    t = np.asarray(seconds, dtype=np.float64)
    if t.size == 0:
        return np.zeros(0, dtype=np.int64)
    first = datetime.fromtimestamp(float(np.nanmin(t)), UTC).year
    last = datetime.fromtimestamp(float(np.nanmax(t)), UTC).year
    changes, offsets = _london_offsets(first - 1, last + 1)
    offset = offsets[np.searchsorted(changes, t, side="right")]
    local = np.floor((t + offset) / 86_400.0).astype(np.int64)
    return local + EPOCH_ORDINAL


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _london_offsets(first: int, last: int) -> tuple[FloatArray, FloatArray]:
    """The instants (seconds since 1970 UTC) at which London's offset changes in these years,
    and the offset in seconds before the first and after each change."""

    def offset_at(moment: datetime) -> float:
        found = moment.astimezone(LONDON).utcoffset()
        return found.total_seconds() if found else 0.0

    changes: list[float] = []
    day = datetime(first, 1, 1, tzinfo=UTC)
    offsets = [offset_at(day)]
    end = datetime(last + 1, 1, 1, tzinfo=UTC)
    while day < end:  # a day at a time, then the hour within the day the offset changed
        following = day + timedelta(days=1)
        if offset_at(following) != offsets[-1]:
            hour = day
            while offset_at(hour) == offsets[-1]:
                hour += timedelta(hours=1)
            changes.append(hour.timestamp())
            offsets.append(offset_at(hour))
        day = following
    return np.asarray(changes, dtype=np.float64), np.asarray(offsets, dtype=np.float64)


def _london_day(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no time zone")
    return moment.astimezone(LONDON).date().toordinal()


def _check_cases(
    days: npt.ArrayLike, charged: npt.ArrayLike
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    d = np.asarray(days, dtype=np.float64)
    raw = np.asarray(charged)
    if d.ndim != 1 or raw.shape != d.shape:
        raise ValueError("days and charged need one entry per case")
    if not np.isfinite(d).all() or (d < 0).any():
        raise ValueError("days to charge or censoring are finite and not negative")
    if raw.dtype != np.bool_ and not np.isin(raw, (0, 1)).all():
        raise ValueError("charged is true or false (1 or 0) for each case")
    return d, raw.astype(np.bool_)


def _check_horizons(horizons: Sequence[int]) -> None:
    if any(h < 0 for h in horizons):
        raise ValueError("a horizon is a number of days, not negative")


def _charged_within(
    horizon: int,
    timeline: FloatArray,
    survival: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    followed: float,
) -> ChargedWithin:
    # Beyond the longest follow-up the curve says nothing, unless it has already reached 0.
    if horizon > followed and survival[-1] > 0.0:
        return ChargedWithin(horizon, None, None, None)
    i = int(np.searchsorted(timeline, horizon, side="right")) - 1
    s, lo, hi = _finite(survival[i]), _finite(lower[i]), _finite(upper[i])
    return ChargedWithin(
        horizon,
        None if s is None else 1.0 - s,
        None if hi is None else 1.0 - hi,
        None if lo is None else 1.0 - lo,
    )


def _finite(value: Any) -> float | None:
    v = float(value)
    return v if math.isfinite(v) else None


def _finite_tuple(values: FloatArray) -> tuple[float | None, ...]:
    return tuple(_finite(v) for v in values)
