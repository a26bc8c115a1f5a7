"""Ranks within groups: where each report's links stand in that report's own list."""

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]


def rank_within(group: Ints, *keys: NDArray[np.generic]) -> Ints:
    """Each element's 0-based rank within its ``group``, ordered by ``keys`` (first key first,
    each ascending); equal keys are ranked in input order."""
    order = np.lexsort((*reversed(keys), group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if g.shape[0] else np.zeros(0, int)
    sorted_rank = np.arange(g.shape[0]) - np.repeat(starts, np.diff(np.r_[starts, g.shape[0]]))
    rank = np.empty(g.shape[0], dtype=np.int64)
    rank[order] = sorted_rank
    return rank
