"""Records that would trip a careless run: one record, all identical, one surname for
everyone, dates nobody can read. Each gives a correct result and says what it did."""

import random
from datetime import date

import pyarrow as pa

from caselink.linkage.persons import PersonModelSpec, resolve


def _records(rows: list[dict[str, object]]) -> pa.Table:
    n = len(rows)
    columns = ("forename", "surname", "dob_as_given", "postcode", "identifiers")
    return pa.table(
        {
            "person_id": list(range(1, n + 1)),
            "role": ["suspect"] * n,
            **{c: [r.get(c) for r in rows] for c in columns},
            "dob": pa.array([r.get("dob") for r in rows], pa.date32()),
            "force": ["kent"] * n,
        }
    )


def test_one_record_is_one_entity() -> None:
    result = resolve(_records([{"forename": "Ann", "surname": "Lee"}]))
    assert result.entities.num_rows == 1
    assert result.figures["entities"] == 1


def test_identical_records_are_one_person() -> None:
    same = {"forename": "John", "surname": "Smith", "dob": date(1980, 1, 2), "postcode": "ME1 1AA"}
    result = resolve(_records([dict(same) for _ in range(40)]))
    assert result.figures["entities"] == 1
    assert result.figures["largest_entity"] == 40


def test_a_surname_shared_by_everyone_leaves_out_the_blocks_it_would_explode() -> None:
    rng = random.Random(5)
    forenames = ["Adam", "Beth", "Carl", "Dora"]
    rows: list[dict[str, object]] = [
        {
            "forename": rng.choice(forenames),
            "surname": "Smith",
            "dob": date(1950 + rng.randrange(50), 1 + rng.randrange(12), 1 + rng.randrange(28)),
        }
        for _ in range(400)
    ]
    result = resolve(_records(rows), PersonModelSpec(max_block_pairs=5_000))
    notes = " ".join(result.figures["notes"])
    # 400 Smiths in four forenames make about 20,000 pairs per forename: left out, and said
    assert "left out the block on forename_key + surname_std" in notes
    assert "surname_std + dob" not in notes  # the blocks that stay small are kept
    assert result.entities.num_rows == 400


def test_unreadable_dates_of_birth_are_counted_not_fatal() -> None:
    rows: list[dict[str, object]] = [
        {"forename": f"N{i % 7}", "surname": f"S{i % 5}", "dob_as_given": "31/02/19x9"}
        for i in range(30)
    ]
    result = resolve(_records(rows))
    assert result.figures["dob_unreadable"] == 30
    assert result.entities.num_rows == 30
