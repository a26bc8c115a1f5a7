"""The candidate pairs a training sample holds, found from the compiled candidate index.

Every linked pair among the solved reports, and the unlinked ones kept at the highest rate (a
power of a half, ``sampling``) that keeps at most a cap of them: the pairs are found once, on
both threads, the latitude/longitude pairs tile by tile as the scorer finds them.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.offences.candidate_index import (
    MAX_SLICES,
    CandidateIndex,
    block_slices,
    candidate_index,
    latlon_blocks,
    pairs_from,
    row_candidates,
    slice_pairs,
)
from caselink.linkage.offences.frame import ReportFrame
from caselink.linkage.offences.jit import compiled
from caselink.linkage.offences.pair_sampling import (
    LEVELS,
    Thinning,
    keeps,
    level_for,
    thinned_out,
)
from caselink.linkage.offences.settings import LinkSettings

Ints = NDArray[np.int64]

# the training sample finds latitude/longitude pairs a block of this many rows against a part of
# a slice of this many at a time, as the scorer does: the facts of both stay in cache
_SAMPLE_BLOCK, _SAMPLE_CHUNK = 64, 256
_SAMPLE_ROOM = 1 << 20  # pairs a thread's tiles are kept in at first (doubled as a block needs)


@compiled
def _sampled_tiles(
    ix: CandidateIndex,
    blocks: Ints,
    b: int,
    b_last: int,
    thinning: Thinning,
    levels: Ints,
    out_i: Ints,
    out_j: Ints,
    first: Ints,
    last: Ints,
    pair_i: Ints,
    pair_j: Ints,
    pair_d2: NDArray[np.float64],
) -> tuple[int, int]:
    # The pairs (i < j) of two latitude/longitude places that ``thinning`` keeps, of the rows
    # of blocks b..b_last - 1 (``latlon_blocks``) and their candidates below them, found tile
    # by tile as the scorer finds them, unlinked pairs counted in ``levels`` as
    # ``sampling.thinned_out`` counts them; stops before a block whose tiles out_i/out_j may
    # not have room for. Returns how many pairs were written and the block to go on from.
    count = 0
    while b < b_last:
        b0, b1 = blocks[b], blocks[b + 1]
        if not ix.has_ll[b0]:
            b += 1
            continue
        n_slices = block_slices(ix, b0, b1, first, last)
        room = 0
        for s in range(n_slices):
            room += (last[s] - first[s]) * (b1 - b0)
        if count + room > out_i.shape[0]:
            break
        for s in range(n_slices):
            for p0 in range(first[s], last[s], _SAMPLE_CHUNK):
                p1 = min(p0 + _SAMPLE_CHUNK, last[s])
                m = slice_pairs(ix, b0, b1, p0, p1, pair_i, pair_j, pair_d2)
                for q in range(m):
                    i, j = pair_i[q], pair_j[q]
                    if not thinned_out(thinning, i, j, levels):
                        out_i[count], out_j[count] = j, i  # slice_pairs gives j < i
                        count += 1
        b += 1
    return count, b


@compiled
def _count_levels(
    ix: CandidateIndex, rows: Ints, thinning: Thinning, found: Ints, out: Ints
) -> None:
    # the unlinked candidate pairs found from a row of ``rows``, counted in ``out`` by level as
    # ``sampling.thinned_out`` counts them (every level, at the default ``thinning.counted``)
    for p in range(rows.shape[0]):
        j = rows[p]
        m = row_candidates(ix, j, found, True)
        for q in range(m):
            thinned_out(thinning, found[q], j, out)


def sampled_pairs(
    frame: ReportFrame,
    settings: LinkSettings,
    rows: Ints,
    thinning: Thinning,
    cap: int,
    every: int = 64,
    extra_levels: int = 1,
) -> tuple[Ints, Ints, float]:
    """The candidate pairs (i < j) among ``rows`` that a training sample holds: every linked
    pair, and the unlinked pairs kept at the highest rate keeping at most ``cap`` of them
    (``sampling.level_for``), with that rate; ``thinning``'s own rate is not read.

    The rate depends on every pair, yet the pairs are found once: the pairs of every
    ``every``-th row give an estimate of the rate, the one pass over all the pairs (on
    ``settings.threads`` threads) keeps them at ``2 ** extra_levels`` times that rate while
    counting those at and just above it by level, and the exact rate then thins what it kept.
    Only when the estimate was too low (the exact rate is higher than the pass kept) are the
    pairs found again, counting every level, and once more at the exact rate.

    The pass works on a frame of ``rows`` alone, in ``frame``'s order: of a frame in locality
    order, its latitude/longitude pairs are found tile by tile as the scorer finds them, and
    only the levels near the rate are counted: row by row, with every level counted, the pass
    read each candidate's facts from memory once per row and counted levels no rate needs."""
    members = np.unique(rows)
    n = members.shape[0]
    ix = candidate_index(frame.take(members), settings)
    local = _member_thinning(thinning, members, frame.n)
    found = np.empty(n, np.int64)
    estimate = np.zeros(LEVELS, np.int64)
    _count_levels(ix, np.arange(0, n, every, dtype=np.int64), local, found, estimate)
    first = max(0, level_for(estimate * every, cap) - extra_levels)
    # the pass counts the levels from first - 1 on (the level of most pairs is not worked
    # out): enough to find the rate unless it is above 2**-first
    rate = 0.5**first
    i, j, levels = _sample(ix, local._replace(rate=rate, counted=2 * rate), settings.threads)
    if first > 0 and levels[first - 1 :].sum() <= cap:
        # the estimate was too low: every level is needed
        i, j, levels = _sample(ix, local._replace(rate=rate), settings.threads)
    exact = level_for(levels, cap)
    rate = 0.5**exact
    if exact < first:
        i, j, _ = _sample(ix, local._replace(rate=rate), settings.threads)
    elif exact > first:
        keep = np.empty(i.shape[0], np.bool_)
        _kept(local._replace(rate=rate), i, j, keep)
        i, j = i[keep], j[keep]
    return members[i], members[j], rate


