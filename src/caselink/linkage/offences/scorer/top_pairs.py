"""Each report's best-scoring candidates, computed pair by pair in compiled code.

This is ``scoring.score_rows(..., keep_top=k)`` without the list of all pairs: the candidate
index gives each report's candidates below it in the frame, so each pair is found once; its
bins (scorer.bins) and score are computed on the spot and offered to both its reports, each of
which holds only its k best (a small heap). A pair kept is in the k best of at least one of its
two reports, ties broken by the other report's id: the same rule, and the same pairs, as the
array path (tests compare them). The score is model/link_model.py's sum of weights, in its order.

Most pairs are not worth finishing. The bound on a pair's score starts at the most every
feature could add, less what either report rules out on its own (scorer.bounds); the evidence is
then computed stage by stage (scorer.bins; the description, relationship and attributes first,
straight from their weights, then the distance from the chord between the places, then the
behaviours: between them they drop most pairs), each stage replacing its features' share of
the bound by their weights, and the pair is dropped as soon as the bound cannot reach the k-th
best of either report (or ``min_score``). The stages are compiled into the loop
(``jit.inlined``), not called. Each of the first stages drops about half the pairs, a
branch mispredicted half the time, so the latitude/longitude pairs take them a tile at a time
without a branch on the pair (``_reachable``): the codes and the distance in one pass, the
behaviours in a second, each moving the pairs that can still make a list to the front with
their bound; only those go on pair by pair (``_resume``). The k-th bests start from a first
pass over the near candidates only (see ``top_pairs``), so pairs are dropped from the start
rather than once each list has filled; the full pass then leaves the near pairs out.

Threads take runs of blocks of neighbouring reports; a block's latitude/longitude pairs are
tried against a part of a slice at a time, both in cache (candidate_index.slice_pairs). A pair
is offered to a report another thread may be offering to at the same moment, so each thread
keeps heaps of its own for every report, and the heaps are merged at the end. The bars are
shared (``Heaps.sibling``): any thread's full heap bounds its report's final k-th best.
"""

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from queue import SimpleQueue
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.offences.candidate_index import (
    MAX_SLICES,
    CandidateIndex,
    block_slices,
    candidate_index,
    latlon_blocks,
    locality_order,
    row_candidates,
    slice_pairs,
    within,
)
from caselink.linkage.offences.evidence import EvidenceMaker
from caselink.linkage.offences.frame import ReportFrame
from caselink.linkage.offences.jit import compiled, inlined
from caselink.linkage.offences.memory import release_freed
from caselink.linkage.offences.model.link_model import LinkModel
from caselink.linkage.offences.scorer.bins import (
    behaviour_bins,
    bins_score,
    code_bins,
    day_bins,
    distance_bin,
    pair_order,
    slot_bins,
    time_bins,
    week_bins,
)
from caselink.linkage.offences.scorer.bounds import (
    behaviour_gain,
    chord_bin,
    chord_cell,
    chord_cell_of,
    code_gain,
    report_gains,
    stage_gain,
)
from caselink.linkage.offences.scorer.layout import (
    N_STAGES,
    SLOT_DIST,
    STAGE_BEHAVIOURS,
    STAGE_CODES,
    STAGE_DAY,
    STAGE_DISTANCE,
    STAGE_TIME,
    STAGE_WEEK,
    ModelTables,
    PairData,
)
from caselink.linkage.offences.scorer.tables import model_tables, pair_data
from caselink.linkage.offences.scorer.top_k_heaps import Heaps, kept_links, merge, offer
from caselink.linkage.offences.settings import LinkSettings

Ints = NDArray[np.int64]
Rows = NDArray[np.int32]
Floats = NDArray[np.float64]

_MARGIN = 1e-9  # bounds are sums in another order: allow for the rounding
_NEAR_KM, _NEAR_DAYS = 10.0, 60.0  # the near candidates that set the first bars
# latitude/longitude pairs are tried a block of rows against a part of a slice at a time: the
# facts of both fit in a core's cache
_BLOCK, _CHUNK = 64, 256


