"""Score candidate pairs with a model, streaming, keeping what an analyst will look at."""

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from caselink.linkage.offences.candidates import candidate_batches
from caselink.linkage.offences.evidence import EvidenceMaker
from caselink.linkage.offences.frame import ReportFrame, as_frame
from caselink.linkage.offences.model.link_model import LinkModel
from caselink.linkage.offences.scorer.top_pairs import top_pairs
from caselink.linkage.offences.settings import LinkSettings

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


def rank_within(group: Ints, *keys: NDArray[np.generic]) -> Ints:
    """Each element's 0-based rank within its ``group``, ordered by ``keys`` (first key first,
    each ascending); equal keys are ranked in input order."""
    order = np.lexsort((*reversed(keys), group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if g.shape[0] else np.zeros(0, int)
    sorted_rank = np.arange(g.shape[0]) - np.repeat(starts, np.diff(np.r_[starts, g.shape[0]]))
    rank = np.empty(g.shape[0], dtype=np.int64)
    rank[order] = sorted_rank
    return rank


def top_per_report(i: Ints, j: Ints, s: Floats, k: int, other_id: Ints) -> NDArray[np.bool_]:
    """Which pairs are among the k best of either of their reports (ties broken by the other
    report's id, so the choice is reproducible)."""
    return top_and_bar(i, j, s, k, other_id)[0]


def top_and_bar(
    i: Ints, j: Ints, s: Floats, k: int, other_id: Ints
) -> tuple[NDArray[np.bool_], Floats]:
    """``top_per_report``, and from the same ranking each row's k-th best score among the pairs
    it is in (-inf with fewer than k); rows index ``other_id``."""
    src = np.concatenate([i, j])
    dst = np.concatenate([j, i])
    score = np.concatenate([s, s])
    rank = rank_within(src, -score, other_id[dst])
    kept = rank < k
    bar = np.full(other_id.shape[0], -np.inf)
    at = rank == k - 1
    bar[src[at]] = score[at]
    n = i.shape[0]
    return np.asarray(kept[:n] | kept[n:]), bar


def score_rows(
    frame: ReportFrame,
    model: LinkModel,
    settings: LinkSettings | None = None,
    keep_top: int | None = None,
    min_score: float | None = None,
) -> tuple[Ints, Ints, Floats]:
    """Scores of the candidate pairs of ``frame`` as row arrays (i, j, score).

    Pairs stream from DuckDB in batches; each batch is scored and filtered at once. With
    ``min_score`` only pairs scoring at least that are kept; with ``keep_top`` only pairs in the
    top ``keep_top`` of at least one of their two reports (pruned as it goes, which is safe
    because more pairs can only push a pair down a list).

    Each prune also notes every report's ``keep_top``-th best score so far; from then on a
    pair scoring below that bar for both its reports is dropped as soon as it is scored,
    without being held or sorted (the bars only rise, so it could never make either list).
    """
    settings = settings or model.settings
    maker = EvidenceMaker(frame, domains=model.domains(), attributes=model.attributes())
    kept_i: list[Ints] = []
    kept_j: list[Ints] = []
    kept_s: list[Floats] = []
    held = 0
    budget = max(4 * settings.batch_pairs, 4 * frame.n * (keep_top or 0))
    bar = np.full(frame.n, -np.inf)  # each report's keep_top-th best score so far

    def work(i: Ints, j: Ints) -> tuple[Ints, Ints, Floats]:
        s = model.score_evidence(maker(i, j))
        floor = bar  # replaced, never changed in place, by the collecting thread
        keep = (s >= floor[i]) | (s >= floor[j])
        if min_score is not None:
            keep &= s >= min_score
        return i[keep], j[keep], s[keep]

    def collect(part: tuple[Ints, Ints, Floats]) -> None:
        nonlocal held, kept_i, kept_j, kept_s, bar
        kept_i.append(part[0])
        kept_j.append(part[1])
        kept_s.append(part[2])
        held += part[0].shape[0]
        if keep_top is not None and held > budget:
            ci, cj, cs = np.concatenate(kept_i), np.concatenate(kept_j), np.concatenate(kept_s)
            keep, bar = top_and_bar(ci, cj, cs, keep_top, frame.report_id)
            kept_i, kept_j, kept_s = [ci[keep]], [cj[keep]], [cs[keep]]
            held = int(keep.sum())

    # Batches are scored on a few threads while DuckDB produces the next ones; results are
    # collected in the order the batches came, so the outcome does not depend on timing.
    with ThreadPoolExecutor(max_workers=settings.threads) as pool:
        pending: deque[Future[tuple[Ints, Ints, Floats]]] = deque()
        for i, j in candidate_batches(frame, settings):
            pending.append(pool.submit(work, i, j))
            while len(pending) > settings.threads:
                collect(pending.popleft().result())
        while pending:
            collect(pending.popleft().result())
    if not kept_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    i, j, s = np.concatenate(kept_i), np.concatenate(kept_j), np.concatenate(kept_s)
    if keep_top is not None:
        keep = top_per_report(i, j, s, keep_top, frame.report_id)
        i, j, s = i[keep], j[keep], s[keep]
    return i, j, s


def score(
    reports: "pa.Table | ReportFrame",
    model: LinkModel,
    *,
    settings: LinkSettings | None = None,
    persons: pa.Table | None = None,
    keep_top: int | None = None,
    min_score: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pa.Table:
    """Score every candidate pair: a table (report_id_a, report_id_b, score) sorted by score,
    highest first, with report_id_a < report_id_b.

    ``settings`` default to the model's (the candidate rule it was trained under). ``keep_top``
    keeps only each report's best ``keep_top`` pairs and ``min_score`` only pairs scoring at
    least that much, which is how a national run stays within memory. With ``keep_top`` the
    pairs are scored report by report in compiled code (scorer.top_pairs), never listed; without it
    they stream from DuckDB and are scored in batches. ``progress(done, total)`` hears how
    many reports have been scored, with ``keep_top`` only.
    """
    frame = as_frame(reports, persons)
    if keep_top is not None:
        i, j, s = top_pairs(frame, model, settings or model.settings, keep_top, min_score, progress)
    else:
        i, j, s = score_rows(frame, model, settings, keep_top, min_score)
    # Ten national years keep tens of millions of pairs: each array goes as soon as what
    # replaces it exists, so a run holds a few copies of the pairs at most, not a dozen.
    a = frame.report_id[i]
    del i
    b = frame.report_id[j]
    del j
    lo = np.minimum(a, b)
    hi = np.maximum(a, b, out=b)
    del a
    _sort_by_score(lo, hi, s)
    return pa.table({"report_id_a": lo, "report_id_b": hi, "score": s})


# the most ids apart that one int64 key of a pair of ids can span: span * span < 2**63
_KEY_SPAN = 3_037_000_499


def _sort_by_score(lo: Ints, hi: Ints, s: Floats) -> None:
    """Pairs in place by score, highest first, ties by (lo, hi): ``lexsort((hi, lo, -s))``
    with fewer passes over the pairs. The pairs are sorted by one key of both ids, then stably
    by score; in place, so a run holds no more copies of the pairs than it did."""
    if s.shape[0] == 0:
        return
    base = min(int(lo.min()), int(hi.min()))
    span = max(int(lo.max()), int(hi.max())) - base + 1
    if span > _KEY_SPAN:
        _take(np.lexsort((hi, lo, -s)), lo, hi, s)
        return
    key = lo - base
    key *= span
    key += hi
    key -= base
    first = np.argsort(key)  # pairs are unique: no ties
    del key
    _take(first, lo, hi, s)
    del first
    _take(np.argsort(-s, kind="stable"), lo, hi, s)


def _take(order: Ints, *arrays: NDArray[np.generic]) -> None:
    # each array in ``order``, in place: one copy of an array at a time on top of them
    for a in arrays:
        a[:] = a[order]
