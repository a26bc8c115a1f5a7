"""Candidate pairs: every pair of reports close enough in time and place to be compared.

The rule (LinkSettings): two reports are candidates when the gap between their time windows is
at most ``max_days`` (zero when the windows overlap; a report whose offence time is unknown uses
its first-contact time) and

* both have latitude/longitude and the great-circle distance is at most ``max_km``; or
* otherwise both have grid x/y and the straight-line distance is at most ``max_km``; or
* their places cannot be compared (one has no place, or one has only latitude/longitude and
  the other only x/y): then they must be of the same force (and, under ``same_area``, of the
  same area code when both have one).

DuckDB finds them without forming all n² pairs: each report falls in a coarse cell (one
``max_km`` square in each axis, widened in longitude for the highest latitude present so a cell
is never narrower than ``max_km``) and, for data spanning several years, a time bucket of
``max_days``; only neighbouring cells and buckets are joined, and the exact rule filters them.
Reports whose window is longer than a bucket are joined on cells alone. Force borders play no
part in the placed rule. Pairs come out once, as row numbers (i < j) of the ReportFrame.
"""

import math
from collections.abc import Iterator

import duckdb
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from caselink.linkage.frame import ReportFrame, as_frame
from caselink.linkage.geometry import EARTH_RADIUS_KM, pair_distance_km
from caselink.linkage.settings import LinkSettings

Ints = NDArray[np.int64]

_HAVERSINE = (
    "2 * {R} * asin(sqrt(least(1.0, pow(sin(radians(b.lat - a.lat) / 2), 2) + "
    "cos(radians(a.lat)) * cos(radians(b.lat)) * pow(sin(radians(b.lon - a.lon) / 2), 2))))"
)
_TIME_OK = "b.lo <= a.hi + {D} AND a.lo <= b.hi + {D}"


def _lon_cell_degrees(max_km: float, max_abs_lat: float) -> float:
    # d >= 2R asin(cos(phi_max) sin(dlon/2)), so a pair within max_km differs in longitude by at
    # most this many degrees; see the module doc.
    s = math.sin(max_km / (2 * EARTH_RADIUS_KM)) / max(math.cos(math.radians(max_abs_lat)), 1e-12)
    return 360.0 if s >= 1 else math.degrees(2 * math.asin(s))


def _report_table(frame: ReportFrame, settings: LinkSettings) -> tuple[pa.Table, bool]:
    width = max(settings.max_days, 1.0)
    span = frame.cand_hi - frame.cand_lo
    long_window = span > width
    t0 = float(np.nanmin(frame.cand_lo)) if frame.n else 0.0
    bucketed = frame.n > 0 and (float(np.nanmax(frame.cand_lo)) - t0) > 3 * width
    tb = (
        np.floor((frame.cand_lo - t0) / width).astype(np.int64)
        if bucketed
        else np.zeros(frame.n, np.int64)
    )
    has_ll = ~np.isnan(frame.latitude)
    has_xy = ~np.isnan(frame.x)
    lat_cell = math.degrees(settings.max_km / EARTH_RADIUS_KM)
    max_lat = float(np.nanmax(np.abs(frame.latitude))) if has_ll.any() else 0.0
    lon_cell = _lon_cell_degrees(settings.max_km, min(max_lat + 1e-9, 90.0))
    xy_cell = settings.max_km * 1000.0
    with np.errstate(invalid="ignore"):
        cols = {
            "i": np.arange(frame.n, dtype=np.int64),
            "force": frame.force_code,
            "area": frame.area_code,
            "lo": frame.cand_lo,
            "hi": frame.cand_hi,
            "lat": frame.latitude,
            "lon": frame.longitude,
            "x": frame.x,
            "y": frame.y,
            "has_ll": has_ll,
            "has_xy": has_xy,
            "long_window": long_window,
            "tb": tb,
            "ly": np.where(has_ll, np.floor(frame.latitude / lat_cell), 0).astype(np.int64),
            "lx": np.where(has_ll, np.floor(frame.longitude / lon_cell), 0).astype(np.int64),
            "gy": np.where(has_xy, np.floor(frame.y / xy_cell), 0).astype(np.int64),
            "gx": np.where(has_xy, np.floor(frame.x / xy_cell), 0).astype(np.int64),
        }
    arrays = {k: pa.array(v, from_pandas=True) for k, v in cols.items()}
    return pa.table(arrays), bucketed


