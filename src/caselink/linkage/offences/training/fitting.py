"""Fit one model family on a set of training pairs, into a LinkModel."""

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from caselink.linkage.offences.model.features import Feature
from caselink.linkage.offences.model.link_model import LinkModel
from caselink.linkage.offences.model.logistic import fit_logistic
from caselink.linkage.offences.model.naive_bayes import fit_naive_bayes
from caselink.linkage.offences.settings import LinkSettings
from caselink.linkage.offences.training.pairs import PairSet

FAMILIES = ("naive_bayes", "logistic")


def prior_log_odds(pairs: PairSet) -> float:
    """log(linked / unlinked) among the candidate pairs the training pairs stand for (0 when a
    class is empty)."""
    n_l = float(pairs.weight[pairs.linked].sum())
    n_u = float(pairs.weight[~pairs.linked].sum())
    return float(np.log(n_l / n_u)) if n_l and n_u else 0.0


def fit_family(
    family: str,
    features: Sequence[Feature],
    pairs: PairSet,
    settings: LinkSettings,
    training: Mapping[str, Any] | None = None,
    start: LinkModel | None = None,
) -> LinkModel:
    """A LinkModel of ``family`` fitted on ``pairs``; refuses pairs without both classes.
    ``start``, a model of the same family and features fitted on similar pairs, is where an
    iterative fit (logistic) begins."""
    n_l = int(pairs.linked.sum())
    if n_l == 0 or n_l == len(pairs):
        raise ValueError(
            f"training needs linked and unlinked pairs (got {n_l} linked of {len(pairs)})"
        )
    if start is not None and (start.family != family or start.features != tuple(features)):
        raise ValueError("a fit can only start from a model of the same family and features")
    prior = prior_log_odds(pairs)
    facts: dict[str, Any]
    if family == "naive_bayes":
        weights, offset, counts = fit_naive_bayes(
            features, pairs.bins, pairs.linked, settings.shrinkage, pairs.weight
        )
        facts = {"bin_counts": counts}
    elif family == "logistic":
        weights, intercept, facts = fit_logistic(
            features,
            pairs.bins,
            pairs.linked,
            settings.logistic_c,
            settings.max_unlinked_pairs,
            settings.seed,
            pairs.weight,
            None if start is None else (start.weights, start.offset + start.prior_log_odds),
        )
        offset = intercept - prior  # log odds minus prior log odds: a log Bayes factor
    else:
        raise ValueError(f"unknown model family {family!r}")
    meta = {**(training or {}), "fit": facts}
    return LinkModel(
        family=family,
        features=tuple(features),
        weights=tuple(tuple(w) for w in weights),
        offset=float(offset),
        prior_log_odds=prior,
        settings=settings,
        training=meta,
    )
