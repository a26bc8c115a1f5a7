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

from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

# Below this width (in the caller's unit) a window is a moment; the rectangle formula divides by
# the widths and would lose digits to cancellation long before it mattered.
_POINT = 1e-6


def expected_abs_difference(a: Floats, b: Floats, c: Floats, d: Floats) -> Floats:
    """E|U - V| for independent U ~ Unif[a, b] and V ~ Unif[c, d], elementwise, in closed form.

    A window of zero width is a moment (then U = a). Windows that do not overlap give the
    distance between their midpoints exactly, because U - V keeps one sign; overlapping windows
    use the corner formula with H(x) = |x|^3 / 6 on coordinates shifted to the windows, so the
    cubes stay small. NaN in any bound gives NaN.
    """
    a, b, c, d = (np.asarray(v, dtype=np.float64) for v in (a, b, c, d))
    w1 = b - a
    w2 = d - c
    out = np.abs((a + b) / 2 - (c + d) / 2)
    overlap = (b > c) & (d > a)
    p1 = w1 < _POINT
    p2 = w2 < _POINT
    with np.errstate(invalid="ignore", divide="ignore"):
        # both windows proper and overlapping: the corner formula
        m = overlap & ~p1 & ~p2
        if m.any():
            o = c[m]
            am, bm, cm, dm = a[m] - o, b[m] - o, c[m] - o, d[m] - o
            h = _cube6
            out[m] = (h(bm - cm) - h(am - cm) - h(bm - dm) + h(am - dm)) / (w1[m] * w2[m])
        # a moment inside the other window: E|x - V| = [G'(x - c) - G'(x - d)] / (d - c)
        m = overlap & p1 & ~p2
        if m.any():
            out[m] = _point_in_window(a[m], c[m], d[m])
        m = overlap & p2 & ~p1
        if m.any():
            out[m] = _point_in_window(c[m], a[m], b[m])
    bad = np.isnan(a) | np.isnan(b) | np.isnan(c) | np.isnan(d)
    out[bad] = np.nan
    return out


def _cube6(x: Floats) -> Floats:
    return np.abs(x) ** 3 / 6.0


def _point_in_window(x: Floats, c: Floats, d: Floats) -> Floats:
    # G'(t) = t|t|/2 is the first antiderivative of |t|.
    lo = x - c
    hi = x - d
    return (lo * np.abs(lo) / 2 - hi * np.abs(hi) / 2) / (d - c)


def _wrap(x: Floats, period: float) -> Floats:
    # x mod period in [0, period); floor is several times faster than numpy's float modulo
    x = np.asarray(x, dtype=np.float64)
    out: Floats = x - period * np.floor(x / period)
    return out


def circular_distance(x: Floats, period: float) -> Floats:
    """The distance on a circle of ``period`` between two points ``x`` apart: in [0, period/2]."""
    r = _wrap(x, period)
    return np.minimum(r, period - r)


def _circular_q(x: Floats, period: float) -> Floats:
    # First antiderivative of (triangle wave - period/4), zero at 0 and at the period. It is odd
    # about the half period h: with u = (x mod T) - h, Q = u (h - |u|) / 2.
    h = period / 2
    u = _wrap(x, period) - h
    out: Floats = u * (h - np.abs(u)) / 2
    return out


def _circular_p(x: Floats, period: float) -> Floats:
    # Second antiderivative of (triangle wave - period/4), periodic because Q has zero mean over
    # a period, and even about the half period: P = -(h - |u|)^2 (h + 2|u|) / 12. One
    # polynomial, no branches; the tests check it against the piecewise form and integration.
    h = period / 2
    v = np.abs(_wrap(x, period) - h)
    out: Floats = -((h - v) ** 2) * (h + 2 * v) / 12
    return out


def expected_circular_distance(a: Floats, b: Floats, c: Floats, d: Floats, period: float) -> Floats:
    """E of the circular distance (period ``period``) between U ~ Unif[a, b] and V ~ Unif[c, d].

    Exact, elementwise: the corner identity with the periodic antiderivative, so the result is
    period/4 plus a bounded correction; a window a whole number of periods long gives exactly
    period/4 (uniform on the circle). Moments use the one- and zero-width limits. NaN in any
    bound gives NaN.
    """
    a, b, c, d = (np.asarray(v, dtype=np.float64) for v in (a, b, c, d))
    w1 = b - a
    w2 = d - c
    quarter = period / 4
    p1 = w1 < _POINT
    p2 = w2 < _POINT
    p = _circular_p
    q = _circular_q
    with np.errstate(invalid="ignore", divide="ignore"):
        # the general case for every pair at once (widths made safe), then the moments patched
        corners = p(b - c, period) - p(a - c, period) - p(b - d, period) + p(a - d, period)
        out = quarter + corners / (np.where(p1, 1.0, w1) * np.where(p2, 1.0, w2))
        m = p1 & ~p2
        if m.any():
            out[m] = quarter + (q(a[m] - c[m], period) - q(a[m] - d[m], period)) / w2[m]
        m = p2 & ~p1
        if m.any():
            out[m] = quarter + (q(b[m] - c[m], period) - q(a[m] - c[m], period)) / w1[m]
        m = p1 & p2
        if m.any():
            out[m] = circular_distance(a[m] - c[m], period)
    # NaN bounds propagate through the arithmetic; the correction is exact in real arithmetic
    # but rounding may stray a hair outside [0, T/2]
    clipped: Floats = np.clip(out, 0.0, period / 2)
    return clipped


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