def _member_thinning(thinning: Thinning, members: Ints, n: int) -> Thinning:
    # ``thinning`` for the frame of ``members`` (sorted rows of a frame of n rows): every linked
    # pair is of two members, and its key keeps its place in the sorted keys
    a, b = np.divmod(thinning.linked_keys, n)
    pa, pb = np.searchsorted(members, a), np.searchsorted(members, b)
    return Thinning(
        thinning.rate,
        thinning.report_id[members],
        thinning.row_group[members],
        pa * members.shape[0] + pb,
    )


def _sample(ix: CandidateIndex, thinning: Thinning, threads: int) -> tuple[Ints, Ints, Ints]:
    # the pairs of ``ix``'s rows that ``thinning`` keeps, and the unlinked pairs by level (those
    # ``thinning.counted`` counts), found on ``threads`` threads taking runs of blocks (the
    # latitude/longitude pairs, tile by tile) and parts of the rows (the others) in turn
    n = ix.lo.shape[0]
    blocks = latlon_blocks(ix, _SAMPLE_BLOCK)
    n_blocks = blocks.shape[0] - 1
    run = max(1, -(-n_blocks // (16 * threads)))
    size = max(n, 1 << 20)  # room for any one report's candidates
    no_sources = np.zeros(0, np.bool_)  # every pair found from its higher row

    def tiles(b: int) -> tuple[list[Ints], list[Ints], Ints]:
        end, room = min(b + run, n_blocks), _SAMPLE_ROOM
        levels = np.zeros(LEVELS, np.int64)
        first, last = np.empty(MAX_SLICES, np.int64), np.empty(MAX_SLICES, np.int64)
        pair_i = np.empty(_SAMPLE_BLOCK * _SAMPLE_CHUNK, np.int64)
        pair_j = np.empty(_SAMPLE_BLOCK * _SAMPLE_CHUNK, np.int64)
        pair_d2 = np.empty(_SAMPLE_BLOCK * _SAMPLE_CHUNK)
        out_i, out_j = np.empty(room, np.int64), np.empty(room, np.int64)
        got_i, got_j = [], []
        while b < end:
            count, after = _sampled_tiles(
                ix,
                blocks,
                b,
                end,
                thinning,
                levels,
                out_i,
                out_j,
                first,
                last,
                pair_i,
                pair_j,
                pair_d2,
            )
            if after == b:  # one block's tiles may need more room than there is
                room *= 2
                out_i, out_j = np.empty(room, np.int64), np.empty(room, np.int64)
                continue
            got_i.append(out_i[:count].copy())
            got_j.append(out_j[:count].copy())
            b = after
        return got_i, got_j, levels

    def others(part: Ints) -> tuple[list[Ints], list[Ints], Ints]:
        found, levels = np.empty(n, np.int64), np.zeros(LEVELS, np.int64)
        out_i, out_j = np.empty(size, np.int64), np.empty(size, np.int64)
        got_i, got_j, position = [], [], 0
        while position < part.shape[0]:
            count, position = pairs_from(
                ix, part, position, out_i, out_j, found, thinning, levels, True, no_sources, False
            )
            got_i.append(out_i[:count].copy())
            got_j.append(out_j[:count].copy())
        return got_i, got_j, levels

    rows = np.arange(n, dtype=np.int64)
    parts = [p for p in np.array_split(rows, 16 * threads) if p.shape[0]]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        tiled = pool.map(tiles, range(0, n_blocks, run))
        done = [*tiled, *pool.map(others, parts)]
    i = np.concatenate([a for got_i, _, _ in done for a in got_i] or [np.zeros(0, np.int64)])
    j = np.concatenate([b for _, got_j, _ in done for b in got_j] or [np.zeros(0, np.int64)])
    levels = np.sum([lv for _, _, lv in done], axis=0) if done else np.zeros(LEVELS, np.int64)
    return i, j, np.asarray(levels, dtype=np.int64)


@compiled
def _kept(thinning: Thinning, i: Ints, j: Ints, out: NDArray[np.bool_]) -> None:
    for q in range(i.shape[0]):
        out[q] = keeps(thinning, i[q], j[q])
