"""Every candidate of one report at a time, from a compiled index: the rule of candidates.py.

A full run needs each report's best links, not the list of all pairs; DuckDB can only hand
the pairs over (hundreds of millions of them in a national year, costly just to stream), while
a report's candidates, found directly, can be scored and forgotten at once. The index holds:

* placed reports in cells of at least ``max_km`` each way (latitude/longitude cells as in
  candidates.py, and grid cells for x/y), each cell's reports split by the length of their
  time window and sorted by its start, so one report's candidates lie in its 3 x 3
  neighbouring cells within slices found by binary search;
* every force's reports by place class (none, latitude/longitude only, x/y only, both), for
  the pairs whose places cannot be compared: classes that share no coordinate system.

``row_candidates`` applies the exact rule to what the slices hold, so it finds the same pairs
as the DuckDB query (tests compare them); ``block_slices`` and ``slice_pairs`` find the
latitude/longitude pairs of a block of rows at once.
"""

import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.offences.candidates import cells, chord_limit, unit_vectors
from caselink.linkage.offences.frame import ReportFrame
from caselink.linkage.offences.jit import compiled
from caselink.linkage.offences.pair_sampling import LEVELS, Thinning, thinned_out
from caselink.linkage.offences.settings import LinkSettings

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]

_OFFSET = 1 << 29  # cell coordinates are shifted by this before they are packed into one key
# Each group's reports are split by the length of their time window, longest window at most
# these many days (the last class: longer). A slice must reach back by the group's longest
# window, and one report in a cell with a window of two years made every report of the cell
# scan two more years of its neighbours; most windows are a day or less.
_CLASS_DAYS = np.array([1.0, 14.0, 90.0, 365.0])
N_CLASSES = _CLASS_DAYS.shape[0] + 1
# the most slices ``block_slices`` gives: one for each of the 3 x 3 cells and window class
MAX_SLICES = 9 * N_CLASSES
# a float margin on the slice bounds only; the exact time rule is applied to every report
_SLACK = 1e-6


class Groups(NamedTuple):
    """Rows grouped by a key and the class of their time window (``window_class``), each group
    sorted by the start of its time window."""

    keys: Ints  # sorted distinct keys, each key * N_CLASSES + window class
    start: Ints  # group g is rows[start[g]:start[g + 1]]
    rows: Ints
    lo: Floats  # the window start of each row in ``rows``
    span: Floats  # the longest window of each group


class CandidateIndex(NamedTuple):
    """What ``row_candidates`` needs; built by ``candidate_index``."""

    lo: Floats
    hi: Floats
    ux: Floats
    uy: Floats
    uz: Floats
    x: Floats
    y: Floats
    has_ll: Bools
    has_xy: Bools
    force: Ints
    area: Ints
    ll_cell_y: Ints
    ll_cell_x: Ints
    xy_cell_y: Ints
    xy_cell_x: Ints
    ll: Groups
    xy: Groups
    by_force: Groups  # key: force * 4 + place class (1: latitude/longitude, 2: x/y)
    ll_runs: bool  # whether each group of ``ll`` is a run of consecutive rows, rising
    days: float
    chord2: float
    metres2: float
    same_area: bool


def _key(cy: Ints, cx: Ints) -> Ints:
    return (cy + _OFFSET) * (2 * _OFFSET) + (cx + _OFFSET)


def window_class(lo: Floats, hi: Floats) -> Ints:
    """The class of each time window [lo, hi] by its length (see ``_CLASS_DAYS``)."""
    return np.searchsorted(_CLASS_DAYS, hi - lo).astype(np.int64)


def _class_keys(keys: Ints, lo: Floats, hi: Floats) -> Ints:
    # a group's key: the cell's (or force's) key and the class of the rows' windows
    out: Ints = keys * N_CLASSES + window_class(lo, hi)
    return out


