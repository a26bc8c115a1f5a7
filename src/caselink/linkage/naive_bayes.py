"""Naive Bayes over binned evidence with shrinkage (Porter & Reich's crimelinkage approach).

For each feature and bin b, with n_L(b), n_U(b) the (weighted) counts of linked and unlinked
training pairs in the bin and N_L, N_U their totals, the Bayes factor of the bin is the ratio
P(b | linked) / P(b | unlinked). Equivalently it is the ratio of the linked count observed in
the bin to the count expected there if the bin said nothing, E(b) = N_L n_U(b) / N_U. With a
Gamma prior of mean 1 and shape m (LinkSettings.shrinkage) on that ratio, its posterior mean is

    BF(b) = (n_L(b) + m) / (E(b) + m),      weight(b) = log BF(b)

so a bin with little evidence either way (few linked pairs seen *and* few expected) gets a
weight near 0, while a bin where many linked pairs were expected and none seen, or the reverse,
keeps a strong weight. m = 0 is the raw ratio (infinite when a count is 0). Features are taken
as independent given the link status, which is why the log Bayes factors add.
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
    """Per-bin log Bayes factors from linked and unlinked counts, shrunk as in the module doc;
    all zero when either class is empty."""
    total_l, total_u = float(n_l.sum()), float(n_u.sum())
    if total_l <= 0 or total_u <= 0:
        return np.zeros_like(n_l)
    expected = total_l * n_u / total_u
    with np.errstate(divide="ignore"):
        out = np.log(n_l + shrinkage) - np.log(expected + shrinkage)
    out[(n_l + n_u) == 0] = 0.0  # a bin never seen says nothing
    return np.asarray(out, dtype=np.float64)


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
