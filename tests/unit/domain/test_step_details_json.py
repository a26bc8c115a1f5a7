"""A step's details as JSON text are what the json module writes, to the character: stored
details and the digests of imported rows were made by it, and must not change."""

import json

from hypothesis import given
from hypothesis import strategies as st

from caselink.domain.journey import details_json

# any character, lone surrogates and escapes included
DETAILS = st.dictionaries(st.text(max_size=12), st.text(max_size=20), max_size=5)
SURROGATES = st.dictionaries(
    st.text(st.characters(categories=["Cs", "Cc", "Lo"]), max_size=4),
    st.text(st.characters(categories=["Cs", "Cc", "Zl"]), max_size=4),
    max_size=3,
)


@given(st.one_of(DETAILS, SURROGATES))
def test_details_are_written_as_the_json_module_writes_them(details: dict[str, str]) -> None:
    assert details_json(details, compact=False) == json.dumps(
        details, ensure_ascii=False, sort_keys=True
    )
    assert details_json(details, compact=True) == json.dumps(
        details, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