def _groups(keys: Ints, rows: Ints, lo: Floats, hi: Floats) -> Groups:
    keys = _class_keys(keys, lo[rows], hi[rows])
    order = np.lexsort((lo[rows], keys))
    k, r = keys[order], rows[order]
    distinct, first = np.unique(k, return_index=True)
    start = np.append(first, k.shape[0]).astype(np.int64)
    span = (hi[r] - lo[r]) if r.shape[0] else np.zeros(0)
    longest = np.maximum.reduceat(span, first) if r.shape[0] else np.zeros(0)
    return Groups(distinct.astype(np.int64), start, r.astype(np.int64), lo[r].copy(), longest)


def _runs(groups: Groups) -> bool:
    # whether every group is a run of consecutive rows, rising: so it is in a frame in
    # ``locality_order`` (where a group's rows are together, in the order of their window
    # starts) when every row takes part
    step = np.diff(groups.rows) == 1
    step[groups.start[1:-1] - 1] = True  # from one group to the next
    return bool(step.all())


def locality_order(frame: ReportFrame, settings: LinkSettings) -> Ints:
    """The rows in an order that keeps each cell's reports together, by window class and then
    window start within a cell, the order of the index's groups: scoring a frame taken in this
    order reads the candidates' facts from neighbouring memory instead of from all over the
    arrays."""
    c = cells(frame, settings)
    ll = _key(c.ly, c.lx)
    xy = _key(c.gy, c.gx)
    rank = np.where(c.has_ll, 0, np.where(c.has_xy, 1, 2))
    key = np.where(c.has_ll, ll, np.where(c.has_xy, xy, frame.force_code))
    kind = window_class(frame.cand_lo, frame.cand_hi)
    return np.lexsort((frame.cand_lo, kind, key, rank)).astype(np.int64)


def in_locality_order(frame: ReportFrame, settings: LinkSettings) -> ReportFrame:
    """``frame`` taken in ``locality_order``: training and evaluation work on it, so binning a
    hundred million candidate pairs reads neighbouring memory. Nothing they return depends on
    the order of the rows (reports are named by id)."""
    return frame.take(locality_order(frame, settings))


def candidate_index(
    frame: ReportFrame, settings: LinkSettings, rows: Ints | None = None
) -> CandidateIndex:
    """The index of ``frame``'s reports (only ``rows``, when given, take part)."""
    n = frame.n
    member = np.ones(n, dtype=bool)
    if rows is not None:
        member[:] = False
        member[np.asarray(rows, dtype=np.int64)] = True
    c = cells(frame, settings)
    has_ll, has_xy = c.has_ll, c.has_xy
    ux, uy, uz = unit_vectors(frame.latitude, frame.longitude)
    lo, hi = frame.cand_lo, frame.cand_hi
    ll_rows = np.flatnonzero(has_ll & member)
    xy_rows = np.flatnonzero(has_xy & member)
    all_rows = np.flatnonzero(member)
    place = has_ll.astype(np.int64) + 2 * has_xy.astype(np.int64)
    ll = _groups(_key(c.ly[ll_rows], c.lx[ll_rows]), ll_rows, lo, hi)
    return CandidateIndex(
        lo=lo,
        hi=hi,
        ux=ux,
        uy=uy,
        uz=uz,
        x=frame.x,
        y=frame.y,
        has_ll=has_ll,
        has_xy=has_xy,
        force=frame.force_code,
        area=frame.area_code,
        ll_cell_y=c.ly,
        ll_cell_x=c.lx,
        xy_cell_y=c.gy,
        xy_cell_x=c.gx,
        ll=ll,
        xy=_groups(_key(c.gy[xy_rows], c.gx[xy_rows]), xy_rows, lo, hi),
        by_force=_groups(frame.force_code[all_rows] * 4 + place[all_rows], all_rows, lo, hi),
        ll_runs=_runs(ll),
        days=float(settings.max_days),
        chord2=chord_limit(settings.max_km) ** 2,
        metres2=(float(settings.max_km) * 1000.0) ** 2,
        same_area=settings.unplaced_rule == "same_area",
    )


