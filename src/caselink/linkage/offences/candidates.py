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
import tempfile
from collections.abc import Iterator
from typing import NamedTuple

import duckdb
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from caselink.linkage.offences.frame import ReportFrame, as_frame
from caselink.linkage.offences.geometry import EARTH_RADIUS_KM
from caselink.linkage.offences.settings import LinkSettings

Ints = NDArray[np.int64]

# Great-circle distance <= D exactly when the chord between the unit vectors is <= 2 sin(D / 2R):
# the same set as the haversine test, with arithmetic only (DuckDB's trigonometry per pair is
# what made the join slow).
_CHORD = (
    "(b.ux - a.ux) * (b.ux - a.ux) + (b.uy - a.uy) * (b.uy - a.uy) + (b.uz - a.uz) * (b.uz - a.uz)"
)
_TIME_OK = "b.lo <= a.hi + {D} AND a.lo <= b.hi + {D}"


def lon_cell_degrees(max_km: float, max_abs_lat: float) -> float:
    # d >= 2R asin(cos(phi_max) sin(dlon/2)), so a pair within max_km differs in longitude by at
    # most this many degrees; see the module doc.
    s = math.sin(max_km / (2 * EARTH_RADIUS_KM)) / max(math.cos(math.radians(max_abs_lat)), 1e-12)
    return 360.0 if s >= 1 else math.degrees(2 * math.asin(s))


def chord_limit(max_km: float) -> float:
    """The chord between unit vectors of two points exactly ``max_km`` apart on the sphere."""
    return 2 * math.sin(min(max_km / (2 * EARTH_RADIUS_KM), math.pi / 2))


def unit_vectors(
    lat: NDArray[np.float64], lon: NDArray[np.float64]
) -> tuple[NDArray[np.float64], ...]:
    """Points on the unit sphere for WGS84 degrees (NaN stays NaN)."""
    p, q = np.radians(lat), np.radians(lon)
    return np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p)


class Cells(NamedTuple):
    """Each report's place flags and cells (see the module doc); 0 where it has no such place."""

    has_ll: NDArray[np.bool_]
    has_xy: NDArray[np.bool_]
    ly: Ints
    lx: Ints
    gy: Ints
    gx: Ints


def cells(frame: ReportFrame, settings: LinkSettings) -> Cells:
    """The latitude/longitude and grid cells of every report of ``frame`` under ``settings``."""
    has_ll = ~np.isnan(frame.latitude)
    has_xy = ~np.isnan(frame.x)
    lat_cell = math.degrees(settings.max_km / EARTH_RADIUS_KM)
    max_lat = float(np.nanmax(np.abs(frame.latitude))) if has_ll.any() else 0.0
    lon_cell = lon_cell_degrees(settings.max_km, min(max_lat + 1e-9, 90.0))
    xy_cell = settings.max_km * 1000.0
    with np.errstate(invalid="ignore"):
        return Cells(
            has_ll,
            has_xy,
            np.where(has_ll, np.floor(frame.latitude / lat_cell), 0).astype(np.int64),
            np.where(has_ll, np.floor(frame.longitude / lon_cell), 0).astype(np.int64),
            np.where(has_xy, np.floor(frame.y / xy_cell), 0).astype(np.int64),
            np.where(has_xy, np.floor(frame.x / xy_cell), 0).astype(np.int64),
        )


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
    c = cells(frame, settings)
    ux, uy, uz = unit_vectors(frame.latitude, frame.longitude)
    cols = {
        "ux": ux,
        "uy": uy,
        "uz": uz,
        "i": np.arange(frame.n, dtype=np.int64),
        "force": frame.force_code,
        "area": frame.area_code,
        "lo": frame.cand_lo,
        "hi": frame.cand_hi,
        "lat": frame.latitude,
        "lon": frame.longitude,
        "x": frame.x,
        "y": frame.y,
        "has_ll": c.has_ll,
        "has_xy": c.has_xy,
        "long_window": long_window,
        "tb": tb,
        "ly": c.ly,
        "lx": c.lx,
        "gy": c.gy,
        "gx": c.gx,
    }
    arrays = {k: pa.array(v, from_pandas=True) for k, v in cols.items()}
    return pa.table(arrays), bucketed


