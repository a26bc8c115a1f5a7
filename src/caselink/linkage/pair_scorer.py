"""Each report's best-scoring candidates, computed pair by pair in compiled code.

This is ``scoring.score_rows(..., keep_top=k)`` without the list of all pairs: for every report
the candidate index gives its candidates, each pair's bins (pair_bins) and score are computed
on the spot, and only the report's k best are held (a small heap). A pair kept is in the k best
of at least one of its two reports, ties broken by the other report's id: the same rule, and
the same pairs, as the array path (tests compare them). The score is model.py's sum of weights.

Most pairs are not worth finishing. The cheap evidence (behaviours, attributes, offender
description, relationship, same person, time apart) is computed first; if those weights plus
the most the rest could add (the distance bins the chord between the places allows, the best
time-of-day and day-of-week weights) cannot reach the report's current k-th best, the pair is
dropped before any trigonometry.
"""

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.candidate_index import (
    CandidateIndex,
    candidate_index,
    locality_order,
    row_candidates,
)
from caselink.linkage.compiled import compiled
from caselink.linkage.evidence import EvidenceMaker
from caselink.linkage.frame import ReportFrame
from caselink.linkage.model import LinkModel
from caselink.linkage.pair_bins import (
    ModelTables,
    PairData,
    cheap_bins,
    costly_bins,
    distance_bound,
    model_tables,
    pair_data,
    pair_order,
    slot_bins,
)
from caselink.linkage.settings import LinkSettings

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]

_MARGIN = 1e-9  # bounds are sums in another order: allow for the rounding


@compiled
def _weight_sum(weights: Floats, weight_start: Ints, slot: Ints, features: Ints, sb: Ints) -> float:
    total = 0.0
    for f in features:
        total += weights[weight_start[f] + sb[slot[f]]]
    return total


@compiled
def _worse(s1: float, id1: int, s2: float, id2: int) -> bool:
    return s1 < s2 or (s1 == s2 and id1 > id2)


@compiled
def _push(hs: Floats, ho: Ints, hid: Ints, size: int, s: float, o: int, oid: int) -> int:
    # a heap with the worst kept link at the root; returns the new size
    k = hs.shape[0]
    if size < k:
        p = size
        size += 1
        while p > 0:
            parent = (p - 1) // 2
            if not _worse(s, oid, hs[parent], hid[parent]):
                break
            hs[p], ho[p], hid[p] = hs[parent], ho[parent], hid[parent]
            p = parent
        hs[p], ho[p], hid[p] = s, o, oid
        return size
    if not _worse(hs[0], hid[0], s, oid):
        return size
    p = 0
    while True:
        c = 2 * p + 1
        if c >= k:
            break
        if c + 1 < k and _worse(hs[c + 1], hid[c + 1], hs[c], hid[c]):
            c += 1
        if not _worse(hs[c], hid[c], s, oid):
            break
        hs[p], ho[p], hid[p] = hs[c], ho[c], hid[c]
        p = c
    hs[p], ho[p], hid[p] = s, o, oid
    return size


class Scratch(NamedTuple):
    """Working arrays of one thread: candidates, bins and the heap."""

    candidates: Ints
    bins: Ints
    heap_score: Floats
    heap_other: Ints
    heap_id: Ints

    @classmethod
    def make(cls, pd: PairData, mt: ModelTables, keep_top: int) -> "Scratch":
        return cls(
            np.empty(pd.report_id.shape[0], np.int64),
            slot_bins(mt),
            np.empty(keep_top, np.float64),
            np.empty(keep_top, np.int64),
            np.empty(keep_top, np.int64),
        )


@compiled
def _top_of_rows(
    ix: CandidateIndex,
    pd: PairData,
    mt: ModelTables,
    rows: Ints,
    min_score: float,
    top_score: Floats,
    top_other: Ints,
    scratch: Scratch,
) -> int:
    # Each row's best candidates into top_score/top_other[row] (other = -1: empty slot).
    # Returns how many pairs were scored in full. Without reference counting, so nothing here
    # allocates: the caller hands over the scratch arrays.
    k = top_score.shape[1]
    out, sb = scratch.candidates, scratch.bins
    hs, ho, hid = scratch.heap_score, scratch.heap_other, scratch.heap_id
    weights, at, slot = mt.weights, mt.weight_start, mt.slot
    chord2, grid2, near = mt.chord2_edges, mt.grid2_edges, mt.distance_near
    costly_best = 0.0
    for f in mt.costly:
        if f != mt.distance:
            costly_best += mt.best[f]
    full = 0
    for i in rows:
        size = 0
        m = row_candidates(ix, i, out)
        for q in range(m):
            j = out[q]
            a, b = pair_order(pd, i, j)
            cheap_bins(pd, mt, a, b, sb)
            cheap = mt.offset + _weight_sum(weights, at, slot, mt.cheap, sb)
            bound = cheap + costly_best
            if mt.distance >= 0:
                bound += distance_bound(pd.reals, a, b, chord2, grid2, near)
            if bound < min_score - _MARGIN or (size == k and bound < hs[0] - _MARGIN):
                continue
            costly_bins(pd, mt, a, b, sb)
            s = cheap + _weight_sum(weights, at, slot, mt.costly, sb)
            full += 1
            if s < min_score:
                continue
            size = _push(hs, ho, hid, size, s, j, pd.report_id[j])
        for r in range(k):
            top_score[i, r] = hs[r] if r < size else -math.inf
            top_other[i, r] = ho[r] if r < size else -1
    return full


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
    ix = candidate_index(local, settings)
    pd = pair_data(local, EvidenceMaker(local, model.domains(), model.attributes()), perm)
    mt = model_tables(model, local, pd)
    n = frame.n
    top_score = np.full((n, keep_top), -np.inf)
    top_other = np.full((n, keep_top), -1, np.int64)
    floor = -math.inf if min_score is None else float(min_score)
    # Blocks of neighbouring rows (the frame is in locality order), taken by whichever thread
    # is free: rows of one block share most of their candidates, whose facts stay in cache.
    block = max(1, min(1024, -(-n // (16 * settings.threads))))
    done = 0

    def work(start: int) -> int:
        rows = np.arange(start, min(start + block, n), dtype=np.int64)
        scratch = Scratch.make(pd, mt, keep_top)
        _top_of_rows(ix, pd, mt, rows, floor, top_score, top_other, scratch)
        return int(rows.shape[0])

    with ThreadPoolExecutor(max_workers=settings.threads) as pool:
        for finished in pool.map(work, range(0, n, block)):
            done += finished
            if progress is not None:
                progress(done, n)
    held = top_other >= 0
    i = perm[np.repeat(np.arange(n, dtype=np.int64), keep_top)[held.ravel()]]
    j = perm[top_other[held]]
    s = top_score[held]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    # a pair in both its reports' lists appears twice, with the same score
    _, first = np.unique(lo * n + hi, return_index=True)
    return lo[first], hi[first], s[first]