@compiled
def _groups_of(groups: Groups, key: int) -> tuple[int, int]:
    # the groups of ``key``, one for each window class present: groups g0..g1 - 1
    g0 = np.searchsorted(groups.keys, key * N_CLASSES)
    g1 = g0
    while g1 < groups.keys.shape[0] and groups.keys[g1] < (key + 1) * N_CLASSES:
        g1 += 1
    return int(g0), int(g1)


@compiled
def _cell_key(cy: int, cx: int) -> int:
    # ``_key`` of one cell, in compiled code
    return (cy + _OFFSET) * (2 * _OFFSET) + (cx + _OFFSET)


@compiled
def _slice(groups: Groups, g: int, lo: float, hi: float, days: float) -> tuple[int, int]:
    # rows of group g whose window can be within ``days`` of [lo, hi]: starting no later than
    # hi + days, and no earlier than lo - days - the group's longest window
    s, e = groups.start[g], groups.start[g + 1]
    starts = groups.lo[s:e]
    first = s + np.searchsorted(starts, lo - days - groups.span[g] - _SLACK)
    last = s + np.searchsorted(starts, hi + days, side="right")
    return int(first), int(last)


@compiled
def _cell_candidates(
    ix: CandidateIndex,
    groups: Groups,
    cy: int,
    cx: int,
    grid: bool,
    i: int,
    out: Ints,
    n: int,
    limit: int,
) -> int:
    # candidates of row i below row ``limit`` in the 3 x 3 cells around (cy, cx) of one grid,
    # written to out from position n on; returns the new count. The latitude/longitude grid
    # tests the chord between unit vectors; the x/y grid the distance in metres, for pairs not
    # both latitude/longitude.
    lo, hi, days = ix.lo[i], ix.hi[i], ix.days
    for dy in range(-1, 2):
        for dx in range(-1, 2):
            g0, g1 = _groups_of(groups, _cell_key(cy + dy, cx + dx))
            for g in range(g0, g1):
                first, last = _slice(groups, g, lo, hi, days)
                for p in range(first, last):
                    j = groups.rows[p]
                    if j == i or j >= limit or lo > ix.hi[j] + days:
                        continue
                    if grid:
                        if ix.has_ll[i] and ix.has_ll[j]:
                            continue
                        d2 = (ix.x[j] - ix.x[i]) * (ix.x[j] - ix.x[i]) + (ix.y[j] - ix.y[i]) * (
                            ix.y[j] - ix.y[i]
                        )
                        near = d2 <= ix.metres2
                    else:
                        d2 = (
                            (ix.ux[j] - ix.ux[i]) * (ix.ux[j] - ix.ux[i])
                            + (ix.uy[j] - ix.uy[i]) * (ix.uy[j] - ix.uy[i])
                            + (ix.uz[j] - ix.uz[i]) * (ix.uz[j] - ix.uz[i])
                        )
                        near = d2 <= ix.chord2
                    if near:
                        out[n] = j
                        n += 1
    return n


@compiled
def row_candidates(
    ix: CandidateIndex, i: int, out: Ints, below: bool = False, latlon: bool = True
) -> int:
    """Write the row of every candidate of report ``i`` (itself excluded; with ``below``, only
    the rows below ``i``, so each pair is found once) into ``out`` and return how many there
    are; ``out`` must have room for every row of the frame. Without ``latlon`` the pairs of two
    latitude/longitude places are left out (``block_slices`` and ``slice_pairs`` find those)."""
    count = 0
    lo, hi, days = ix.lo[i], ix.hi[i], ix.days
    limit = i if below else ix.lo.shape[0]
    if latlon and ix.has_ll[i]:
        cy, cx = ix.ll_cell_y[i], ix.ll_cell_x[i]
        count = _cell_candidates(ix, ix.ll, cy, cx, False, i, out, count, limit)
    if ix.has_xy[i]:
        cy, cx = ix.xy_cell_y[i], ix.xy_cell_x[i]
        count = _cell_candidates(ix, ix.xy, cy, cx, True, i, out, count, limit)
    # places that cannot be compared: the classes sharing no coordinate system with this one
    place = int(ix.has_ll[i]) + 2 * int(ix.has_xy[i])
    for other in range(4):
        if place & other:
            continue
        g0, g1 = _groups_of(ix.by_force, ix.force[i] * 4 + other)
        for g in range(g0, g1):
            first, last = _slice(ix.by_force, g, lo, hi, days)
            for p in range(first, last):
                j = ix.by_force.rows[p]
                if j == i or j >= limit or lo > ix.hi[j] + days:
                    continue
                a, b = ix.area[i], ix.area[j]
                if ix.same_area and a >= 0 and b >= 0 and a != b:
                    continue
                out[count] = j
                count += 1
    return count


