"""The ranges a person run stores for the records it read, and the rows it may leave out."""

from itertools import pairwise

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from caselink.storage.persons.coverage import (
    Coverage,
    alone_id,
    covered_ranges,
    rows_to_store,
)


@given(st.sets(st.integers(min_value=1, max_value=10_000), max_size=300))
def test_the_ranges_hold_exactly_the_ids_read(ids: set[int]) -> None:
    ranges = covered_ranges(pa.array(sorted(ids, reverse=True), pa.int64()))
    covered = {i for first, last in ranges for i in range(first, last + 1)}
    assert covered == ids
    # as few ranges as can hold them: neighbouring ranges never touch
    assert all(b[0] > a[1] + 1 for a, b in pairwise(ranges))
    coverage = Coverage(ranges)
    assert {i for i in range(0, 10_002) if i in coverage} == ids


def test_a_million_consecutive_ids_are_one_range() -> None:
    assert covered_ranges(pa.array(range(7, 1_000_007), pa.int64())) == [(7, 1_000_006)]


@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.one_of(st.none(), st.floats(0.5, 1.0))),
        min_size=1,
        max_size=40,
    ),
    st.booleans(),
)
def test_only_records_alone_without_a_probability_are_left_out(
    groups: list[tuple[int, float | None]], rename: bool
) -> None:
    # record i is in group g; a group is named after its lowest record (or otherwise)
    first: dict[int, int] = {}
    for person_id, (group, _) in enumerate(groups, start=1):
        first.setdefault(group, person_id)
    names = [f"X{group}" if rename and group == 0 else f"P{first[group]}" for group, _ in groups]
    entities = pa.table(
        {
            "person_id": pa.array(range(1, len(groups) + 1), pa.int64()),
            "entity_id": pa.array(names, pa.string()),
            "match_probability": pa.array([p for _, p in groups], pa.float64()),
        }
    )
    kept = set(rows_to_store(entities).column("person_id").to_pylist())
    sizes = {name: names.count(name) for name in names}
    for person_id, ((_, probability), name) in enumerate(zip(groups, names, strict=True), 1):
        implied = sizes[name] == 1 and name == f"P{person_id}" and probability is None
        assert (person_id not in kept) == implied


def test_only_names_of_one_record_give_its_id() -> None:
    assert alone_id("P123") == 123
    assert alone_id("V1") is None
    assert alone_id("P") is None
    assert alone_id("P-4") is None