def candidate_sql(settings: LinkSettings, bucketed: bool) -> str:
    """The SQL that produces the candidate pairs (columns i, j) from the table ``r``.

    Exposed so the query can be read and tested without running it; ``bucketed`` adds the time
    bucket to the join keys (chosen when the data spans more than three buckets).
    """
    days = repr(float(settings.max_days))
    km = repr(float(settings.max_km))
    time_ok = _TIME_OK.format(D=days)
    hav = _HAVERSINE.format(R=repr(EARTH_RADIUS_KM))
    dt = "(-2), (-1), (0), (1), (2)" if bucketed else "(0)"
    tb = " AND b.tb = a.tb + o.dt" if bucketed else ""
    if settings.unplaced_rule == "same_area":
        area = " AND (a.area < 0 OR b.area < 0 OR a.area = b.area)"
    else:
        area = ""
    steps = "(VALUES (-1), (0), (1))"
    cells = (
        f"(SELECT dy.d AS dy, dx.d AS dx, dt.d AS dt FROM {steps} dy(d), {steps} dx(d), "
        f"(VALUES {dt}) dt(d))"
    )
    cells_no_t = f"(SELECT dy.d AS dy, dx.d AS dx FROM {steps} dy(d), {steps} dx(d))"
    return f"""
WITH ll AS (SELECT * FROM r WHERE has_ll),
     xy AS (SELECT * FROM r WHERE has_xy),
     nowhere AS (SELECT * FROM r WHERE NOT has_ll AND NOT has_xy)
-- both placed by latitude/longitude, both windows short: cells and time buckets
SELECT a.i AS i, b.i AS j
FROM ll a CROSS JOIN {cells} o
JOIN ll b ON b.ly = a.ly + o.dy AND b.lx = a.lx + o.dx{tb}
WHERE a.i < b.i AND NOT a.long_window AND NOT b.long_window AND {time_ok} AND {hav} <= {km}
UNION ALL
-- latitude/longitude, at least one long window: cells only
SELECT least(a.i, b.i), greatest(a.i, b.i)
FROM ll a CROSS JOIN {cells_no_t} o
JOIN ll b ON b.ly = a.ly + o.dy AND b.lx = a.lx + o.dx
WHERE a.long_window AND (NOT b.long_window OR a.i < b.i) AND {time_ok} AND {hav} <= {km}
UNION ALL
-- grid x/y where latitude/longitude cannot decide
SELECT a.i, b.i
FROM xy a CROSS JOIN {cells} o
JOIN xy b ON b.gy = a.gy + o.dy AND b.gx = a.gx + o.dx{tb}
WHERE a.i < b.i AND NOT (a.has_ll AND b.has_ll)
  AND NOT a.long_window AND NOT b.long_window AND {time_ok}
  AND sqrt(pow(b.x - a.x, 2) + pow(b.y - a.y, 2)) <= {km} * 1000.0
UNION ALL
SELECT least(a.i, b.i), greatest(a.i, b.i)
FROM xy a CROSS JOIN {cells_no_t} o
JOIN xy b ON b.gy = a.gy + o.dy AND b.gx = a.gx + o.dx
WHERE a.long_window AND (NOT b.long_window OR a.i < b.i) AND NOT (a.has_ll AND b.has_ll)
  AND {time_ok} AND sqrt(pow(b.x - a.x, 2) + pow(b.y - a.y, 2)) <= {km} * 1000.0
UNION ALL
-- no place on one side: same force (and area), time rule only
SELECT least(a.i, b.i), greatest(a.i, b.i)
FROM nowhere a JOIN r b ON b.force = a.force AND b.i <> a.i
WHERE (b.has_ll OR b.has_xy OR a.i < b.i) AND {time_ok}{area}
UNION ALL
-- places in different systems: latitude/longitude only against x/y only
SELECT least(a.i, b.i), greatest(a.i, b.i)
FROM r a JOIN r b ON b.force = a.force
WHERE a.has_ll AND NOT a.has_xy AND b.has_xy AND NOT b.has_ll AND {time_ok}{area}
"""