def latlon_blocks(ix: CandidateIndex, size: int) -> Ints:
    """Where the blocks of at most ``size`` rows start (and, last, where the rows end) for
    ``block_slices``: a frame in ``locality_order`` has its latitude/longitude rows first, by
    cell, so a run of them in one cell is cut into blocks, and every other row is a block of
    its own. Only a frame in that order gives blocks of more than one row."""
    n = ix.lo.shape[0]
    ll = np.flatnonzero(ix.has_ll)
    run = ll.shape[0]
    if run == 0 or ll[-1] != run - 1:  # not in locality order: latitude/longitude rows first
        return np.arange(n + 1, dtype=np.int64)
    key = _class_keys(_key(ix.ll_cell_y[:run], ix.ll_cell_x[:run]), ix.lo[:run], ix.hi[:run])
    first = np.flatnonzero(np.diff(key, prepend=key[0] - 1) != 0)
    ends = np.append(first[1:], run)
    starts = [np.arange(s, e, size, dtype=np.int64) for s, e in zip(first, ends, strict=True)]
    return np.concatenate([*starts, np.arange(run, n + 1, dtype=np.int64)])


@compiled
def block_slices(ix: CandidateIndex, b0: int, b1: int, first: Ints, last: Ints) -> int:
    """The slices of ``ix.ll.rows`` (first[s]:last[s], returning how many) that hold every
    latitude/longitude candidate of rows b0..b1 - 1, latitude/longitude rows of one cell: the
    3 x 3 cells around it, each from the earliest to the latest time any row of the block can
    reach. ``slice_pairs`` applies the exact rule."""
    lo, hi = ix.lo[b0], ix.hi[b0]
    for i in range(b0 + 1, b1):
        lo, hi = min(lo, ix.lo[i]), max(hi, ix.hi[i])
    cy, cx = ix.ll_cell_y[b0], ix.ll_cell_x[b0]
    count = 0
    for dy in range(-1, 2):
        for dx in range(-1, 2):
            g0, g1 = _groups_of(ix.ll, _cell_key(cy + dy, cx + dx))
            for g in range(g0, g1):
                first[count], last[count] = _slice(ix.ll, g, lo, hi, ix.days)
                if last[count] > first[count]:
                    count += 1
    return count


