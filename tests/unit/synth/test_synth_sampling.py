"""The vectorised draws give exact quotas and unbiased totals."""

import numpy as np

from caselink.synth.sampling import (
    categorical,
    stochastic_round,
    take_top_per_group,
    weighted_order,
)


def test_take_top_per_group_gives_each_group_its_quota() -> None:
    rng = np.random.default_rng(0)
    group = rng.integers(0, 5, 1000)
    eligible = rng.random(1000) < 0.7
    wanted = np.array([0, 3, 10, 50, 10_000])
    mask = take_top_per_group(group, weighted_order(np.ones(1000), rng), wanted, eligible)
    assert not (mask & ~eligible).any()
    for g in range(4):
        assert (mask & (group == g)).sum() == wanted[g]
    assert (mask & (group == 4)).sum() == (eligible & (group == 4)).sum()


def test_weighted_order_prefers_heavier_rows() -> None:
    rng = np.random.default_rng(1)
    weights = np.where(np.arange(10_000) < 5_000, 4.0, 1.0)
    mask = take_top_per_group(
        np.zeros(10_000, dtype=np.int64),
        weighted_order(weights, rng),
        np.array([1000]),
        np.ones(10_000, dtype=bool),
    )
    assert mask[:5000].sum() > 3 * mask[5000:].sum()


def test_stochastic_round_keeps_totals() -> None:
    rng = np.random.default_rng(2)
    values = np.full(100_000, 0.3)
    assert abs(stochastic_round(values, rng).sum() - 30_000) < 600


def test_categorical_follows_each_rows_shares() -> None:
    rng = np.random.default_rng(3)
    shares = np.tile([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]], (5000, 1))
    picked = categorical(shares, rng)
    assert (picked[0::2] == 1).all()
    assert set(picked[1::2].tolist()) == {0, 2}
