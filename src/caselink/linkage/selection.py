"""Cross-validation that splits offenders, and the choice of model family by it.

Folds are drawn over offender groups (offenders joined by a shared report), so no offender has
reports on both sides. In each fold every family is fitted on the pairs whose two reports are
both in the training folds (plus feedback pairs that touch no test report) and scored on the
pairs whose two reports are both in the test fold. The test-fold scores of all folds are pooled:
every labelled report is a test report exactly once.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.features import Feature
from caselink.linkage.fitting import fit_family
from caselink.linkage.frame import ReportFrame
from caselink.linkage.labels import Labelled
from caselink.linkage.metrics import roc_auc, top_k_recall
from caselink.linkage.pairs import PairSet
from caselink.linkage.settings import LinkSettings

Ints = NDArray[np.int64]
KS = (1, 5, 10, 50)


def assign_folds(labelled: Labelled, folds: int, seed: int) -> Ints:
    """The fold of each labelled row: offender groups in random order, each placed in the fold
    with the fewest reports so far, so folds stay balanced even with a few long series."""
    if folds < 2:
        raise ValueError("at least 2 folds are needed")
    groups, sizes = np.unique(labelled.group, return_counts=True)
    if groups.shape[0] < folds:
        raise ValueError(f"{groups.shape[0]} offender groups cannot fill {folds} folds")
    rng = np.random.default_rng(seed)
    order = rng.permutation(groups.shape[0])
    # largest groups first (ties in random order) keeps the greedy balance close
    order = order[np.argsort(-sizes[order], kind="stable")]
    load = np.zeros(folds, dtype=np.int64)
    fold_of_group = np.zeros(groups.shape[0], dtype=np.int64)
    for g in order.tolist():
        f = int(np.argmin(load))
        fold_of_group[g] = f
        load[f] += sizes[g]
    return fold_of_group[np.searchsorted(groups, labelled.group)]


def cross_validate(
    frame: ReportFrame,
    labelled: Labelled,
    pairs: PairSet,
    features: Sequence[Feature],
    settings: LinkSettings,
    folds: int,
    seed: int,
    families: Sequence[str],
) -> dict[str, Any]:
    """Pooled out-of-fold figures per family (auc, top1..top50), with the pair counts and the
    fold of every labelled report id (``fold_of``: report id -> fold)."""
    fold_of_row = np.full(frame.n, -1, dtype=np.int64)
    fold_of_row[labelled.rows] = assign_folds(labelled, folds, seed)
    fi, fj = fold_of_row[pairs.i], fold_of_row[pairs.j]
    has_link = np.zeros(frame.n, dtype=bool)
    keys = labelled.linked_keys
    has_link[keys // frame.n] = True
    has_link[keys % frame.n] = True
    scores = {f: np.full(len(pairs), np.nan) for f in families}
    tested = np.zeros(len(pairs), dtype=bool)
    for k in range(folds):
        train_mask = (fi != k) & (fj != k) & ((fi >= 0) & (fj >= 0) | pairs.feedback)
        test_mask = (fi == k) & (fj == k) & ~pairs.feedback
        tested |= test_mask
        train = pairs.subset(train_mask)
        for family in families:
            model = fit_family(family, features, train, settings)
            scores[family][test_mask] = model.score_bins(pairs.bins[test_mask])
    test = pairs.subset(tested)
    reports_with_links = np.flatnonzero(has_link & (fold_of_row >= 0))
    out: dict[str, Any] = {
        "n_pairs": len(test),
        "n_linked_pairs": int(test.linked.sum()),
        "n_test_reports": int(labelled.rows.shape[0]),
        "n_reports_with_links": int(reports_with_links.shape[0]),
        "by_family": {},
        "fold_of": dict(
            zip(
                frame.report_id[labelled.rows].tolist(),
                fold_of_row[labelled.rows].tolist(),
                strict=True,
            )
        ),
    }
    for family in families:
        s = scores[family][tested]
        recall = top_k_recall(test.i, test.j, s, test.linked, reports_with_links, frame.n, KS)
        out["by_family"][family] = {
            "auc": roc_auc(s, test.linked),
            **{f"top{k}": v for k, v in recall.items()},
        }
    return out


def choose_family(by_family: dict[str, dict[str, float]]) -> str:
    """The family with the best mean of AUC and top-10 recall (the order of FAMILIES breaks a
    tie): AUC for separating pairs, top-10 for what an analyst sees first."""

    def merit(name: str) -> float:
        r = by_family[name]
        value = (r["auc"] + r["top10"]) / 2
        return -np.inf if np.isnan(value) else float(value)

    return max(by_family, key=merit)
