"""The level of a sampled pair: the rate halvings its number survives."""

import math

from hypothesis import given
from hypothesis import strategies as st

from caselink.linkage.offences.pair_sampling import LEVELS, level_of


def _halvings(u: float) -> int:
    # the definition: halve the rate from 1/2 while the number stays below it
    k, bar = 0, 0.5
    while k < LEVELS - 1 and u < bar:
        k += 1
        bar *= 0.5
    return k


@given(st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_the_level_is_the_number_of_halvings_the_number_survives(u: float) -> None:
    assert level_of(u) == _halvings(u)


def test_levels_at_the_edges_of_each_rate() -> None:
    for k in range(LEVELS + 2):
        bar = 0.5**k
        for u in (bar, math.nextafter(bar, 0.0), math.nextafter(bar, 1.0)):
            if u < 1.0:
                assert level_of(u) == _halvings(u), u
    assert level_of(0.0) == LEVELS - 1
    assert level_of(5e-324) == _halvings(5e-324)
