"""ROC AUC and top-k recall."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from caselink.linkage.offences.training.metrics import (
    RankTally,
    best_linked_rank,
    roc_auc,
    top_k_recall,
)


def test_auc_agrees_with_scikit_learn_including_ties() -> None:
    rng = np.random.default_rng(0)
    y = rng.random(500) < 0.2
    s = np.round(rng.normal(y * 1.0, 1.0), 1)
    assert roc_auc(s, y) == pytest.approx(roc_auc_score(y, s))
    assert np.isnan(roc_auc(s, np.zeros(500, bool)))


def test_rank_counts_ties_against_the_link() -> None:
    # report 0 has candidates 1 (linked, 2.0), 2 (2.0) and 3 (5.0)
    i = np.array([0, 0, 0])
    j = np.array([1, 2, 3])
    s = np.array([2.0, 2.0, 5.0])
    linked = np.array([True, False, False])
    rank = best_linked_rank(i, j, s, linked, 4)
    assert rank[0] == 3  # 3 candidates score at least 2.0
    assert rank[1] == 1  # report 1's only candidate is its link
    assert np.isinf(rank[2])
    got = top_k_recall(i, j, s, linked, np.array([0, 1]), 4, ks=(1, 3))
    assert got == {1: 0.5, 3: 1.0}


def test_streamed_figures_equal_the_in_memory_ones() -> None:
    rng = np.random.default_rng(3)
    n_rows, n_pairs = 60, 900
    i = rng.integers(0, n_rows - 1, n_pairs)
    j = np.minimum(i + rng.integers(1, 20, n_pairs), n_rows - 1)
    keep = i < j
    i, j = i[keep], j[keep]
    linked = rng.random(i.shape[0]) < 0.1
    s = np.round(rng.normal(linked * 1.5, 1.0), 1)  # rounded: plenty of ties
    reports = np.unique(np.concatenate([i[linked], j[linked]]))
    tally = RankTally(n_rows, i[linked], j[linked], s[linked])
    for part in np.array_split(np.arange(i.shape[0]), 7):
        tally.add(i[part], j[part], s[part], linked[part])
    got = tally.figures(reports, ks=(1, 5, 10))
    assert got["auc"] == pytest.approx(roc_auc(s, linked))
    expected = top_k_recall(i, j, s, linked, reports, n_rows, ks=(1, 5, 10))
    assert {k: got[f"top{k}"] for k in (1, 5, 10)} == expected


def test_streamed_auc_with_every_linked_score_equal_and_scores_beyond_them() -> None:
    i, j = np.array([0, 1, 2, 3, 4]), np.array([5, 6, 7, 8, 9])
    linked = np.array([True, True, False, False, False])
    s = np.array([1.0, 1.0, 0.0, 1.0, 2.0])
    tally = RankTally(10, i[linked], j[linked], s[linked])
    tally.add(i, j, s, linked)
    # linked pairs beat 0.0, tie 1.0 and lose to 2.0: (2 + 1 + 0) / (2 * 3)
    assert tally.figures(np.arange(10))["auc"] == pytest.approx(roc_auc(s, linked)) == 0.5
