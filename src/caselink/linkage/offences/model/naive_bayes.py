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

from caselink.linkage.offences.jit import compiled
from caselink.linkage.offences.model.features import Bins, Feature

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


@compiled
def _count(
    bins: Bins, linked: NDArray[np.bool_], weights: Floats, start: Ints, out: Floats
) -> None:
    # out[0 or 1, start[k] + bin] += weight, for every pair and feature k, in one pass over
    # the bin matrix in its own (row) order
    for r in range(bins.shape[0]):
        side = 0 if linked[r] else 1
        w = weights[r]
        for k in range(bins.shape[1]):
            out[side, start[k] + bins[r, k]] += w


def bin_counts(
    bins: Bins, linked: NDArray[np.bool_], n_bins: Sequence[int], weights: Floats | None = None
) -> list[tuple[Floats, Floats]]:
    """Weighted counts of linked and unlinked pairs per bin, for each feature column."""
    start = np.concatenate([[0], np.cumsum(n_bins)]).astype(np.int64)
    out = np.zeros((2, int(start[-1])))
    w = np.ones(bins.shape[0]) if weights is None else np.asarray(weights, np.float64)
    if bins.shape[0]:
        _count(np.ascontiguousarray(bins), np.asarray(linked, bool), w, start, out)
    return [
        (out[0, start[k] : start[k + 1]], out[1, start[k] : start[k + 1]])
        for k in range(len(n_bins))
    ]


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
    by_feature = bin_counts(bins, linked, [f.n_bins for f in features], weights)
    for f, (n_l, n_u) in zip(features, by_feature, strict=True):
        out.append([float(v) for v in shrunk_log_bayes_factors(n_l, n_u, shrinkage)])
        counts[f.name] = [n_l.tolist(), n_u.tolist()]
    return out, 0.0, counts
