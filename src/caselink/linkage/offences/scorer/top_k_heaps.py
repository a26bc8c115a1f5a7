"""Each report's best links while a run scores its pairs: a heap of the k best a report,
with a bar that drops pairs of no use to it, and the kept pairs listed once each at the end."""

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.offences.jit import compiled

Ints = NDArray[np.int64]
Rows = NDArray[np.int32]
Floats = NDArray[np.float64]


@compiled
def _worse(s1: float, o1: int, s2: float, o2: int, report_id: Ints) -> bool:
    # whether the link to row o1 scoring s1 ranks below the link to row o2 scoring s2: ties go
    # to the lower report id, which is only looked up for a tie
    return s1 < s2 or (s1 == s2 and report_id[o1] > report_id[o2])


@compiled
def _push(hs: Floats, ho: Rows, size: int, s: float, o: int, report_id: Ints) -> int:
    # a heap with the worst kept link at the root; returns the new size
    k = hs.shape[0]
    if size < k:
        p = size
        size += 1
        while p > 0:
            parent = (p - 1) // 2
            if not _worse(s, o, hs[parent], ho[parent], report_id):
                break
            hs[p], ho[p] = hs[parent], ho[parent]
            p = parent
        hs[p], ho[p] = s, o
        return size
    if not _worse(hs[0], ho[0], s, o, report_id):
        return size
    p = 0
    while True:
        c = 2 * p + 1
        if c >= k:
            break
        if c + 1 < k and _worse(hs[c + 1], ho[c + 1], hs[c], ho[c], report_id):
            c += 1
        if not _worse(hs[c], ho[c], s, o, report_id):
            break
        hs[p], ho[p] = hs[c], ho[c]
        p = c
    hs[p], ho[p] = s, o
    return size


class Heaps(NamedTuple):
    """Every report's best links so far: row i's heap is score/other[i, :size[i]], with the
    worst kept link at the root (ties broken by ``report_id`` of the other row); ``bar[i]`` is
    the score a pair must reach to be of use to row i (ties aside): the root once the heap is
    full, or a known lower bound of row i's final k-th best (the root of a sibling's heap),
    whichever is higher. The bars sit in an array of their own, so the test that drops most
    pairs reads 8 bytes of each candidate, not a heap. The other row is held in 32 bits: at
    ten national years the heaps are most of a run's memory."""

    score: Floats
    other: Rows
    size: Ints
    bar: Floats
    report_id: Ints

    @classmethod
    def make(cls, n: int, keep_top: int, bar: Floats, report_id: Ints) -> "Heaps":
        if n > np.iinfo(np.int32).max:
            raise ValueError(f"{n} reports are more than one run can rank")
        return cls(
            np.full((n, keep_top), -np.inf),
            np.full((n, keep_top), -1, np.int32),
            np.zeros(n, np.int64),
            bar.copy(),
            report_id,
        )

    def sibling(self) -> "Heaps":
        """Empty heaps for another thread, sharing these heaps' bars: every heap's bar is a
        score k real links of its report reach, so the highest any thread has seen is a
        lower bound of the report's final k-th best, and each thread drops pairs by it."""
        n, keep_top = self.score.shape
        return Heaps.make(n, keep_top, self.bar, self.report_id)._replace(bar=self.bar)


@compiled
def offer(heaps: Heaps, i: int, s: float, o: int) -> None:
    """The link to row o scoring s offered to row i's heap.

    A link below row i's bar cannot make its final list, and once a bar is set the final heap
    is full (some thread's heap of it was), so ``_in_heap`` still tells it is not there: the
    bar, 8 bytes a row, spares reading the heap of a row the link is of no use to."""
    h = heaps
    if s < h.bar[i]:
        return
    h.size[i] = _push(h.score[i], h.other[i], h.size[i], s, o, h.report_id)
    if h.size[i] == h.score.shape[1] and h.score[i, 0] > h.bar[i]:
        h.bar[i] = h.score[i, 0]


@compiled
def merge(into: Heaps, other: Heaps) -> None:
    """Every link of ``other`` offered to ``into`` (each pair was scored by one thread only)."""
    for i in range(into.size.shape[0]):
        for r in range(other.size[i]):
            offer(into, i, other.score[i, r], other.other[i, r])


@compiled
def _in_heap(heaps: Heaps, i: int, s: float, o: int) -> bool:
    # whether row i's final heap holds the link to row o scoring s, a link offered to i: the
    # heap keeps every link offered while it is not full, and after that those not below its
    # root (link ids are unique, so only the root itself ties the root)
    if heaps.size[i] < heaps.score.shape[1]:
        return True
    return not _worse(s, o, heaps.score[i, 0], heaps.other[i, 0], heaps.report_id)


@compiled
def kept_links(heaps: Heaps, perm: Ints, lo: Ints, hi: Ints, s: Floats, write: bool) -> None:
    """Every kept pair once, as rows of the caller's frame (``perm`` of the heaps' rows; lo <
    hi) and score; without ``write`` only counted, into lo[0]. A pair in both its rows' heaps
    is taken from the lower row's."""
    count = 0
    for i in range(heaps.size.shape[0]):
        for r in range(heaps.size[i]):
            o = heaps.other[i, r]
            if o < i and _in_heap(heaps, o, heaps.score[i, r], i):
                continue
            if write:
                a, b = perm[i], perm[o]
                lo[count], hi[count], s[count] = min(a, b), max(a, b), heaps.score[i, r]
            count += 1
    if not write:
        lo[0] = count
