"""Precision and recall at n for a ranking against a random audit."""

import json

import numpy as np
import pytest
from scipy import stats

from caselink.integrity import ranked_hits, screening_at


def test_perfect_ranking() -> None:
    labels = [True] * 10 + [False] * 90
    scores = list(np.linspace(1, 0, 100))
    result = screening_at(scores, labels, 10)
    assert result.ranked.hits == 10
    assert result.ranked.precision == 1.0
    assert result.ranked.recall == 1.0
    assert result.prevalence == 0.1
    assert result.lift == pytest.approx(10.0)
    # Only a draw of all ten positives does as well: P(X ≥ 10) = P(X = 10).
    assert result.p_value == pytest.approx(stats.hypergeom.pmf(10, 100, 10, 10))


def test_random_baseline_expected_values_and_simulated_interval() -> None:
    rng = np.random.default_rng(0)
    labels = list(rng.random(500) < 0.2)
    scores = list(rng.random(500))
    n = 50
    result = screening_at(scores, labels, n, simulations=4000, seed=1)
    positives = sum(labels)
    assert result.random.precision == pytest.approx(positives / 500)
    assert result.random.recall == pytest.approx(n / 500)
    assert result.random.hits == pytest.approx(n * positives / 500)
    # The simulated interval agrees with the exact hypergeometric quantiles to within a hit.
    exact_lo, exact_hi = stats.hypergeom.ppf([0.025, 0.975], 500, positives, n)
    assert result.random.precision_lower is not None
    assert result.random.precision_upper is not None
    assert abs(result.random.precision_lower * n - exact_lo) <= 1
    assert abs(result.random.precision_upper * n - exact_hi) <= 1
    json.dumps(result.to_dict(), allow_nan=False)


def test_same_seed_same_interval() -> None:
    labels = [True, False] * 50
    scores = list(range(100))
    assert screening_at(scores, labels, 20, seed=3) == screening_at(scores, labels, 20, seed=3)


def test_ties_at_the_cut_count_their_expected_share() -> None:
    # Top score is a hit; then four tied items (two hits) compete for the two remaining places.
    scores = [0.9, 0.5, 0.5, 0.5, 0.5, 0.1]
    labels = [True, True, False, True, False, False]
    assert ranked_hits(scores, labels, 3) == pytest.approx(1 + 2 * 2 / 4)
    reordered = ranked_hits(scores[::-1], labels[::-1], 3)
    assert reordered == pytest.approx(2.0)


def test_no_positives() -> None:
    result = screening_at([0.3, 0.2, 0.1], [False, False, False], 2)
    assert result.ranked.recall is None
    assert result.lift is None
    assert result.random.recall is None
    assert result.p_value == 1.0


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="one score"):
        ranked_hits([0.1, 0.2], [True], 1)
    with pytest.raises(ValueError, match="n must"):
        ranked_hits([0.1, 0.2], [True, False], 3)
    with pytest.raises(ValueError, match="at least 1"):
        screening_at([0.1, 0.2], [True, False], 0)