@inlined
def _consider(
    pd: PairData,
    mt: ModelTables,
    gains: Floats,
    i: int,
    j: int,
    top: float,
    min_score: float,
    heaps: Heaps,
    sb: Ints,
) -> int:
    # the pair (i, j) offered to both rows' heaps unless its bound shows it can make neither
    # list; returns 1 if it was scored in full
    floor = max(min_score, min(heaps.bar[i], heaps.bar[j])) - _MARGIN
    a, b = pair_order(pd, i, j)
    ga, gb = gains[a], gains[b]
    bound = top
    for g in range(N_STAGES):
        bound += min(ga[g], gb[g])
    # the stages one by one while the pair can still make a list: the description,
    # relationship and attributes first, straight from their weights, then the distance and
    # the behaviours, which with them drop most pairs
    bound += code_gain(pd, mt, a, b) - min(ga[STAGE_CODES], gb[STAGE_CODES])
    if bound < floor:
        return 0
    near, sure = 0, False
    if mt.distance >= 0:
        # the distance's weight when its bin by the chord is sure, else the most of that bin
        # and its neighbours, one of which is the distance's bin
        near, sure = chord_bin(pd.reals, a, b, mt.chord2_edges, mt.grid2_edges)
        exact = mt.weights[mt.weight_start[mt.distance] + near]
        d = (exact if sure else mt.distance_near[near]) - mt.best[mt.distance]
        cap = min(ga[STAGE_DISTANCE], gb[STAGE_DISTANCE])
        if d < cap:
            bound += d - cap
            if bound < floor:
                return 0
    return _finish(pd, mt, gains, i, j, a, b, bound, floor, near, sure, min_score, heaps, sb, False)


@inlined
def _finish(
    pd: PairData,
    mt: ModelTables,
    gains: Floats,
    i: int,
    j: int,
    a: int,
    b: int,
    bound: float,
    floor: float,
    near: int,
    sure: bool,
    min_score: float,
    heaps: Heaps,
    sb: Ints,
    behaviours_done: bool,
) -> int:
    # ``_consider`` from the behaviours on (after them with ``behaviours_done``), for the pair
    # (i, j) (a, b in ``pair_order``) whose bound so far is ``bound``: ``near`` the distance's
    # bin, and whether it is ``sure``
    ga, gb = gains[a], gains[b]
    if not behaviours_done:
        bound += behaviour_gain(pd, mt, a, b) - min(ga[STAGE_BEHAVIOURS], gb[STAGE_BEHAVIOURS])
        if bound < floor:
            return 0
    day_bins(pd, mt, a, b, sb)
    bound += stage_gain(mt, STAGE_DAY, sb) - min(ga[STAGE_DAY], gb[STAGE_DAY])
    if bound < floor:
        return 0
    time_bins(pd, mt, a, b, sb)
    bound += stage_gain(mt, STAGE_TIME, sb) - min(ga[STAGE_TIME], gb[STAGE_TIME])
    if bound < floor:
        return 0
    week_bins(pd, mt, a, b, sb)
    bound += stage_gain(mt, STAGE_WEEK, sb) - min(ga[STAGE_WEEK], gb[STAGE_WEEK])
    if bound < floor:
        return 0
    code_bins(pd, mt, a, b, sb)  # code_gain and behaviour_gain left them out
    behaviour_bins(pd, mt, a, b, sb)
    if sure:
        sb[SLOT_DIST] = near  # the chord is not within rounding of an edge: no sine needed
    else:
        distance_bin(pd, mt, a, b, sb)
    s = bins_score(mt, sb)
    if s >= min_score:
        offer(heaps, i, s, j)
        offer(heaps, j, s, i)
    return 1


@inlined
def _resume(
    pd: PairData,
    mt: ModelTables,
    gains: Floats,
    i: int,
    j: int,
    d2: float,
    bound: float,
    min_score: float,
    heaps: Heaps,
    sb: Ints,
) -> int:
    # ``_consider`` for a pair ``_reachable`` kept with this bound, after the behaviours
    floor = max(min_score, min(heaps.bar[i], heaps.bar[j])) - _MARGIN
    if bound < floor:  # a bar rose since
        return 0
    a, b = pair_order(pd, i, j)
    near, sure = 0, False
    if mt.distance >= 0:
        near = chord_cell(mt, d2)
        sure = near >= 0
        if not sure:
            near, sure = chord_bin(pd.reals, a, b, mt.chord2_edges, mt.grid2_edges)
    return _finish(pd, mt, gains, i, j, a, b, bound, floor, near, sure, min_score, heaps, sb, True)


