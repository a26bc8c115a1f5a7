"""Which candidate pairs a training sample keeps: every linked pair, and each other pair when a
number drawn from its two report ids falls below a rate.

The number is the splitmix64 finaliser of the ordered id pair, scaled to [0, 1): fixed by the
report ids alone, not by row order or batch, so the sample is the same whatever order the pairs
come in, and a lower rate keeps a subset of what a higher one kept. Rates are powers of a half:
a pair's ``level`` is how many halvings of the rate it survives, so a count of pairs by level
says at once how many each rate keeps. ``Thinning`` lets the compiled candidate index apply the
rule as it finds the pairs, so the pairs a sample drops are never handed over at all.
"""

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.offences.jit import compiled, inlined

Ints = NDArray[np.int64]

LEVELS = 64


class Thinning(NamedTuple):
    """The sampling rule for pairs of a frame's rows."""

    rate: float
    report_id: Ints  # of every row
    row_group: Ints  # only rows of one group (>= 0) can be linked
    linked_keys: Ints  # sorted min(i, j) * n + max(i, j) of the linked pairs
    # unlinked pairs are counted by level only when their number is below this: a pass at the
    # rate 2**-k need only count the levels from k - 1 on to tell whether that rate is the one
    counted: float = 1.0


@compiled
def id_uniform(id_a: int, id_b: int) -> float:
    """The pair's number in [0, 1), the same whichever id comes first."""
    a, b = np.uint64(min(id_a, id_b)), np.uint64(max(id_a, id_b))
    z = a * np.uint64(0x9E3779B97F4A7C15) + b
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return float(z >> np.uint64(11)) / 9007199254740992.0  # 2 ** 53


@compiled
def level_of(u: float) -> int:
    """The level of a pair whose number is ``u``: the highest k (at most LEVELS - 1) for which
    the rate 2**-k keeps it (u < 2**-k), read off the exponent of u (u is m * 2**e with
    0.5 <= m < 1, so k = -e): a loop halving the rate would spend its time in mispredicted
    branches."""
    if u <= 0.0:
        return LEVELS - 1
    return min(-math.frexp(u)[1], LEVELS - 1)


def level_for(level_counts: Ints, cap: int) -> int:
    """The k of the highest rate 2**-k that keeps at most ``cap`` of the pairs counted by
    level."""
    kept = np.cumsum(level_counts[::-1])[::-1]  # kept[k]: the pairs the rate 2**-k keeps
    return int(np.argmax(kept <= cap)) if (kept <= cap).any() else LEVELS - 1


@compiled
def is_linked_pair(t: Thinning, i: int, j: int) -> bool:
    """Whether rows i and j are a linked pair."""
    g = t.row_group[i]
    if g < 0 or g != t.row_group[j] or t.linked_keys.shape[0] == 0:
        return False
    key = min(i, j) * t.row_group.shape[0] + max(i, j)
    p = np.searchsorted(t.linked_keys, key)
    return bool(p < t.linked_keys.shape[0] and t.linked_keys[p] == key)


@compiled
def keeps(t: Thinning, i: int, j: int) -> bool:
    """Whether the sample keeps the pair of rows i and j at the current rate."""
    return id_uniform(t.report_id[i], t.report_id[j]) < t.rate or is_linked_pair(t, i, j)


@inlined
def thinned_out(thinning: Thinning, i: int, j: int, levels: Ints) -> bool:
    """Whether the sample drops the pair of rows i and j; an unlinked pair is counted in
    ``levels`` by its level, kept or not, if its number is below ``thinning.counted``."""
    if is_linked_pair(thinning, i, j):
        return False
    u = id_uniform(thinning.report_id[i], thinning.report_id[j])
    if u < thinning.counted:
        levels[level_of(u)] += 1
    return u >= thinning.rate
