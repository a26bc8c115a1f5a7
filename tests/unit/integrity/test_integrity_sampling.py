"""Audit sample sizes against Cochran's closed form, and reproducible stratified samples."""

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from caselink.integrity import sample_size, stratified_sample


def test_sample_size_matches_the_closed_form() -> None:
    z = stats.norm.ppf(0.975)
    n0 = z**2 * 0.25 / 0.05**2
    assert sample_size(0.05) == math.ceil(n0) == 385
    assert sample_size(0.05, population=1000) == math.ceil(n0 / (1 + (n0 - 1) / 1000)) == 278
    assert sample_size(0.1, population=40) == math.ceil(
        (z**2 * 0.25 / 0.01) / (1 + (z**2 * 0.25 / 0.01 - 1) / 40)
    )
    assert sample_size(0.05, expected=0.2, level=0.9) == math.ceil(
        stats.norm.ppf(0.95) ** 2 * 0.16 / 0.0025
    )


def test_sample_size_small_populations() -> None:
    assert sample_size(0.01, population=30) == 30
    assert sample_size(0.2, population=0) == 0
    assert sample_size(0.2, expected=0.0) == 1


@given(
    st.floats(min_value=0.005, max_value=0.5),
    st.integers(min_value=1, max_value=1_000_000),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.5, max_value=0.999),
)
def test_sample_size_never_exceeds_the_population(
    margin: float, big_n: int, p: float, level: float
) -> None:
    n = sample_size(margin, population=big_n, expected=p, level=level)
    assert 1 <= n <= big_n
    assert n <= sample_size(margin, expected=p, level=level)


def _strata() -> dict[str, list[str]]:
    return {
        "Kent": [f"K{i:03d}" for i in range(120)],
        "Surrey": [f"S{i:03d}" for i in range(45)],
        "Gwent": [f"G{i:03d}" for i in range(10)],
    }


def test_same_seed_same_sample_whatever_the_input_order() -> None:
    strata = _strata()
    a = stratified_sample(strata, seed=42, size=20)
    shuffled = {name: list(reversed(strata[name])) for name in reversed(list(strata))}
    b = stratified_sample(shuffled, seed=42, size=20)
    assert a == b
    assert stratified_sample(strata, seed=43, size=20) != a


def test_a_stratum_draw_does_not_depend_on_the_other_strata() -> None:
    strata = _strata()
    alone = stratified_sample({"Kent": strata["Kent"]}, seed=1, size=20)
    together = stratified_sample(strata, seed=1, size=20)
    assert alone.ids("Kent") == together.ids("Kent")


def test_sizes_fixed_per_stratum_or_from_a_margin() -> None:
    strata = _strata()
    fixed = stratified_sample(strata, seed=0, size={"Kent": 33, "Surrey": 14, "Gwent": 20})
    assert [len(s.ids) for s in fixed.strata] == [10, 33, 14]  # sorted: Gwent, Kent, Surrey
    by_margin = stratified_sample(strata, seed=0, margin=0.1)
    for s in by_margin.strata:
        assert len(s.ids) == sample_size(0.1, population=s.population)
        assert len(set(s.ids)) == len(s.ids)
        assert set(s.ids) <= set(strata[s.stratum])
    doc = json.loads(json.dumps(by_margin.to_dict()))
    assert doc["margin"] == 0.1
    assert doc["strata"][0]["stratum"] == "Gwent"


def test_a_larger_sample_extends_a_smaller_one() -> None:
    strata = _strata()
    small = stratified_sample(strata, seed=5, size=10).ids("Kent")
    large = stratified_sample(strata, seed=5, size=30).ids("Kent")
    assert large[:10] == small


def test_every_record_is_equally_likely() -> None:
    counts = dict.fromkeys(_strata()["Surrey"], 0)
    for seed in range(900):
        for record in stratified_sample({"Surrey": list(counts)}, seed=seed, size=5).ids("Surrey"):
            counts[record] += 1
    # 900 draws of 5 from 45: each record expected 100 times.
    assert stats.chisquare(list(counts.values())).pvalue > 0.001


def test_rejects_ambiguous_or_bad_requests() -> None:
    with pytest.raises(ValueError, match="either"):
        stratified_sample(_strata(), seed=0)
    with pytest.raises(ValueError, match="either"):
        stratified_sample(_strata(), seed=0, size=3, margin=0.1)
    with pytest.raises(ValueError, match="more than once"):
        stratified_sample({"A": ["x", "x"]}, seed=0, size=1)
    with pytest.raises(ValueError, match="no sample size"):
        stratified_sample(_strata(), seed=0, size={"Kent": 3})
