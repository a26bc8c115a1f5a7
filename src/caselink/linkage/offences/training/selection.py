"""Cross-validation that splits offenders, and the choice of model family by it.

Folds are drawn over offender groups (offenders joined by a shared report), so no offender has
reports on both sides. In each fold every family is fitted on the pairs whose two reports are
both in the training folds (plus feedback pairs that touch no test report) and scored on the
pairs whose two reports are both in the test fold. The test-fold scores of all folds are pooled:
every labelled report is a test report exactly once.
"""

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from caselink.linkage.offences.candidate_index import index_batches
from caselink.linkage.offences.frame import ReportFrame
from caselink.linkage.offences.labels import Labelled, is_linked, pair_keys
from caselink.linkage.offences.model.features import Bins, Feature
from caselink.linkage.offences.model.link_model import LinkModel, scores_by_model
from caselink.linkage.offences.scorer.bin_matrix import PairBinner
from caselink.linkage.offences.settings import LinkSettings
from caselink.linkage.offences.training.fitting import fit_family
from caselink.linkage.offences.training.metrics import RankTally
from caselink.linkage.offences.training.pairs import PairSet

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
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
    min_test_reports: int | None = None,
) -> dict[str, Any]:
    """Pooled out-of-fold figures per family (auc, top1..top50), with the pair counts, the
    fold of every labelled report id (``fold_of``: report id -> fold), the ids of the test
    reports (``test_reports``) and the models fitted
    (``models``: (family, fold) -> LinkModel; each fold's fit starts from the last fold's).

    Models are fitted on ``pairs`` (which may hold a weighted sample of the unlinked pairs);
    the figures are over every test pair, so when ``pairs`` is a sample the candidate pairs
    are streamed once more and scored as they come. With ``min_test_reports``, only the first
    folds that between them hold that many labelled reports are tested (``folds_tested``),
    and of those only whole offender groups, drawn at random, until they hold that many
    (``n_test_reports``): each test report is ranked against all its candidates in its fold,
    and the test pairs are those with a test report. Enough to compare families, where testing
    every fold of ten years of reports would score nearly a billion pairs.
    """
    fold_of_row = np.full(frame.n, -1, dtype=np.int64)
    fold_of_row[labelled.rows] = assign_folds(labelled, folds, seed)
    tested = _folds_to_test(fold_of_row[labelled.rows], folds, min_test_reports)
    in_test = _test_reports(labelled, fold_of_row, tested, min_test_reports, seed)
    fi, fj = fold_of_row[pairs.i], fold_of_row[pairs.j]
    has_link = np.zeros(frame.n, dtype=bool)
    keys = labelled.linked_keys
    has_link[keys // frame.n] = True
    has_link[keys % frame.n] = True
    models: dict[tuple[str, int], LinkModel] = {}
    for k in range(tested):
        train_mask = (fi != k) & (fj != k) & ((fi >= 0) & (fj >= 0) | pairs.feedback)
        train = pairs.subset(train_mask)
        for family in families:
            start = models.get((family, k - 1))
            models[family, k] = fit_family(family, features, train, settings, start=start)
    # Every linked pair is held (sampling drops unlinked pairs only): the best linked score of
    # each test report, and the linked scores AUC ranks the unlinked against, come from them.
    held_test = (fi == fj) & (in_test[pairs.i] | in_test[pairs.j]) & ~pairs.feedback
    linked_test = pairs.subset(held_test & pairs.linked)
    tallies = {
        family: RankTally(
            frame.n,
            linked_test.i,
            linked_test.j,
            _scored(models, family, linked_test.bins, fold_of_row[linked_test.i]),
        )
        for family in families
    }
    batches: Iterator[tuple[Ints, Ints, Bins, NDArray[np.bool_]]]
    if pairs.complete:
        test = pairs.subset(held_test)
        batches = iter([(test.i, test.j, test.bins, test.linked)])
    else:
        batches = _test_pairs(frame, labelled, pairs, features, settings, fold_of_row, in_test)
    # Each batch is scored and counted in parts, one a thread, each part into counters of its
    # own (the compiled scoring and counting let go of the interpreter).
    threads = max(1, settings.threads)
    counters = [{f: tallies[f].counter() for f in families} for _ in range(threads)]
    n_pairs = n_linked = 0
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for i, j, bins, linked in batches:
            n_pairs += i.shape[0]
            n_linked += int(linked.sum())
            cuts = np.linspace(0, i.shape[0], threads + 1).astype(np.int64).tolist()
            parts = [slice(a, b) for a, b in pairwise(cuts)]
            count = partial(_count_part, models, fold_of_row, i, j, bins, linked)
            list(pool.map(count, counters, parts))
    for part in counters:
        for family in families:
            tallies[family].absorb(part[family])
    reports_with_links = np.flatnonzero(has_link & in_test)
    out: dict[str, Any] = {
        "n_pairs": n_pairs,
        "n_linked_pairs": n_linked,
        "n_test_reports": int(in_test.sum()),
        "test_reports": np.sort(frame.report_id[in_test]),
        "n_reports_with_links": int(reports_with_links.shape[0]),
        "folds_tested": tested,
        "models": models,
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
        out["by_family"][family] = tallies[family].figures(reports_with_links, KS)
    return out


def _count_part(
    models: dict[tuple[str, int], LinkModel],
    fold_of_row: Ints,
    i: Ints,
    j: Ints,
    bins: Bins,
    linked: Bools,
    counters: dict[str, RankTally],
    part: slice,
) -> None:
    # the test pairs of one part of a batch, scored by each family and counted
    fold = fold_of_row[i[part]]
    for family, counter in counters.items():
        counter.add(i[part], j[part], _scored(models, family, bins[part], fold), linked[part])


def _folds_to_test(fold: Ints, folds: int, min_reports: int | None) -> int:
    # the fewest first folds holding at least ``min_reports`` of the labelled reports (all
    # folds when they hold fewer, or without a minimum)
    if min_reports is None:
        return folds
    held = np.cumsum(np.bincount(fold, minlength=folds))
    return min(folds, int(np.searchsorted(held, min_reports)) + 1)


def _test_reports(
    labelled: Labelled, fold_of_row: Ints, tested: int, min_reports: int | None, seed: int
) -> Bools:
    # which frame rows are test reports: those of the first ``tested`` folds, or with
    # ``min_reports`` whole offender groups of them in random order until they hold that many
    fold = fold_of_row[labelled.rows]
    held = (fold >= 0) & (fold < tested)
    out = np.zeros(fold_of_row.shape[0], dtype=bool)
    if min_reports is not None and held.sum() > min_reports:
        groups, size = np.unique(labelled.group[held], return_counts=True)
        order = np.random.default_rng([seed, 1]).permutation(groups.shape[0])
        enough = int(np.searchsorted(np.cumsum(size[order]), min_reports)) + 1
        held &= np.isin(labelled.group, groups[order[:enough]])
    out[labelled.rows[held]] = True
    return out


def _scored(
    models: dict[tuple[str, int], LinkModel], family: str, bins: Bins, fold: Ints
) -> Floats:
    folds = sorted({k for _, k in models})
    return scores_by_model([models[family, k] for k in folds], bins, np.searchsorted(folds, fold))


def _test_pairs(
    frame: ReportFrame,
    labelled: Labelled,
    pairs: PairSet,
    features: Sequence[Feature],
    settings: LinkSettings,
    fold_of_row: Ints,
    in_test: Bools,
) -> Iterator[tuple[Ints, Ints, Bins, NDArray[np.bool_]]]:
    """Every candidate pair within a fold with a test report (``in_test``), binned batch by
    batch (feedback pairs are not test pairs). Each fold's pairs come from an index of that
    fold's reports alone, found from its test reports when they are not the whole fold."""
    binner = PairBinner(frame, features, settings)
    verdicts = np.sort(pair_keys(frame, pairs.i[pairs.feedback], pairs.j[pairs.feedback]))
    fold = fold_of_row[labelled.rows]
    for k in np.unique(fold[in_test[labelled.rows]]).tolist():
        members = labelled.rows[fold == k]
        sources = members[in_test[members]]
        every = sources.shape[0] == members.shape[0]
        found = index_batches(frame, settings, rows=members, sources=None if every else sources)
        for i, j in found:
            if verdicts.shape[0]:
                keep = ~is_linked(pair_keys(frame, i, j), verdicts)
                i, j = i[keep], j[keep]
            yield i, j, binner(i, j), labelled.linked(i, j)


def choose_family(by_family: dict[str, dict[str, float]]) -> str:
    """The family with the best mean of AUC and top-10 recall (the order of FAMILIES breaks a
    tie): AUC for separating pairs, top-10 for what an analyst sees first."""

    def merit(name: str) -> float:
        r = by_family[name]
        value = (r["auc"] + r["top10"]) / 2
        return -np.inf if np.isnan(value) else float(value)

    return max(by_family, key=merit)
