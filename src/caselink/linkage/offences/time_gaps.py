"""Closed forms for how far apart two uncertain times are, and the UK clock.

An offence time is often known only as a window ("between 23:00 and 04:39"). Each time is
taken as uniform within its window, independently, and the evidence is the *expected*
separation. Every expectation here comes from one identity: for independent U ~ Unif[a, b] and
V ~ Unif[c, d] and any f with a second antiderivative H (H'' = f),

    E f(U - V) = [H(b - c) - H(a - c) - H(b - d) + H(a - d)] / ((b - a)(d - c)),

because the double integral of f(u - v) over the rectangle telescopes to H at its corners.
For f(x) = |x|, H(x) = |x|^3 / 6. For the distance on a circle of period T (time of day: 24 h;
day of week: 168 h), f is a triangle wave of mean T/4, and H(x) = T x^2 / 8 + P(x mod T) with P
the periodic cubic given in ``_circular_p``. Degenerate windows (a moment) use the limits of the
same identity. docs/linkage.md gives the derivation.
"""

import math
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.offences.jit import compiled

Floats = NDArray[np.float64]

# Below this width (in the caller's unit) a window is a moment; the rectangle formula divides by
# the widths and would lose digits to cancellation long before it mattered.
_POINT = 1e-6


@compiled
def _cube6(x: float) -> float:
    return math.pow(abs(x), 3.0) / 6.0


@compiled
def time_apart(a: float, b: float, c: float, d: float) -> float:
    """E|U - V| for one pair of windows (see ``expected_abs_difference``)."""
    if math.isnan(a) or math.isnan(b) or math.isnan(c) or math.isnan(d):
        return math.nan
    w1, w2 = b - a, d - c
    out = abs((a + b) / 2 - (c + d) / 2)
    if b > c and d > a:
        p1, p2 = w1 < _POINT, w2 < _POINT
        if not p1 and not p2:
            # coordinates shifted to the second window keep the cubes small
            am, bm, dm = a - c, b - c, d - c
            out = (_cube6(bm) - _cube6(am) - _cube6(bm - dm) + _cube6(am - dm)) / (w1 * w2)
        elif p1 and not p2:
            # a moment inside the other window: G'(t) = t|t|/2 antiderives |t|
            lo, hi = a - c, a - d
            out = (lo * abs(lo) / 2 - hi * abs(hi) / 2) / (d - c)
        elif p2 and not p1:
            lo, hi = c - a, c - b
            out = (lo * abs(lo) / 2 - hi * abs(hi) / 2) / (b - a)
    return out


@compiled
def _wrap(x: float, period: float) -> float:
    # x mod period in [0, period)
    return x - period * math.floor(x / period)


@compiled
def _circular_q(x: float, period: float) -> float:
    # First antiderivative of (triangle wave - period/4), zero at 0 and at the period. It is odd
    # about the half period h: with u = (x mod T) - h, Q = u (h - |u|) / 2.
    h = period / 2
    u = _wrap(x, period) - h
    return u * (h - abs(u)) / 2


@compiled
def _circular_p(x: float, period: float) -> float:
    # Second antiderivative of (triangle wave - period/4), periodic because Q has zero mean over
    # a period, and even about the half period: P = -(h - |u|)^2 (h + 2|u|) / 12. One
    # polynomial, no branches; the tests check it against the piecewise form and integration.
    h = period / 2
    v = abs(_wrap(x, period) - h)
    return -((h - v) ** 2) * (h + 2 * v) / 12


@compiled
def circular_apart(a: float, b: float, c: float, d: float, period: float) -> float:
    """The expected circular distance for one pair of windows (see
    ``expected_circular_distance``)."""
    if math.isnan(a) or math.isnan(b) or math.isnan(c) or math.isnan(d):
        return math.nan
    w1, w2 = b - a, d - c
    quarter = period / 4
    p1, p2 = w1 < _POINT, w2 < _POINT
    if p1 and p2:
        r = _wrap(a - c, period)
        out = min(r, period - r)
    elif p1:
        out = quarter + (_circular_q(a - c, period) - _circular_q(a - d, period)) / w2
    elif p2:
        out = quarter + (_circular_q(b - c, period) - _circular_q(a - c, period)) / w1
    else:
        corners = (
            _circular_p(b - c, period)
            - _circular_p(a - c, period)
            - _circular_p(b - d, period)
            + _circular_p(a - d, period)
        )
        out = quarter + corners / (w1 * w2)
    # exact in real arithmetic, but rounding may stray a hair outside [0, T/2]
    return min(max(out, 0.0), period / 2)


