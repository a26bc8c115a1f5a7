"""Figures of merit for ranked links: ROC AUC over pairs and top-k recall per report."""

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


def roc_auc(scores: Floats, linked: NDArray[np.bool_]) -> float:
    """The probability that a random linked pair outscores a random unlinked one (ties count
    half), by the rank-sum identity; NaN when either class is absent."""
    n_pos = int(linked.sum())
    n_neg = int(linked.shape[0] - n_pos)
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[linked].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def best_linked_rank(
    i: Ints, j: Ints, scores: Floats, linked: NDArray[np.bool_], n_rows: int
) -> Floats:
    """For every row, the rank of its best-scoring linked candidate among all its candidates
    (1 = top), or inf when it has no linked candidate. Ties count against the link: the rank is
    the number of candidates scoring at least as high, so a flat model cannot look good."""
    src = np.concatenate([i, j])
    s = np.concatenate([scores, scores])
    lk = np.concatenate([linked, linked])
    best = np.full(n_rows, -np.inf)
    np.maximum.at(best, src[lk], s[lk])
    has = np.isfinite(best)
    at_least = np.bincount(src, weights=(s >= best[src]).astype(np.float64), minlength=n_rows)
    return np.where(has, at_least, np.inf)


def top_k_recall(
    i: Ints,
    j: Ints,
    scores: Floats,
    linked: NDArray[np.bool_],
    reports: Ints,
    n_rows: int,
    ks: Sequence[int] = (1, 5, 10, 50),
) -> dict[int, float]:
    """Share of ``reports`` whose best linked candidate ranks within the top k, for each k.

    ``reports`` are the rows that have at least one linked report in the set (whether or not it
    is a candidate): a linked report outside the candidate window is a miss, not left out.
    """
    rank = best_linked_rank(i, j, scores, linked, n_rows)[reports]
    if reports.shape[0] == 0:
        return {k: float("nan") for k in ks}
    return {k: float(np.mean(rank <= k)) for k in ks}
