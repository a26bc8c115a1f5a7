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

from caselink.linkage.offences.jit import compiled
from caselink.linkage.offences.model.features import Bins, Feature

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]

# the solver's gradient tolerance, relative to the linked pairs' share of the weight
_TOLERANCE = 1e-3


def one_hot(features: Sequence[Feature], bins: Bins) -> Any:
    """The sparse design matrix: one column per non-reference bin of every feature."""
    n = bins.shape[0]
    starts = np.cumsum([0] + [f.n_bins - 1 for f in features]).astype(np.int32)
    # built as CSR straight away: a row's columns come feature by feature, so in order
    present = bins > 0
    columns = (bins + (starts[:-1] - 1))[present]
    indptr = np.r_[0, np.cumsum(present.sum(axis=1))]
    data = np.ones(columns.shape[0])
    return sparse.csr_matrix((data, columns, indptr), shape=(n, int(starts[-1])))


@compiled
def _bin_weights(bins: Bins, rows: Ints, weight: Floats, starts: Ints, out: Floats) -> None:
    # out[starts[k] + bin] += the weight of each of ``rows`` with that bin of feature k
    for r in rows:
        for k in range(bins.shape[1]):
            out[starts[k] + bins[r, k]] += weight[r]


def fit_logistic(
    features: Sequence[Feature],
    bins: Bins,
    linked: NDArray[np.bool_],
    c: float,
    max_unlinked: int,
    seed: int,
    weights: NDArray[np.float64] | None = None,
    start: tuple[Sequence[Sequence[float]], float] | None = None,
) -> tuple[list[list[float]], float, dict[str, Any]]:
    """Weights per feature and bin, and the intercept (log odds scale), from a bin matrix and
    the link status of each pair; with facts about the fit (sample sizes, convergence). With
    ``start`` (weights and intercept as this returns them, from a fit on similar pairs) the
    solver starts there instead of at zero."""
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
    # is always small: a fixed tolerance stopped the solver long before their evidence was
    # fitted (weighted AUC on a national year's pairs 0.959 where the converged fit gives
    # 0.978; 0.751 against 0.983 on ten years). The tolerance is scaled by their share.
    fit_w = w_fit[rows]
    share = float(fit_w[y == 1].sum() / fit_w.sum()) if fit_w.sum() > 0 else 1.0
    tol = _TOLERANCE * min(1.0, max(share, 1e-12))
    model = LogisticRegression(
        C=c, solver="lbfgs", max_iter=1000, tol=tol, warm_start=start is not None
    )
    if start is not None:
        # A fold's fit is close to the fit on all the pairs: starting there, the final fit
        # needs far fewer steps, and ends as near the optimum as from zero.
        model.coef_, model.intercept_ = _raw(start)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(x, y, sample_weight=fit_w)
    converged = not any(issubclass(m.category, ConvergenceWarning) for m in caught)
    coef = model.coef_[0]
    out: list[list[float]] = []
    intercept = float(model.intercept_[0])
    column = 0
    bin_starts = np.cumsum([0] + [f.n_bins for f in features])
    unlinked_weight = np.zeros(int(bin_starts[-1]))
    _bin_weights(bins, np.flatnonzero(~linked), w, bin_starts, unlinked_weight)
    for k, f in enumerate(features):
        width = f.n_bins - 1
        raw = np.r_[0.0, coef[column : column + width]]
        column += width
        # Centre each feature on a typical unrelated pair (its mean contribution over unlinked
        # pairs is 0) and move the shift into the intercept: the score is unchanged, but a
        # contribution now reads "more or less link-like than usual", whatever the reference.
        counts = unlinked_weight[bin_starts[k] : bin_starts[k + 1]]
        shift = float(raw @ counts / counts.sum()) if counts.sum() > 0 else 0.0
        out.append([float(v - shift) for v in raw])
        intercept += shift
    facts = {
        "fit_pairs": int(rows.shape[0]),
        "converged": converged,
        "c": c,
        "tolerance": tol,
        "iterations": int(model.n_iter_[0]),
        "warm_start": start is not None,
    }
    return out, intercept, facts


def _raw(
    fitted: tuple[Sequence[Sequence[float]], float],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    # the solver's coefficients and intercept back from centred weights: each feature's
    # reference bin holds minus the shift it was centred by
    weights, intercept = fitted
    coef = np.concatenate([np.asarray(w[1:], np.float64) - w[0] for w in weights])
    return coef[None, :], np.array([intercept + sum(w[0] for w in weights)])