def candidate_batches(
    reports: "pa.Table | ReportFrame",
    settings: LinkSettings | None = None,
    batch: int | None = None,
    rows: Ints | None = None,
) -> Iterator[tuple[Ints, Ints]]:
    """Stream the candidate pairs as (i, j) row-number arrays, ``batch`` pairs at a time.

    Rows index the ReportFrame built from ``reports``; ``rows`` restricts both sides to those
    rows (the pairs among solved reports, say). Streaming keeps a national run within memory:
    the pairs are never all held at once.
    """
    settings = settings or LinkSettings()
    frame = as_frame(reports)
    if frame.n < 2:
        return
    table, bucketed = _report_table(frame, settings)
    if rows is not None:
        table = table.take(pa.array(np.unique(np.asarray(rows, dtype=np.int64))))
    con = duckdb.connect()
    try:
        con.register("r", table)
        reader = con.sql(candidate_sql(settings, bucketed)).to_arrow_reader(
            batch or settings.batch_pairs
        )
        for rb in reader:
            if rb.num_rows:
                yield (
                    np.asarray(rb.column(0).to_numpy(), dtype=np.int64),
                    np.asarray(rb.column(1).to_numpy(), dtype=np.int64),
                )
    finally:
        con.close()


def candidate_rows(
    reports: "pa.Table | ReportFrame",
    settings: LinkSettings | None = None,
    rows: Ints | None = None,
) -> tuple[Ints, Ints]:
    """All candidate pairs as (i, j) row numbers with i < j, sorted by (i, j); ``rows``
    restricts both sides as in ``candidate_batches``."""
    parts = list(candidate_batches(reports, settings, rows=rows))
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    i = np.concatenate([p[0] for p in parts])
    j = np.concatenate([p[1] for p in parts])
    order = np.lexsort((j, i))
    return i[order], j[order]


def candidate_pairs(
    reports: "pa.Table | ReportFrame", settings: LinkSettings | None = None
) -> pa.Table:
    """The candidate pairs as a table (report_id_a, report_id_b), report_id_a < report_id_b.

    See the module doc for the rule. Cancelled, transferred and N100 reports take part like any
    other: nothing is dropped for its status.
    """
    frame = as_frame(reports)
    i, j = candidate_rows(frame, settings)
    a, b = frame.report_id[i], frame.report_id[j]
    return pa.table({"report_id_a": np.minimum(a, b), "report_id_b": np.maximum(a, b)})


def candidates_of(frame: ReportFrame, row: int, settings: LinkSettings | None = None) -> Ints:
    """Rows of every candidate of one report, by the same rule, computed directly in numpy.

    Used to rank one report (a new one, or one an analyst opens) without a full pass.
    """
    settings = settings or LinkSettings()
    others = np.flatnonzero(np.arange(frame.n) != row)
    anchor = np.full(others.shape[0], row, dtype=np.int64)
    days = settings.max_days
    time_ok = (frame.cand_lo[others] <= frame.cand_hi[row] + days) & (
        frame.cand_lo[row] <= frame.cand_hi[others] + days
    )
    both_ll = ~np.isnan(frame.latitude[row]) & ~np.isnan(frame.latitude[others])
    both_xy = ~np.isnan(frame.x[row]) & ~np.isnan(frame.x[others])
    placed = both_ll | both_xy
    with np.errstate(invalid="ignore"):
        dist = pair_distance_km(frame.latitude, frame.longitude, frame.x, frame.y, anchor, others)
        near = placed & (dist <= settings.max_km)
    same = frame.force_code[others] == frame.force_code[row]
    if settings.unplaced_rule == "same_area":
        a, b = frame.area_code[row], frame.area_code[others]
        same &= (a < 0) | (b < 0) | (a == b)
    keep = time_ok & (near | (~placed & same))
    out: Ints = others[keep]
    return out
