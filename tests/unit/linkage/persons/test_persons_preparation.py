"""Preparing person records: bad input never fails a run, and fields become comparable."""

from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from caselink.linkage.persons.preparation import (
    PERSON_RECORD_SCHEMA,
    PREPARED_TABLE,
    check_records,
    nickname_pairs,
    prepare,
)

TODAY = date(2024, 6, 1)


def _prepare(rows: list[dict[str, Any]]) -> tuple[Any, dict[int, dict[str, Any]], list[int]]:
    records = pa.Table.from_pylist(
        [{"role": "suspect", **r, "person_id": i + 1} for i, r in enumerate(rows)],
        schema=PERSON_RECORD_SCHEMA,
    )
    con = duckdb.connect()
    figures, unresolvable = prepare(con, records, today=TODAY)
    prepared = con.sql(f"SELECT * FROM {PREPARED_TABLE}").to_arrow_table().to_pylist()
    con.close()
    by_id = {row["unique_id"]: row for row in prepared}
    return figures, by_id, unresolvable.column("unique_id").to_pylist()


def test_a_record_with_nothing_is_unresolvable_and_counted() -> None:
    figures, prepared, alone = _prepare(
        [
            {},
            {"forename": "  ", "surname": "--", "dob_as_given": "", "phone": "n/a"},
            {"forename": "Ann", "surname": "Lee"},
        ]
    )
    assert alone == [1, 2]
    assert set(prepared) == {3}
    assert figures.records == 3
    assert figures.unresolvable == 2
    assert figures.resolvable == 1


def test_a_surname_alone_is_kept_and_counted_as_thin() -> None:
    figures, prepared, alone = _prepare([{"surname": "Smith"}, {"forename": "Jo"}])
    assert alone == []
    assert figures.thin == 2
    assert prepared[1]["surname_std"] == "smith"
    assert prepared[1]["forename_std"] is None
    assert prepared[1]["full_name"] is None


def test_names_are_folded_to_letters_and_nicknames_are_known() -> None:
    _, p, _ = _prepare(
        [
            {"forename": "Bob", "surname": "O'Brien-Smith"},
            {"forename": " ZOË  Anne", "surname": "Ngô"},
            {"forename": "محمد", "surname": "Khan"},
        ]
    )
    assert p[1]["forename_std"] == "bob"
    assert p[1]["surname_std"] == "obriensmith"
    assert p[1]["full_name"] == "bob obriensmith"
    assert "robert" in p[1]["forename_alts"]
    assert p[1]["forename_key"] == "robert"
    assert p[2]["forename_std"] == "zoe"
    assert p[2]["surname_std"] == "ngo"
    # Letters of any script survive; nothing is silently emptied.
    assert p[3]["forename_std"] == "محمد"


@pytest.mark.parametrize(
    ("given", "iso", "expected", "year"),
    [
        ("1984-03-07", date(1984, 3, 7), "1984-03-07", 1984),
        ("07/03/1984", None, "1984-03-07", 1984),
        ("7.3.84", None, "1984-03-07", 1984),
        ("7-3-1984", None, "1984-03-07", 1984),
        # A two-digit year that would be in the future is last century's.
        ("1.2.50", None, "1950-02-01", 1950),
        ("3/4/05", None, "2005-04-03", 2005),
        # Partial: the year alone is kept for comparison.
        ("1984", None, None, 1984),
        ("03/1984", None, None, 1984),
        # Unreadable: kept as given elsewhere, null here.
        ("31/02/1990", None, None, None),
        ("sometime in the 80s", None, None, None),
        ("1850-01-01", date(1850, 1, 1), None, None),
        ("2030-01-01", date(2030, 1, 1), None, None),
    ],
)
def test_dates_of_birth_are_read_day_first_or_left_null(
    given: str, iso: date | None, expected: str | None, year: int | None
) -> None:
    _, p, _ = _prepare([{"surname": "Lee", "dob_as_given": given, "dob": iso}])
    assert p[1]["dob"] == expected
    assert p[1]["dob_year"] == year


def test_unreadable_dates_are_counted() -> None:
    figures, _, _ = _prepare(
        [
            {"surname": "A", "dob_as_given": "not a date"},
            {"surname": "B", "dob_as_given": "1984-03-07", "dob": date(1984, 3, 7)},
            {"surname": "C"},
        ]
    )
    assert figures.dob_given == 2
    assert figures.dob_unreadable == 1


def test_places_phones_and_identifiers_are_normalised() -> None:
    _, p, _ = _prepare(
        [
            {
                "surname": "Lee",
                "postcode": " me14 1xx ",
                "address": "12, HIGH Street;  Maidstone",
                "phone": "+44 7123 456789",
                "identifiers": " 18/123456a | |X1",
                "aliases": "John  Smith| Jo",
            },
            {"surname": "Lee", "postcode": "ME141XX", "phone": "07123-456 789"},
        ]
    )
    assert p[1]["postcode_std"] == p[2]["postcode_std"] == "ME14 1XX"
    assert p[1]["address_std"] == "12 high street maidstone"
    assert p[1]["phone_std"] == p[2]["phone_std"] == "07123456789"
    assert p[1]["identifiers"] == ["18/123456A", "X1"]
    assert p[1]["first_identifier"] == "18/123456A"
    # An alias needs a forename and a surname to be compared as a full name.
    assert p[1]["alias_names"] == ["john smith"]
    assert p[2]["alias_names"] is None


def test_aliases_keep_their_order_and_the_first_is_blocked_on() -> None:
    _, p, _ = _prepare(
        [
            {"surname": "Lee", "aliases": "Zoë  Stone | Jo |Ann Lee-Hart"},
            {"surname": "Lee", "aliases": " | "},
        ]
    )
    assert p[1]["alias_names"] == ["zoe stone", "ann leehart"]
    assert p[1]["first_alias"] == "zoe stone"
    assert p[2]["alias_names"] is None
    assert p[2]["first_alias"] is None


def test_only_the_id_and_role_are_required() -> None:
    table = check_records(pa.table({"person_id": [1], "role": ["witness"]}))
    assert table.column("surname").null_count == 1
    with pytest.raises(ValueError, match="person_id"):
        check_records(pa.table({"role": ["witness"]}))


def test_the_nickname_table_is_lower_case_pairs() -> None:
    pairs = nickname_pairs()
    assert ("robert", "bob") in pairs
    assert ("margaret", "peggy") in pairs
    assert all(a == a.lower() and b == b.lower() and a != b for a, b in pairs)