@compiled
def slice_pairs(
    ix: CandidateIndex,
    b0: int,
    b1: int,
    p0: int,
    p1: int,
    out_i: Ints,
    out_j: Ints,
    out_d2: Floats,
    near_days: float = -math.inf,
    near_chord2: float = -1.0,
) -> int:
    """The candidate pairs (i, j), j < i, of the rows i of b0..b1 - 1 and the rows j of
    ``ix.ll.rows[p0:p1]``, all with latitude/longitude places, written to out_i/out_j with the
    squared chord between their places in out_d2 (room for (b1 - b0) * (p1 - p0) pairs);
    returns how many. A block's rows and a slice's are few enough to stay in cache while every
    pair of them is tried, where finding each row's candidates on its own reads them all from
    memory once per row. With ``near_days`` and ``near_chord2``, the window of another index of
    the frame (its ``days`` and ``chord2``), the pairs within it are left out, tested as
    ``within`` tests them while the pair's distance is at hand."""
    if ix.ll_runs:
        return _run_pairs(ix, b0, b1, p0, p1, out_i, out_j, out_d2, near_days, near_chord2)
    count = 0
    days, chord2 = ix.days, ix.chord2
    for i in range(b0, b1):
        lo, hi, ux, uy, uz = ix.lo[i], ix.hi[i], ix.ux[i], ix.uy[i], ix.uz[i]
        for p in range(p0, p1):
            j = ix.ll.rows[p]
            if j >= i or lo > ix.hi[j] + days or ix.lo[j] > hi + days:
                continue
            d2 = (ix.ux[j] - ux) * (ix.ux[j] - ux) + (ix.uy[j] - uy) * (ix.uy[j] - uy)
            d2 += (ix.uz[j] - uz) * (ix.uz[j] - uz)
            if d2 > chord2:
                continue
            if d2 <= near_chord2 and lo <= ix.hi[j] + near_days and ix.lo[j] <= hi + near_days:
                continue
            out_i[count] = i
            out_j[count] = j
            out_d2[count] = d2
            count += 1
    return count


@compiled
def _run_pairs(
    ix: CandidateIndex,
    b0: int,
    b1: int,
    p0: int,
    p1: int,
    out_i: Ints,
    out_j: Ints,
    out_d2: Floats,
    near_days: float,
    near_chord2: float,
) -> int:
    # slice_pairs where the slice is a run of consecutive rows: those below row i are its
    # first rows, read straight from the index's arrays, so each row's test runs over
    # neighbouring numbers in vector registers, many pairs an instruction, into marks that
    # the kept pairs are then gathered from (a test with a branch on each pair could not run
    # many pairs an instruction). The marks and distances go where the pairs will: there is
    # room for every pair tried.
    count = 0
    days, chord2 = ix.days, ix.chord2
    first = ix.ll.rows[p0]
    for i in range(b0, b1):
        m = min(p1 - p0, i - first)
        if m <= 0:
            continue
        lo, hi, ux, uy, uz = ix.lo[i], ix.hi[i], ix.ux[i], ix.uy[i], ix.uz[i]
        # views from position 0, so the compiler sees every index in bounds and in step
        los, his = ix.lo[first : first + m], ix.hi[first : first + m]
        xs, ys, zs = ix.ux[first : first + m], ix.uy[first : first + m], ix.uz[first : first + m]
        marks, dist2 = out_j[count : count + m], out_d2[count : count + m]
        for k in range(m):
            d2 = (xs[k] - ux) * (xs[k] - ux) + (ys[k] - uy) * (ys[k] - uy)
            d2 += (zs[k] - uz) * (zs[k] - uz)
            pair = (lo <= his[k] + days) & (los[k] <= hi + days) & (d2 <= chord2)
            near = (d2 <= near_chord2) & (lo <= his[k] + near_days) & (los[k] <= hi + near_days)
            marks[k] = pair & ~near
            dist2[k] = d2
        kept = count
        for k in range(m):
            mark, d2 = marks[k], dist2[k]  # read before the writes below, which may land on them
            out_j[kept] = first + k
            out_i[kept] = i
            out_d2[kept] = d2
            kept += mark
        count = kept
    return count


@compiled
def within(ix: CandidateIndex, i: int, j: int) -> bool:
    """Whether reports i and j are candidates of each other: the rule ``row_candidates``
    applies, for one pair (rows of the index's frame, whether or not they take part)."""
    if ix.lo[i] > ix.hi[j] + ix.days or ix.lo[j] > ix.hi[i] + ix.days:
        return False
    if ix.has_ll[i] and ix.has_ll[j]:
        d2 = (ix.ux[j] - ix.ux[i]) * (ix.ux[j] - ix.ux[i])
        d2 += (ix.uy[j] - ix.uy[i]) * (ix.uy[j] - ix.uy[i])
        d2 += (ix.uz[j] - ix.uz[i]) * (ix.uz[j] - ix.uz[i])
        return bool(d2 <= ix.chord2)
    if ix.has_xy[i] and ix.has_xy[j]:
        d2 = (ix.x[j] - ix.x[i]) * (ix.x[j] - ix.x[i]) + (ix.y[j] - ix.y[i]) * (ix.y[j] - ix.y[i])
        return bool(d2 <= ix.metres2)
    if ix.force[i] != ix.force[j]:
        return False
    return not (ix.same_area and ix.area[i] >= 0 and ix.area[j] >= 0 and ix.area[i] != ix.area[j])


