"""Choosing the threshold from the model's expected precision, and clustering that never joins
records kept apart."""

import pytest

from caselink.linkage.persons.clustering import (
    THRESHOLD_CEILING,
    THRESHOLD_FLOOR,
    choose_threshold,
    cluster,
)


def test_the_threshold_is_the_lowest_whose_links_are_expected_precise_enough() -> None:
    # 98 sure pairs, then pairs of falling probability: the running mean stays at or above
    # 0.99 down to 0.7 (98 + 0.9 + 0.8 + 0.7 = 100.4 over 101 pairs = 0.994) and falls below
    # it once 0.6 joins (101.0 / 102 = 0.990...) -- so 0.7 at a target of 0.993.
    probabilities = [1.0] * 98 + [0.9, 0.8, 0.7, 0.6, 0.55]
    choice = choose_threshold(probabilities, target=0.993)
    assert choice.threshold == pytest.approx(0.7)
    assert choice.links == 101
    assert choice.expected_precision == pytest.approx(100.4 / 101)
    assert choice.expected_precision >= 0.993


def test_a_higher_target_gives_a_higher_threshold() -> None:
    probabilities = [0.999] * 50 + [0.95] * 10 + [0.8] * 5 + [0.6] * 5
    low, high = choose_threshold(probabilities, 0.95), choose_threshold(probabilities, 0.99)
    assert low.threshold < high.threshold
    assert high.expected_precision >= 0.99


def test_the_threshold_stays_within_its_bounds() -> None:
    assert choose_threshold([1.0] * 10 + [0.51]).threshold >= THRESHOLD_FLOOR
    assert choose_threshold([0.9, 0.8]).threshold == THRESHOLD_CEILING  # nothing sure enough
    assert choose_threshold([]).links == 0
    with pytest.raises(ValueError, match="target precision"):
        choose_threshold([0.9], target=1.0)


def test_without_anything_kept_apart_clusters_are_the_connected_components() -> None:
    found = cluster([1, 2, 5], [2, 3, 6], [0.99, 0.98, 0.97])
    assert found.members == {1: 1, 2: 1, 3: 1, 5: 5, 6: 5}
    assert found.refused == 0


def test_a_chain_never_joins_two_records_kept_apart() -> None:
    # 1-2 and 2-3 are strong links, but 1 and 3 are two people: the weaker link is refused.
    found = cluster([1, 2], [2, 3], [0.99, 0.98], apart=[(1, 3)])
    assert found.members.get(1) == found.members.get(2) == 1
    assert found.members.get(3, 3) == 3
    assert found.refused == 1


def test_records_labelled_the_same_are_kept_together_without_a_link() -> None:
    found = cluster([], [], [], together=[(4, 9)])
    assert found.members == {4: 4, 9: 4}


def test_same_never_overrides_different() -> None:
    found = cluster([], [], [], together=[(1, 2), (2, 3)], apart=[(1, 3)])
    assert found.refused_same == 1
    assert found.members.get(3, 3) != found.members[1]
