"""Does a risk ranking find wrong write-offs better than a random audit of the same size?
Precision and recall at n for the ranking and for random selection, and the lift."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats


@dataclass(frozen=True, slots=True)
class Selection:
    """What a selection of n items finds: `hits` (true positives; for a random audit the
    expected number), `precision` = hits/n and `recall` = hits/positives (None with no
    positives). The interval fields are set for a random audit only."""

    hits: float
    precision: float
    recall: float | None
    precision_lower: float | None = None
    precision_upper: float | None = None
    recall_lower: float | None = None
    recall_upper: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "hits": self.hits,
            "precision": self.precision,
            "recall": self.recall,
            "precision_lower": self.precision_lower,
            "precision_upper": self.precision_upper,
            "recall_lower": self.recall_lower,
            "recall_upper": self.recall_upper,
        }


@dataclass(frozen=True, slots=True)
class Screening:
    """The ranking's top n against a random audit of n: `lift` = ranked precision/prevalence
    (None when there are no positives); `p_value` the chance that a random audit of n finds at
    least as many as the ranking did (hypergeometric); the random interval is simulated."""

    n: int
    items: int
    positives: int
    prevalence: float
    ranked: Selection
    random: Selection
    lift: float | None
    p_value: float
    level: float
    simulations: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "items": self.items,
            "positives": self.positives,
            "prevalence": self.prevalence,
            "ranked": self.ranked.to_dict(),
            "random": self.random.to_dict(),
            "lift": self.lift,
            "p_value": self.p_value,
            "level": self.level,
            "simulations": self.simulations,
        }


def ranked_hits(scores: Sequence[float], labels: Sequence[bool], n: int) -> float:
    """The number of positives among the n highest-scoring items. Where tied scores straddle the
    cut, the expected number under random tie-breaking is counted (the tied group's positive
    share times the places left), so the answer does not depend on input order."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError("give one score and one label per item")
    if np.isnan(s).any():
        raise ValueError("scores cannot be NaN")
    if not 0 <= n <= s.size:
        raise ValueError(f"n must lie between 0 and the {s.size} items, not {n}")
    if n == 0:
        return 0.0
    cut = np.sort(s)[::-1][n - 1]
    above = s > cut
    tied = s == cut
    places = n - int(above.sum())
    return float(y[above].sum() + places * y[tied].sum() / tied.sum())


def screening_at(
    scores: Sequence[float],
    labels: Sequence[bool],
    n: int,
    *,
    level: float = 0.95,
    simulations: int = 2000,
    seed: int = 0,
) -> Screening:
    """Precision and recall of auditing the n highest-scoring items, against a random audit of n.

    For the random audit the expected values are exact: precision = prevalence P/N, recall = n/N.
    Its interval is simulated: `simulations` random audits of n from the N items (each a
    hypergeometric draw of hits, seeded numpy Generator), taking the (1 ± level)/2 quantiles.
    Lift is ranked precision over prevalence. The p-value is exact: P(X ≥ ⌊hits⌋) for X
    hypergeometric(N, P, n) — rounding a tie-averaged count down keeps it conservative.
    """
    if not 0.0 < level < 1.0 or simulations < 1:
        raise ValueError("level lies in (0, 1) and simulations is at least 1")
    hits = ranked_hits(scores, labels, n)
    items = len(labels)
    positives = int(np.asarray(labels, dtype=bool).sum())
    if n == 0:
        raise ValueError("screening needs n of at least 1")
    prevalence = positives / items
    ranked = Selection(hits, hits / n, hits / positives if positives else None)

    rng = np.random.default_rng(seed)
    draws = rng.hypergeometric(positives, items - positives, n, size=simulations)
    tail = (1.0 - level) / 2.0
    lo_hits, hi_hits = (float(v) for v in np.quantile(draws, [tail, 1.0 - tail]))
    random = Selection(
        n * prevalence,
        prevalence,
        n / items if positives else None,
        lo_hits / n,
        hi_hits / n,
        lo_hits / positives if positives else None,
        hi_hits / positives if positives else None,
    )
    lift = ranked.precision / prevalence if positives else None
    p_value = float(stats.hypergeom.sf(int(np.floor(hits)) - 1, items, positives, n))
    return Screening(
        n, items, positives, prevalence, ranked, random, lift, p_value, level, simulations
    )
