"""Vectorised random draws the generator repeats in many places (numpy only)."""

import numpy as np


def categorical(shares: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One category index per row of ``shares`` (rows need not sum to one, only be non-negative).

    Drawing by inverse CDF on the cumulated rows keeps it one vectorised pass, which matters
    because the generator draws per report for hundreds of thousands of reports.
    """
    cum = np.cumsum(shares, axis=-1)
    u = rng.random(cum.shape[:-1]) * cum[..., -1]
    picked = (u[..., None] >= cum).sum(axis=-1)
    return np.asarray(np.minimum(picked, shares.shape[-1] - 1))


def choice(shares: np.ndarray | list[float], size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` indices drawn from one share vector (normalised here)."""
    p = np.asarray(shares, dtype=np.float64)
    return np.asarray(rng.choice(len(p), size=size, p=p / p.sum()))


def stochastic_round(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round each value up with probability equal to its fraction, so totals stay unbiased.

    Plain rounding would make small forces' rare codes vanish at small scales.
    """
    floor = np.floor(values)
    return np.asarray(floor + (rng.random(values.shape) < values - floor), dtype=np.int64)


def weighted_order(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sort keys for a weighted random order without replacement (the Gumbel-top-k trick).

    Taking the k largest keys is a draw of k items without replacement with probability
    proportional to ``weights``; a zero weight gives -inf and is never taken first.
    """
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(weights) + rng.gumbel(size=weights.shape))


def take_top_per_group(
    group: np.ndarray, keys: np.ndarray, wanted: np.ndarray, eligible: np.ndarray
) -> np.ndarray:
    """A boolean mask choosing, in each group g, the ``wanted[g]`` eligible rows with largest keys.

    Used to give each force an exact number of write-offs (or any quota) while the choice of
    which rows remains random.
    """
    rows = np.flatnonzero(eligible)
    order = rows[np.lexsort((-keys[rows], group[rows]))]
    g = group[order]
    starts = np.searchsorted(g, np.arange(len(wanted)))
    rank = np.arange(len(order)) - starts[g]
    mask = np.zeros(len(group), dtype=bool)
    mask[order[rank < wanted[g]]] = True
    return mask