class Work(NamedTuple):
    """One thread's working arrays for ``_top_of_blocks`` (compiled code may not allocate)."""

    candidates: Ints  # room for any one row's candidates
    first: Ints  # a block's slices (block_slices)
    last: Ints
    pair_i: Ints  # the pairs of a block and a part of a slice (slice_pairs)
    pair_j: Ints
    pair_d2: Floats
    pair_bound: Floats
    sb: Ints  # one pair's bins

    @classmethod
    def make(cls, n: int, mt: ModelTables) -> "Work":
        tile = _BLOCK * _CHUNK
        return cls(
            np.empty(n, np.int64),
            np.empty(MAX_SLICES, np.int64),
            np.empty(MAX_SLICES, np.int64),
            np.empty(tile, np.int64),
            np.empty(tile, np.int64),
            np.empty(tile),
            np.empty(tile),
            slot_bins(mt),
        )


@compiled
def _reachable(
    pd: PairData,
    mt: ModelTables,
    gains: Floats,
    bar: Floats,
    top: float,
    min_score: float,
    work: Work,
    m: int,
) -> int:
    # Of the first m pairs of ``work`` (with their squared chords), those whose bound can still
    # reach either row's bar, moved to the front with it (pair_bound); returns how many. A pass
    # with the description, relationship, attributes and the distance's weight by cell of the
    # chord, then one with the behaviours over the pairs it kept. No branch on a pair: every
    # pair is written and the count moves on by the test.
    pair_i, pair_j, pair_d2, pair_bound = work.pair_i, work.pair_j, work.pair_d2, work.pair_bound
    k = 0
    for q in range(m):
        i, j, d2 = pair_i[q], pair_j[q], pair_d2[q]
        gi, gj = gains[i], gains[j]
        bound = top
        for g in range(N_STAGES):
            bound += min(gi[g], gj[g])
        codes = code_gain(pd, mt, i, j)  # as for (j, i): the order evidence takes is not needed
        cap = min(gi[STAGE_CODES], gj[STAGE_CODES])
        bound += min(codes, cap) - cap
        d = mt.chord_gain[chord_cell_of(mt, d2)]
        cap = min(gi[STAGE_DISTANCE], gj[STAGE_DISTANCE])
        bound += min(d, cap) - cap
        floor = max(min_score, min(bar[i], bar[j])) - _MARGIN
        pair_i[k], pair_j[k], pair_d2[k], pair_bound[k] = i, j, d2, bound
        k += bound >= floor
    m, k = k, 0
    for q in range(m):
        i, j, d2, bound = pair_i[q], pair_j[q], pair_d2[q], pair_bound[q]
        cap = min(gains[i, STAGE_BEHAVIOURS], gains[j, STAGE_BEHAVIOURS])
        bound += behaviour_gain(pd, mt, i, j) - cap
        floor = max(min_score, min(bar[i], bar[j])) - _MARGIN
        pair_i[k], pair_j[k], pair_d2[k], pair_bound[k] = i, j, d2, bound
        k += bound >= floor
    return k


@compiled
def _top_of_blocks(
    ix: CandidateIndex,
    pd: PairData,
    mt: ModelTables,
    gains: Floats,
    blocks: Ints,
    b_first: int,
    b_last: int,
    min_score: float,
    heaps: Heaps,
    offered: CandidateIndex,
    skip_offered: bool,
    work: Work,
) -> int:
    # Every pair of a row of blocks b_first..b_last - 1 (rows blocks[b]:blocks[b + 1]) and a
    # candidate below it, offered to both rows' heaps; with ``skip_offered``, the pairs that are
    # candidates in ``offered`` are left out (they were offered already). Returns how many pairs
    # were scored in full. Without reference counting, so nothing here allocates: the caller
    # hands over the working arrays.
    top = mt.offset
    for f in range(mt.best.shape[0]):
        top += mt.best[f]
    # latitude/longitude pairs within ``offered`` are left out as they are found
    near_days, near_chord2 = (offered.days, offered.chord2) if skip_offered else (-math.inf, -1.0)
    full = 0
    for b in range(b_first, b_last):
        b0, b1 = blocks[b], blocks[b + 1]
        tiled = ix.has_ll[b0]
        if tiled:
            # latitude/longitude pairs tile by tile: the block's rows against a part of a
            # slice at a time, both in cache
            for s in range(block_slices(ix, b0, b1, work.first, work.last)):
                for p0 in range(work.first[s], work.last[s], _CHUNK):
                    p1 = min(p0 + _CHUNK, work.last[s])
                    m = slice_pairs(
                        ix,
                        b0,
                        b1,
                        p0,
                        p1,
                        work.pair_i,
                        work.pair_j,
                        work.pair_d2,
                        near_days,
                        near_chord2,
                    )
                    m = _reachable(pd, mt, gains, heaps.bar, top, min_score, work, m)
                    for q in range(m):
                        i, j, d2, bound = (
                            work.pair_i[q],
                            work.pair_j[q],
                            work.pair_d2[q],
                            work.pair_bound[q],
                        )
                        full += _resume(pd, mt, gains, i, j, d2, bound, min_score, heaps, work.sb)
        for i in range(b0, b1):
            m = row_candidates(ix, i, work.candidates, True, not tiled)
            for q in range(m):
                j = work.candidates[q]
                if not (skip_offered and within(offered, i, j)):
                    full += _consider(pd, mt, gains, i, j, top, min_score, heaps, work.sb)
    return full


