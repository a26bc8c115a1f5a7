"""A postcode's district is read by the postcode's shape: with or without its space, in any case,
and nothing at all from text that is not a postcode."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caselink.domain.values import postcode_district

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # never C, I, K, M, O or V
DIGITS = "0123456789"
OUTWARD = re.compile(r"([A-Z]{1,2}[0-9][0-9A-Z]?|GIR)\Z")

outward_codes = st.one_of(
    st.tuples(st.sampled_from(LETTERS), st.sampled_from(DIGITS)),  # A9
    st.tuples(st.sampled_from(LETTERS), st.sampled_from(DIGITS), st.sampled_from(DIGITS)),
    st.tuples(st.sampled_from(LETTERS), st.sampled_from(DIGITS), st.sampled_from(LETTERS)),
    st.tuples(st.sampled_from(LETTERS), st.sampled_from(LETTERS), st.sampled_from(DIGITS)),
    st.tuples(
        st.sampled_from(LETTERS),
        st.sampled_from(LETTERS),
        st.sampled_from(DIGITS),
        st.sampled_from(DIGITS + LETTERS),
    ),
).map("".join)
inward_codes = st.tuples(
    st.sampled_from(DIGITS), st.sampled_from(INWARD_LETTERS), st.sampled_from(INWARD_LETTERS)
).map("".join)
spacing = st.sampled_from(["", " ", "  ", "\t"])


@given(outward_codes, inward_codes, spacing, spacing, st.booleans())
def test_the_district_of_a_postcode_however_written(
    outward: str, inward: str, gap: str, around: str, lower: bool
) -> None:
    written = f"{around}{outward}{gap}{inward}{around}"
    assert postcode_district(written.lower() if lower else written) == outward


@given(outward_codes, spacing)
def test_a_district_alone_is_its_own_district(outward: str, around: str) -> None:
    assert postcode_district(f"{around}{outward.lower()}{around}") == outward


@given(st.text(max_size=12))
def test_any_text_gives_a_district_or_nothing_never_more(text: str) -> None:
    district = postcode_district(text)
    if district is not None:
        assert OUTWARD.match(district)
        compact = "".join(text.split()).upper()
        assert compact.startswith(district)
        # what follows the district, if anything, is a whole inward code and is not given out
        assert len(compact) in (len(district), len(district) + 3)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1XX",
        "HELLO WORLD",
        "ME14 1XXX",  # an inward code is three characters
        "ME14 1CX",  # C is never an inward letter
        "ME141",
        "ME14-1XX",
        "ME١٤ 1XX",  # digits of another script
        "12345",
        "SW1A 1AA extra",
    ],
)
def test_what_is_not_a_postcode_gives_no_district(text: str) -> None:
    assert postcode_district(text) is None


@pytest.mark.parametrize(
    ("text", "district"),
    [("SW1A 1AA", "SW1A"), ("sw1a1aa", "SW1A"), ("M1 1AE", "M1"), ("GIR 0AA", "GIR")],
)
def test_known_postcodes(text: str, district: str) -> None:
    assert postcode_district(text) == district
