"""The order of scored pairs: by score, highest first, ties by the pair's ids."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from caselink.linkage.offences.scoring import _KEY_SPAN, _sort_by_score

_pairs = st.lists(
    st.tuples(
        st.integers(min_value=-(2**40), max_value=2**40),
        st.integers(min_value=0, max_value=50),
        st.sampled_from([-2.5, -0.0, 0.0, 0.5, 1.25, 7.0]),  # few scores: many ties
    ),
    unique_by=lambda p: (p[0], p[1]),
    max_size=60,
)


def _arrays(pairs: list[tuple[int, int, float]], spread: int) -> tuple[np.ndarray, ...]:
    lo = np.asarray([p[0] % spread for p in pairs], dtype=np.int64)
    hi = lo + np.asarray([1 + p[1] for p in pairs], dtype=np.int64)
    s = np.asarray([p[2] for p in pairs], dtype=np.float64)
    return lo, hi, s


@given(_pairs, st.sampled_from([10, 1000, 2**40]))
def test_pairs_come_by_score_then_by_their_ids(pairs, spread) -> None:
    lo, hi, s = _arrays(pairs, spread)
    unique = {(a, b) for a, b in zip(lo.tolist(), hi.tolist(), strict=True)}
    if len(unique) < len(pairs):
        return  # folding by ``spread`` made two pairs one
    order = np.lexsort((hi, lo, -s))
    want = lo[order], hi[order], s[order]
    _sort_by_score(lo, hi, s)
    for got, expected in zip((lo, hi, s), want, strict=True):
        np.testing.assert_array_equal(got, expected)


def test_ids_too_far_apart_for_one_key_still_sort() -> None:
    lo = np.asarray([0, _KEY_SPAN * 2, 5, 5], dtype=np.int64)
    hi = np.asarray([_KEY_SPAN * 3, _KEY_SPAN * 2 + 1, 6, 7], dtype=np.int64)
    s = np.asarray([1.0, 1.0, 2.0, 1.0])
    want = lo[[2, 0, 3, 1]]
    _sort_by_score(lo, hi, s)
    np.testing.assert_array_equal(lo, want)
    np.testing.assert_array_equal(s, [2.0, 1.0, 1.0, 1.0])
    _sort_by_score(lo[:0], hi[:0], s[:0])  # nothing to sort