@compiled
def pairs_from(
    ix: CandidateIndex,
    rows: Ints,
    start: int,
    out_i: Ints,
    out_j: Ints,
    found: Ints,
    thinning: Thinning,
    levels: Ints,
    thinned: bool,
    is_source: NDArray[np.bool_],
    latlon: bool = True,
) -> tuple[int, int]:
    # candidate pairs (i < j) of rows[start:], each found from its higher row, until
    # out_i/out_j cannot take the next row's; returns how many were written and the position
    # to go on from. With ``thinned``, only the pairs ``thinning`` keeps, while the unlinked
    # pairs found are counted in ``levels`` (``sampling.thinned_out``). With ``is_source`` (a
    # mark for every frame row; empty for none) the rows are sources: each is paired with all
    # its candidates, and a pair of two sources is kept from its higher row. Without
    # ``latlon``, the pairs of two latitude/longitude places are left out (``training.sample``
    # finds them tile by tile).
    below = is_source.shape[0] == 0
    count = 0
    p = start
    while p < rows.shape[0]:
        j = rows[p]
        m = row_candidates(ix, j, found, below, latlon)
        if count + m > out_i.shape[0]:
            break
        for q in range(m):
            i = found[q]
            if not below and is_source[i] and i > j:
                continue
            if thinned and thinned_out(thinning, i, j, levels):
                continue
            out_i[count] = min(i, j)
            out_j[count] = max(i, j)
            count += 1
        p += 1
    return count, p


def index_batches(
    frame: ReportFrame,
    settings: LinkSettings,
    rows: Ints | None = None,
    batch: int | None = None,
    sources: Ints | None = None,
) -> Iterator[tuple[Ints, Ints]]:
    """``candidates.candidate_batches`` from the compiled index: the same pairs (i < j, rows of
    ``frame``, both in ``rows`` when given), batch by batch, in no promised order; with
    ``sources``, only the pairs with a row of ``sources`` (rows of ``rows``), found from those
    rows alone. The next batch is found on another thread while the caller works on this one."""
    members = np.arange(frame.n, dtype=np.int64) if rows is None else np.unique(rows)
    if frame.n < 2 or members.shape[0] < 2:
        return
    ix = candidate_index(frame, settings, members)
    # room for the largest batch asked for and for any one report's candidates
    size = max(batch or settings.batch_pairs, frame.n)
    found = np.empty(frame.n, np.int64)
    every = Thinning(1.0, members, members, members)  # not read: nothing is thinned
    levels = np.zeros(LEVELS, np.int64)
    starts = members if sources is None else np.unique(sources)
    is_source = np.zeros(0 if sources is None else frame.n, np.bool_)
    if sources is not None:
        is_source[starts] = True

    def find(position: int) -> tuple[Ints, Ints, int]:
        out_i, out_j = np.empty(size, np.int64), np.empty(size, np.int64)
        count, position = pairs_from(
            ix, starts, position, out_i, out_j, found, every, levels, False, is_source
        )
        return out_i[:count], out_j[:count], position

    with ThreadPoolExecutor(max_workers=1) as finder:
        ahead = finder.submit(find, 0)
        while True:
            i, j, position = ahead.result()
            if position < starts.shape[0]:
                ahead = finder.submit(find, position)
            if i.shape[0]:
                yield i, j
            if position >= starts.shape[0]:
                return