def _best_links(
    ix: CandidateIndex,
    pd: PairData,
    mt: ModelTables,
    gains: Floats,
    floor: float,
    start: Heaps,
    offered: CandidateIndex | None,
    threads: int,
    progress: Callable[[int, int], None] | None,
) -> Heaps:
    # every row's best links: those of ``start`` (the pairs of ``offered``, when given) and the
    # other candidates of ``ix``, on ``threads`` threads
    n = pd.report_id.shape[0]
    # Runs of blocks of neighbouring rows (the frame is in locality order), taken by whichever
    # thread is free: rows of one block share most of their candidates.
    blocks = latlon_blocks(ix, _BLOCK)
    n_blocks = blocks.shape[0] - 1
    run = max(1, min(64, -(-n_blocks // (16 * threads))))
    threads = max(1, min(threads, -(-n_blocks // run)))
    free: SimpleQueue[tuple[Heaps, Work]] = SimpleQueue()
    every = [start, *(start.sibling() for _ in range(threads - 1))]
    for heaps in every:
        free.put((heaps, Work.make(n, mt)))
    done = 0

    def work(first: int) -> int:
        last = min(first + run, n_blocks)
        # one set of heaps per running thread, so no heap is offered to twice at once
        heaps, arrays = free.get()
        try:
            skip = offered is not None
            _top_of_blocks(
                ix, pd, mt, gains, blocks, first, last, floor, heaps, offered or ix, skip, arrays
            )
        finally:
            free.put((heaps, arrays))
        return int(blocks[last] - blocks[first])

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for finished in pool.map(work, range(0, n_blocks, run)):
            done += finished
            if progress is not None:
                progress(done, n)
    for other in every[1:]:
        merge(every[0], other)
    return every[0]


def top_pairs(
    frame: ReportFrame,
    model: LinkModel,
    settings: LinkSettings,
    keep_top: int,
    min_score: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Ints, Ints, Floats]:
    """Every pair in the ``keep_top`` best of either of its reports, as rows (i < j) and score;
    with ``min_score``, only pairs scoring at least that. ``progress(done, total)`` is called
    as groups of reports finish."""
    perm = locality_order(frame, settings)
    local = frame.take(perm)
    pd = pair_data(local, EvidenceMaker(local, model.domains(), model.attributes()), perm)
    mt = model_tables(model, local, pd)
    gains = report_gains(pd, mt)
    n = frame.n
    floor = -math.inf if min_score is None else float(min_score)
    # First the near candidates only (close in place and time, where the best links mostly
    # are): each report's k-th best among them is a score some real pair of it reaches, so no
    # pair scoring less can make its list. Starting from those bars, the full pass drops most
    # pairs before they are finished, instead of only once each list has filled.
    near = replace(
        settings, max_km=min(settings.max_km, _NEAR_KM), max_days=min(settings.max_days, _NEAR_DAYS)
    )
    # The full pass then leaves the near pairs out: they are in the lists already. A window no
    # wider than the near one needs the one pass.
    offered = candidate_index(local, near) if near != settings else None
    ix = candidate_index(local, settings)
    del local  # what the passes read is in pd and the indexes
    release_freed()
    heaps = Heaps.make(n, keep_top, np.full(n, -math.inf), pd.report_id)
    if offered is not None:
        heaps = _best_links(offered, pd, mt, gains, floor, heaps, None, settings.threads, None)
    heaps = _best_links(ix, pd, mt, gains, floor, heaps, offered, settings.threads, progress)
    # the lists are all that is left to read: what built them goes before the pairs are listed
    del ix, offered, gains, pd
    kept = np.zeros(1, np.int64)
    kept_links(heaps, perm, kept, kept, np.zeros(1), False)
    lo, hi = np.empty(kept[0], np.int64), np.empty(kept[0], np.int64)
    s = np.empty(kept[0])
    kept_links(heaps, perm, lo, hi, s, True)
    return lo, hi, s
