"""Naive Bayes over binned evidence with shrinkage (Porter & Reich's crimelinkage approach).

For each feature and bin b, with n_L(b), n_U(b) the (weighted) counts of linked and unlinked
training pairs in the bin, N_L, N_U their totals and q(b) = (n_L(b) + n_U(b)) / (N_L + N_U) the
pooled share of the bin,

    P(b | linked)   = (n_L(b) + m q(b)) / (N_L + m)
    P(b | unlinked) = (n_U(b) + m q(b)) / (N_U + m)
    weight(b)       = log P(b | linked) - log P(b | unlinked)

m (LinkSettings.shrinkage) pseudo-pairs spread like the pooled data pull both estimates toward
the same value, so a bin seen in few linked pairs gets a weight near 0 instead of a wild one;
a bin never seen at all has weight 0. Features are assumed independent given the link status,
which is why the log Bayes factors add.
"""

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.features import Bins, Feature


def bin_counts(
    bins: Bins, linked: NDArray[np.bool_], n_bins: int, weights: NDArray[np.float64] | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Weighted counts of linked and unlinked pairs per bin of one feature column."""
    w_l = None if weights is None else weights[linked]
    w_u = None if weights is None else weights[~linked]
    n_l = np.bincount(bins[linked], weights=w_l, minlength=n_bins).astype(np.float64)
    n_u = np.bincount(bins[~linked], weights=w_u, minlength=n_bins).astype(np.float64)
    return n_l, n_u


def shrunk_log_bayes_factors(
    n_l: NDArray[np.float64], n_u: NDArray[np.float64], shrinkage: float
) -> NDArray[np.float64]:
    """Per-bin log Bayes factors from linked and unlinked counts, shrunk as in the module doc."""
    total_l, total_u = float(n_l.sum()), float(n_u.sum())
    pooled = n_l + n_u
    if total_l <= 0 or total_u <= 0:
        return np.zeros_like(n_l)
    q = pooled / pooled.sum()
    p_l = (n_l + shrinkage * q) / (total_l + shrinkage)
    p_u = (n_u + shrinkage * q) / (total_u + shrinkage)
    out = np.zeros_like(n_l)
    seen = (p_l > 0) & (p_u > 0)
    out[seen] = np.log(p_l[seen]) - np.log(p_u[seen])
    return out


def fit_naive_bayes(
    features: Sequence[Feature],
    bins: Bins,
    linked: NDArray[np.bool_],
    shrinkage: float,
    weights: NDArray[np.float64] | None = None,
) -> tuple[list[list[float]], float, dict[str, list[list[float]]]]:
    """Weights per feature and bin, the offset (0: the score is the summed log Bayes factor)
    and the counts behind them, from a bin matrix and the link status of each pair."""
    out: list[list[float]] = []
    counts: dict[str, list[list[float]]] = {}
    for k, f in enumerate(features):
        n_l, n_u = bin_counts(bins[:, k], linked, f.n_bins, weights)
        out.append([float(v) for v in shrunk_log_bayes_factors(n_l, n_u, shrinkage)])
        counts[f.name] = [n_l.tolist(), n_u.tolist()]
    return out, 0.0, counts