@compiled
def _time_apart_each(a: Floats, b: Floats, c: Floats, d: Floats, out: Floats) -> None:
    for k in range(out.shape[0]):
        out[k] = time_apart(a[k], b[k], c[k], d[k])


@compiled
def _circular_apart_each(
    a: Floats, b: Floats, c: Floats, d: Floats, period: float, out: Floats
) -> None:
    for k in range(out.shape[0]):
        out[k] = circular_apart(a[k], b[k], c[k], d[k], period)


def _bounds(
    a: Floats, b: Floats, c: Floats, d: Floats
) -> tuple[Floats, Floats, Floats, Floats, Floats]:
    # the four bounds as flat float arrays of one shape, and an output of that shape
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c, d)))
    fa, fb, fc, fd = (np.ascontiguousarray(v).reshape(-1) for v in arrays)
    return fa, fb, fc, fd, np.empty(arrays[0].shape)


def expected_abs_difference(a: Floats, b: Floats, c: Floats, d: Floats) -> Floats:
    """E|U - V| for independent U ~ Unif[a, b] and V ~ Unif[c, d], elementwise, in closed form.

    A window of zero width is a moment (then U = a). Windows that do not overlap give the
    distance between their midpoints exactly, because U - V keeps one sign; overlapping windows
    use the corner formula with H(x) = |x|^3 / 6 on coordinates shifted to the windows, so the
    cubes stay small. NaN in any bound gives NaN. Compiled, one pair at a time: the same code
    the pair scorer runs, without the temporary arrays and masks of array arithmetic.
    """
    fa, fb, fc, fd, out = _bounds(a, b, c, d)
    _time_apart_each(fa, fb, fc, fd, out.reshape(-1))
    return out


def circular_distance(x: Floats, period: float) -> Floats:
    """The distance on a circle of ``period`` between two points ``x`` apart: in [0, period/2]."""
    x = np.asarray(x, dtype=np.float64)
    r = x - period * np.floor(x / period)
    out: Floats = np.minimum(r, period - r)
    return out


def expected_circular_distance(a: Floats, b: Floats, c: Floats, d: Floats, period: float) -> Floats:
    """E of the circular distance (period ``period``) between U ~ Unif[a, b] and V ~ Unif[c, d].

    Exact, elementwise: the corner identity with the periodic antiderivative, so the result is
    period/4 plus a bounded correction; a window a whole number of periods long gives exactly
    period/4 (uniform on the circle). Moments use the one- and zero-width limits. NaN in any
    bound gives NaN.
    """
    fa, fb, fc, fd, out = _bounds(a, b, c, d)
    _circular_apart_each(fa, fb, fc, fd, float(period), out.reshape(-1))
    return out


def _last_sunday(year: int, month: int) -> datetime:
    nxt = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    day = nxt - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def uk_offset_hours(epoch_hours: Floats) -> Floats:
    """The UK clock's offset from UTC (0 or 1 hour) at each UTC instant given in epoch hours.

    British Summer Time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
    last Sunday of October (the Summer Time Order 2002). Time of day and day of week are read
    on the local clock, because that is the clock an offender keeps. NaN stays NaN.
    """
    h = np.asarray(epoch_hours, dtype=np.float64)
    out = np.zeros_like(h)
    finite = np.isfinite(h)
    if not finite.any():
        out[~finite] = np.nan
        return out
    years = (h[finite] // (24 * 365.2425) + 1970).astype(np.int64)
    for year in range(int(years.min()) - 1, int(years.max()) + 2):
        start = _last_sunday(year, 3).replace(hour=1).timestamp() / 3600
        end = _last_sunday(year, 10).replace(hour=1).timestamp() / 3600
        out[finite & (h >= start) & (h < end)] = 1.0
    out[~finite] = np.nan
    return out