def candidate_sql(settings: LinkSettings, bucketed: bool) -> list[str]:
    """The SQL statements that produce the candidate pairs (columns i, j) from the table ``r``:
    setup statements, then the query, last.

    Exposed so the pipeline can be read and tested without running it; ``bucketed`` adds the
    time bucket to the join keys (chosen when the data spans more than three buckets). Each
    report is expanded into the keys of its neighbouring cells (``probe_*`` tables) so every
    join is a plain equality join, which DuckDB runs as a hash join.
    """
    time_ok = _TIME_OK.format(D=repr(float(settings.max_days)))
    near_ll = f"{_CHORD} <= {chord_limit(settings.max_km) ** 2!r}"
    metres2 = repr((float(settings.max_km) * 1000.0) ** 2)
    near_xy = f"(b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y) <= {metres2}"
    area = (
        " AND (a.area < 0 OR b.area < 0 OR a.area = b.area)"
        if settings.unplaced_rule == "same_area"
        else ""
    )
    steps = "(VALUES (-1), (0), (1))"
    dts = "(VALUES (-2), (-1), (0), (1), (2))" if bucketed else "(VALUES (0))"

    def probe(name: str, src: str, y: str, x: str, short: bool) -> str:
        # one row per report and neighbouring cell (and time bucket for short windows)
        if short:
            return (
                f"CREATE TEMP TABLE {name} AS SELECT r.i, r.{y} + dy.d AS ky, r.{x} + dx.d AS kx, "
                f"r.tb + dt.d AS kt FROM {src} r, {steps} dy(d), {steps} dx(d), {dts} dt(d) "
                "WHERE NOT r.long_window"
            )
        return (
            f"CREATE TEMP TABLE {name} AS SELECT r.i, r.{y} + dy.d AS ky, r.{x} + dx.d AS kx "
            f"FROM {src} r, {steps} dy(d), {steps} dx(d) WHERE r.long_window"
        )

    setup = [
        "CREATE TEMP TABLE ll AS SELECT * FROM r WHERE has_ll",
        "CREATE TEMP TABLE xy AS SELECT * FROM r WHERE has_xy",
        "CREATE TEMP TABLE nowhere AS SELECT * FROM r WHERE NOT has_ll AND NOT has_xy",
        probe("probe_ll", "ll", "ly", "lx", short=True),
        probe("probe_ll_long", "ll", "ly", "lx", short=False),
        probe("probe_xy", "xy", "gy", "gx", short=True),
        probe("probe_xy_long", "xy", "gy", "gx", short=False),
    ]
    query = f"""
-- both placed by latitude/longitude, both windows short: neighbouring cells and time buckets
SELECT a.i AS i, b.i AS j
FROM probe_ll p JOIN ll b ON b.ly = p.ky AND b.lx = p.kx AND b.tb = p.kt
JOIN ll a ON a.i = p.i
WHERE a.i < b.i AND NOT b.long_window AND {time_ok} AND {near_ll}
UNION ALL
-- latitude/longitude, at least one long window: cells only
SELECT least(a.i, b.i), greatest(a.i, b.i)
FROM probe_ll_long p JOIN ll b ON b.ly = p.ky AND b.lx = p.kx
JOIN ll a ON a.i = p.i
WHERE (NOT b.long_window OR a.i < b.i) AND {time_ok} AND {near_ll}
UNION ALL
-- grid x/y where latitude/longitude cannot decide
SELECT a.i, b.i
FROM probe_xy p JOIN xy b ON b.gy = p.ky AND b.gx = p.kx AND b.tb = p.kt
JOIN xy a ON a.i = p.i
WHERE a.i < b.i AND NOT b.long_window AND NOT (a.has_ll AND b.has_ll) AND {time_ok} AND {near_xy}
UNION ALL
SELECT least(a.i, b.i), greatest(a.i, b.i)
FROM probe_xy_long p JOIN xy b ON b.gy = p.ky AND b.gx = p.kx
JOIN xy a ON a.i = p.i
WHERE (NOT b.long_window OR a.i < b.i) AND NOT (a.has_ll AND b.has_ll)
  AND {time_ok} AND {near_xy}
UNION ALL
-- no place on one side: same force (and area), time rule only
SELECT least(a.i, b.i), greatest(a.i, b.i)
FROM nowhere a JOIN r b ON b.force = a.force
WHERE b.i <> a.i AND (b.has_ll OR b.has_xy OR a.i < b.i) AND {time_ok}{area}
UNION ALL
-- places in different systems: latitude/longitude only against x/y only
SELECT least(a.i, b.i), greatest(a.i, b.i)
FROM (SELECT * FROM r WHERE has_ll AND NOT has_xy) a
JOIN (SELECT * FROM r WHERE has_xy AND NOT has_ll) b ON b.force = a.force
WHERE {time_ok}{area}
"""
    return [*setup, query]


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
    # DuckDB spills joins beyond its memory limit to ".tmp" in the working directory, and a
    # killed run left gigabytes there: spill to a folder of our own that goes with the run.
    spill = tempfile.TemporaryDirectory(prefix="caselink-candidates-")
    con = duckdb.connect(config={"temp_directory": spill.name})
    try:
        # Streaming without keeping the rows in order lets DuckDB hand batches over as they
        # come instead of buffering the result; callers sort where order matters.
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"SET memory_limit = '{settings.duckdb_memory_mb}MB'")
        con.execute(f"SET threads = {max(settings.threads, 1)}")
        con.register("reports_arrow", table)
        # a native table, not the Arrow view: DuckDB plans the cell joins far better on it
        con.execute("CREATE TEMP TABLE r AS SELECT * FROM reports_arrow")
        con.unregister("reports_arrow")
        *setup, query = candidate_sql(settings, bucketed)
        for statement in setup:
            con.execute(statement)
        reader = con.sql(query).to_arrow_reader(batch or settings.batch_pairs)
        for rb in reader:
            if rb.num_rows:
                yield (
                    np.asarray(rb.column(0).to_numpy(), dtype=np.int64),
                    np.asarray(rb.column(1).to_numpy(), dtype=np.int64),
                )
    finally:
        con.close()
        spill.cleanup()


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
    days = settings.max_days
    time_ok = (frame.cand_lo[others] <= frame.cand_hi[row] + days) & (
        frame.cand_lo[row] <= frame.cand_hi[others] + days
    )
    both_ll = ~np.isnan(frame.latitude[row]) & ~np.isnan(frame.latitude[others])
    both_xy = ~np.isnan(frame.x[row]) & ~np.isnan(frame.x[others])
    placed = both_ll | both_xy
    ux, uy, uz = unit_vectors(frame.latitude, frame.longitude)
    chord2 = (ux[others] - ux[row]) ** 2 + (uy[others] - uy[row]) ** 2 + (uz[others] - uz[row]) ** 2
    grid2 = (frame.x[others] - frame.x[row]) ** 2 + (frame.y[others] - frame.y[row]) ** 2
    with np.errstate(invalid="ignore"):
        near_ll = both_ll & (chord2 <= chord_limit(settings.max_km) ** 2)
        near_xy = ~both_ll & both_xy & (grid2 <= (settings.max_km * 1000.0) ** 2)
        near = near_ll | near_xy
    same = frame.force_code[others] == frame.force_code[row]
    if settings.unplaced_rule == "same_area":
        a, b = frame.area_code[row], frame.area_code[others]
        same &= (a < 0) | (b < 0) | (a == b)
    keep = time_ok & (near | (~placed & same))
    out: Ints = others[keep]
    return out
