"""From scored pairs to entities, precision first: the threshold from the model's own estimate of
precision, and clusters that never chain a weak link or a pair an analyst said differs.

Pure Python and numpy, no engine: ``resolution`` hands in the scored pairs and gets back each
record's cluster. docs/persons.md ("Threshold and entities") explains the choices.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# The threshold is never below even odds (a link must be likelier right than wrong) nor above
# this: a model that finds nothing surer than this has no threshold to offer.
THRESHOLD_FLOOR = 0.5
THRESHOLD_CEILING = 0.999
DEFAULT_TARGET_PRECISION = 0.999


@dataclass(frozen=True, slots=True)
class ThresholdChoice:
    """The chosen threshold and what the model expects of the links at or above it."""

    threshold: float
    expected_precision: float  # mean match probability of the links at or above it
    links: int  # pairs at or above it
    target: float


def choose_threshold(
    probabilities: Sequence[float] | np.ndarray,
    target: float = DEFAULT_TARGET_PRECISION,
    calibrated: Sequence[float] | np.ndarray | None = None,
    bounds: tuple[float, float] = (THRESHOLD_FLOOR, THRESHOLD_CEILING),
) -> ThresholdChoice:
    """The lowest threshold whose links' expected precision is at least ``target``.

    Each scored pair's match probability is the model's chance that it is a true match, so the
    expected share of true matches among the pairs at or above a threshold is the mean of their
    probabilities. Lowering the threshold adds pairs of lower probability and lowers the mean;
    the lowest threshold that keeps the mean at ``target`` gives the most links the model
    expects to be that precise. Bounded by ``THRESHOLD_FLOOR`` and ``THRESHOLD_CEILING``.

    With ``calibrated`` (each pair's probability as analysts' verdicts correct it, rising with
    the model's), the expected precision is the mean of those instead, and a link must be
    likelier right than wrong by both; the threshold is still on the model's probabilities,
    which is what the links are drawn by, and ``bounds`` (on the model's probabilities) are
    then where the calibrated ones reach the floor and the ceiling.
    """
    if not 0.0 < target < 1.0:
        raise ValueError("the target precision is a proportion strictly between 0 and 1")
    raw = np.asarray(probabilities, dtype=np.float64)
    judged = raw if calibrated is None else np.asarray(calibrated, dtype=np.float64)
    if judged.shape != raw.shape:
        raise ValueError("one calibrated probability per pair")
    order = np.argsort(-raw, kind="stable")
    p, q = raw[order], judged[order]
    floor, ceiling = bounds
    kept_mask = (p >= floor) & (q >= THRESHOLD_FLOOR)
    p, q = p[kept_mask], q[kept_mask]
    if p.size == 0:
        return ThresholdChoice(ceiling, 1.0, 0, target)
    means = np.cumsum(q) / np.arange(1, q.size + 1)
    # a threshold takes every pair of its probability, so only the last of tied pairs counts
    last_of_tie = np.append(p[1:] != p[:-1], True)
    ok = np.nonzero((means >= target) & last_of_tie)[0]
    # the last position where the running mean still meets the target
    threshold = ceiling if ok.size == 0 else float(p[ok[-1]])
    threshold = min(max(threshold, floor), ceiling)
    kept = q[p >= threshold]
    expected = float(kept.mean()) if kept.size else 1.0
    return ThresholdChoice(threshold, expected, int(kept.size), target)


class _Groups:
    """Union–find over record ids, where some records may never share a group."""

    def __init__(self, apart: Iterable[tuple[int, int]]) -> None:
        self.parent: dict[int, int] = {}
        self.size: dict[int, int] = {}
        self.apart: dict[int, set[int]] = {}  # root -> records its group may never hold
        for a, b in apart:
            self.apart.setdefault(a, set()).add(b)
            self.apart.setdefault(b, set()).add(a)

    def root(self, x: int) -> int:
        parent = self.parent
        r = x
        while parent.get(r, r) != r:
            r = parent[r]
        while parent.get(x, x) != r:  # path compression
            parent[x], x = r, parent[x]
        return r

    def join(self, a: int, b: int) -> bool:
        """Join the groups of ``a`` and ``b`` unless that puts two records kept apart together."""
        ra, rb = self.root(a), self.root(b)
        if ra == rb:
            return True
        fa, fb = self.apart.get(ra), self.apart.get(rb)
        if fa and any(self.root(x) == rb for x in fa):
            return False
        if fb and any(self.root(x) == ra for x in fb):
            return False
        if self.size.get(ra, 1) < self.size.get(rb, 1):
            ra, rb, fa, fb = rb, ra, fb, fa
        self.parent[rb] = ra
        self.size[ra] = self.size.get(ra, 1) + self.size.get(rb, 1)
        if fb:
            self.apart.setdefault(ra, set()).update(fb)
            del self.apart[rb]
        return True


@dataclass(frozen=True, slots=True)
class Clusters:
    """Each linked record's cluster, named by its lowest record id; records not listed are
    alone. ``refused`` counts links not followed because they would join records kept apart."""

    members: dict[int, int]  # record id -> lowest record id of its cluster
    refused: int
    refused_same: int  # pairs labelled the same that could not be kept together


def cluster(
    left: Sequence[int] | np.ndarray,
    right: Sequence[int] | np.ndarray,
    probability: Sequence[float] | np.ndarray,
    *,
    together: Iterable[tuple[int, int]] = (),
    apart: Iterable[tuple[int, int]] = (),
) -> Clusters:
    """Cluster records by their links, strongest first, never joining records kept ``apart``.

    Pairs in ``together`` (labelled the same person) are joined first; then each link (``left``,
    ``right``, ``probability``) in order of probability, unless it would put two records of
    ``apart`` (labelled different, or scored as clearly different) in one cluster. Without
    anything apart this is exactly the connected components of the links.
    """
    groups = _Groups(apart)
    refused_same = sum(0 if groups.join(a, b) else 1 for a, b in together)
    order = np.argsort(-np.asarray(probability, dtype=np.float64), kind="stable")
    lefts = np.asarray(left, dtype=np.int64)[order].tolist()
    rights = np.asarray(right, dtype=np.int64)[order].tolist()
    refused = 0
    for a, b in zip(lefts, rights, strict=True):
        if not groups.join(a, b):
            refused += 1
    roots: dict[int, int] = {}
    nodes = set(groups.parent) | set(groups.parent.values())
    for x in nodes:
        r = groups.root(x)
        roots[r] = min(roots.get(r, x), x)
    return Clusters({x: roots[groups.root(x)] for x in nodes}, refused, refused_same)


def within_pairs(members: dict[int, int], max_size: int) -> tuple[list[tuple[int, int]], int]:
    """Every pair of records inside each cluster of at least three and at most ``max_size``
    records (lower id first), and how many clusters were larger than ``max_size``."""
    by_cluster: dict[int, list[int]] = {}
    for record, name in members.items():
        by_cluster.setdefault(name, []).append(record)
    pairs: list[tuple[int, int]] = []
    too_large = 0
    for records in by_cluster.values():
        if len(records) > max_size:
            too_large += 1
            continue
        if len(records) < 3:
            continue
        records.sort()
        pairs.extend(
            (records[i], records[j])
            for i in range(len(records))
            for j in range(i + 1, len(records))
        )
    return pairs, too_large
