"""Figures of merit for ranked links: ROC AUC over pairs and top-k recall per report.

``roc_auc`` and ``top_k_recall`` define them over scores held in memory; ``RankTally`` gives the
same figures over pairs that stream past in batches, which is how a national evaluation counts
hundreds of millions of test pairs without holding them.
"""

import copy
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from caselink.linkage.offences.jit import compiled

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


class RankTally:
    """Out-of-fold figures accumulated batch by batch without holding every test score: the
    AUC as P(linked > unlinked) + P(tie) / 2 against the sorted linked scores, and each
    report's rank as the count of its candidates scoring at least its best linked one."""

    def __init__(self, n_rows: int, i: Ints, j: Ints, linked_scores: Floats) -> None:
        """``i``, ``j``: every linked pair there is, with its score."""
        self.linked_sorted = np.sort(linked_scores)
        self.best = np.full(n_rows, -np.inf)
        np.maximum.at(self.best, i, linked_scores)
        np.maximum.at(self.best, j, linked_scores)
        self.at_least = np.zeros(n_rows)
        self.n_unlinked = 0
        self.wins = 0.0
        # where each of a few buckets of score starts among the sorted linked scores: an
        # unlinked score is placed by a search within its bucket's neighbours, not all of them
        ls = self.linked_sorted
        lo, hi = (float(ls[0]), float(ls[-1])) if ls.shape[0] else (0.0, 0.0)
        buckets = max(1, 4 * ls.shape[0]) if hi > lo else 1
        self._lo = lo
        self._scale = buckets / (hi - lo) if hi > lo else 0.0
        edges = lo + (hi - lo) * np.arange(buckets + 1) / buckets
        self._first = np.searchsorted(ls, edges, side="left").astype(np.int64)
        self._first[-1] = ls.shape[0]

    def counter(self) -> "RankTally":
        """A tally of the same linked pairs with counts of its own, for batches counted on
        another thread; ``absorb`` adds its counts back."""
        twin = copy.copy(self)
        twin.at_least = np.zeros_like(self.at_least)
        twin.n_unlinked = 0
        twin.wins = 0.0
        return twin

    def absorb(self, other: "RankTally") -> None:
        """Add the counts of ``other``, a ``counter`` of this tally (the counts are whole and
        half numbers, so the order of adding does not change the figures)."""
        self.at_least += other.at_least
        self.n_unlinked += other.n_unlinked
        self.wins += other.wins

    def add(self, i: Ints, j: Ints, s: Floats, linked: NDArray[np.bool_]) -> None:
        wins, n_unlinked = _tally(
            np.ascontiguousarray(i, dtype=np.int64),
            np.ascontiguousarray(j, dtype=np.int64),
            np.ascontiguousarray(s, dtype=np.float64),
            np.ascontiguousarray(linked, dtype=np.bool_),
            self.best,
            self.at_least,
            self.linked_sorted,
            self._first,
            self._lo,
            self._scale,
        )
        self.wins += wins  # whole and half counts: exact in a float up to 2**52
        self.n_unlinked += n_unlinked

    def figures(self, reports: Ints, ks: Sequence[int] = (1, 5, 10, 50)) -> dict[str, float]:
        """``auc`` and ``top{k}`` as ``roc_auc`` and ``top_k_recall`` define them."""
        n_linked = self.linked_sorted.shape[0]
        auc = self.wins / (n_linked * self.n_unlinked) if n_linked and self.n_unlinked else np.nan
        rank = np.where(np.isfinite(self.best), self.at_least, np.inf)[reports]
        recall = {
            f"top{k}": float(np.mean(rank <= k)) if reports.shape[0] else float("nan") for k in ks
        }
        return {"auc": float(auc), **recall}


@compiled
def _tally(
    i: Ints,
    j: Ints,
    s: Floats,
    linked: NDArray[np.bool_],
    best: Floats,
    at_least: Floats,
    linked_sorted: Floats,
    first: Ints,
    lo: float,
    scale: float,
) -> tuple[float, int]:
    # RankTally.add in one pass: each report's count of candidates at or above its best
    # linked score, and each unlinked score's wins (linked scores above it, ties half)
    wins = 0.0
    n_unlinked = 0
    n_linked = linked_sorted.shape[0]
    buckets = first.shape[0] - 1
    for q in range(s.shape[0]):
        v = s[q]
        if v >= best[i[q]]:
            at_least[i[q]] += 1.0
        if v >= best[j[q]]:
            at_least[j[q]] += 1.0
        if linked[q]:
            continue
        n_unlinked += 1
        if n_linked == 0:
            continue
        if v < lo:
            wins += n_linked
            continue
        if math.isnan(v):  # beats no linked score and ties none, as a NaN sorts last
            continue
        b = int(min((v - lo) * scale, buckets))
        # two buckets either side: the bucket found from a float may be one off
        start = first[max(b - 2, 0)]
        stop = first[min(b + 3, buckets)]
        part = linked_sorted[start:stop]
        below = start + np.searchsorted(part, v, side="left")
        upto = start + np.searchsorted(part, v, side="right")
        wins += (n_linked - upto) + 0.5 * (upto - below)
    return wins, n_unlinked
