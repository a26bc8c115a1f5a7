"""Regularised logistic regression over one-hot bins (scikit-learn), the second model family.

Each feature's bins are one-hot columns with "unknown" as the reference, fitted with an L2
penalty (C = LinkSettings.logistic_c); each feature's weights are then centred so its mean
contribution over unlinked training pairs is 0. Unlike naive Bayes it accounts for features that
say the same thing twice (overall and per-domain behaviour similarity, say). Unlinked pairs
beyond ``max_unlinked_pairs`` are sampled and weighted up so the fit sees the full base rate.
The fitted log odds minus the training prior log odds is a log Bayes factor, on the same scale
as naive Bayes, so thresholds mean the same for both families.
"""

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from caselink.linkage.features import Bins, Feature

# the solver's gradient tolerance, relative to the linked pairs' share of the weight
_TOLERANCE = 1e-3


def one_hot(features: Sequence[Feature], bins: Bins) -> Any:
    """The sparse design matrix: one column per non-reference bin of every feature."""
    n = bins.shape[0]
    starts = np.cumsum([0] + [f.n_bins - 1 for f in features])
    rows, cols = [], []
    for k in range(len(features)):
        b = bins[:, k].astype(np.int64)
        keep = b > 0
        rows.append(np.flatnonzero(keep))
        cols.append(starts[k] + b[keep] - 1)
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    return sparse.csr_matrix((np.ones(r.shape[0]), (r, c)), shape=(n, int(starts[-1])))


def fit_logistic(
    features: Sequence[Feature],
    bins: Bins,
    linked: NDArray[np.bool_],
    c: float,
    max_unlinked: int,
    seed: int,
    weights: NDArray[np.float64] | None = None,
) -> tuple[list[list[float]], float, dict[str, Any]]:
    """Weights per feature and bin, and the intercept (log odds scale), from a bin matrix and
    the link status of each pair; with facts about the fit (sample sizes, convergence)."""
    w = np.ones(bins.shape[0]) if weights is None else weights.astype(np.float64)
    unlinked = np.flatnonzero(~linked)
    keep = np.flatnonzero(linked)
    w_fit = w.copy()
    if unlinked.shape[0] > max_unlinked:
        rng = np.random.default_rng(seed)
        chosen = np.sort(rng.choice(unlinked, size=max_unlinked, replace=False))
        w_fit[chosen] *= w[unlinked].sum() / w[chosen].sum()
        unlinked = chosen
    rows = np.sort(np.concatenate([keep, unlinked]))
    x = one_hot(features, bins[rows])
    y = linked[rows].astype(np.int64)
    # The solver stops when the gradient of the mean weighted loss falls below its tolerance.
    # Linked pairs carry a few ten-thousandths of the weight, so their share of that gradient
    # is always small: a fixed tolerance stopped after about a dozen steps, before their
    # evidence was fitted (weighted AUC on a national year's pairs 0.959 where the converged
    # fit gives 0.978; 0.751 against 0.983 on ten years). The tolerance is scaled by their
    # share.
    fit_w = w_fit[rows]
    share = float(fit_w[y == 1].sum() / fit_w.sum()) if fit_w.sum() > 0 else 1.0
    tol = _TOLERANCE * min(1.0, max(share, 1e-12))
    model = LogisticRegression(C=c, solver="lbfgs", max_iter=1000, tol=tol)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(x, y, sample_weight=fit_w)
    converged = not any(issubclass(m.category, ConvergenceWarning) for m in caught)
    coef = model.coef_[0]
    out: list[list[float]] = []
    intercept = float(model.intercept_[0])
    start = 0
    unlinked_w = w[~linked]
    for k, f in enumerate(features):
        width = f.n_bins - 1
        raw = np.r_[0.0, coef[start : start + width]]
        start += width
        # Centre each feature on a typical unrelated pair (its mean contribution over unlinked
        # pairs is 0) and move the shift into the intercept: the score is unchanged, but a
        # contribution now reads "more or less link-like than usual", whatever the reference.
        counts = np.bincount(bins[~linked, k], weights=unlinked_w, minlength=f.n_bins)
        shift = float(raw @ counts / counts.sum()) if counts.sum() > 0 else 0.0
        out.append([float(v - shift) for v in raw])
        intercept += shift
    facts = {
        "fit_pairs": int(rows.shape[0]),
        "converged": converged,
        "c": c,
        "tolerance": tol,
        "iterations": int(model.n_iter_[0]),
    }
    return out, intercept, facts
