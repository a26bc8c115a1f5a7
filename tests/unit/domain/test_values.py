"""Value objects, dates of birth, forces, offences and the behaviour taxonomy."""

import tomllib
from datetime import UTC, date, datetime
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caselink.domain.behaviours import Behaviour, Taxonomy
from caselink.domain.errors import InvalidValue
from caselink.domain.forces import FORCES, canonical_force
from caselink.domain.offences import RAPE_CODES, normalise_offence_code, offence_group
from caselink.domain.person import DateOfBirth
from caselink.domain.values import Location, OccurredWindow, OffenderDescription, parse_range


def shipped_taxonomy() -> Taxonomy:
    text = (files("caselink.data") / "behaviour_taxonomy.toml").read_text(encoding="utf-8")
    return Taxonomy.from_mapping(tomllib.loads(text))


def test_there_are_44_force_areas_and_common_spellings_resolve() -> None:
    assert len(FORCES) == 44
    assert canonical_force("kent police") == "Kent"
    assert canonical_force("Metropolitan Police Service") == "Metropolitan Police"
    assert canonical_force("City of London Police") == "London, City of"
    assert canonical_force("Police Scotland") is None


def test_offence_codes() -> None:
    assert {"19C", "19D", "19E", "19F", "19G", "19H"} == RAPE_CODES
    assert normalise_offence_code(" 19c ") == "19C"
    assert normalise_offence_code("rape") is None
    assert offence_group("20A") == "other sexual"
    assert offence_group("8L") is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"latitude": 91.0, "longitude": 0.0}, "latitude"),
        ({"latitude": 51.0}, "latitude/longitude"),
        ({"x": 1.0}, "x/y"),
        ({"x": float("nan"), "y": 1.0}, "x"),
    ],
)
def test_location_refuses_impossible_places(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        Location(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_occurred_window_runs_forward() -> None:
    start = datetime(2024, 1, 1, 23, tzinfo=UTC)
    with pytest.raises(InvalidValue):
        OccurredWindow(start, datetime(2024, 1, 1, 22, tzinfo=UTC))
    with pytest.raises(InvalidValue):
        OccurredWindow(None, start)
    assert not OccurredWindow().known


def test_offender_description_bands() -> None:
    d = OffenderDescription(sex="male", age_band="25-34", height="175")
    assert d.age_range == (25, 34)
    assert d.height_range == (175, 175)
    assert OffenderDescription(age_band="60+").age_range == (60, 120)
    with pytest.raises(InvalidValue):
        OffenderDescription(age_band="thirties")
    with pytest.raises(InvalidValue):
        OffenderDescription(sex="m")
    assert parse_range("x", "", 10) is None


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)), st.booleans())
def test_iso_dates_of_birth_parse_in_both_forms(d: date, basic: bool) -> None:
    text = d.strftime("%Y%m%d") if basic else d.isoformat()
    dob = DateOfBirth.from_text(text)
    assert dob.parsed == d
    assert dob.as_given == text


@given(st.text(max_size=30))
def test_any_date_of_birth_text_is_kept_as_given(text: str) -> None:
    dob = DateOfBirth.from_text(text)
    assert dob.as_given == text.strip()
    if dob.parsed is not None:
        assert dob.parsed.isoformat().replace("-", "") in dob.as_given.replace("-", "")


def test_non_iso_dates_of_birth_are_not_guessed() -> None:
    dob = DateOfBirth.from_text("07/03/1984")
    assert dob.parsed is None
    assert dob.as_given == "07/03/1984"
    assert DateOfBirth.from_text("1984-02-30").parsed is None


def test_shipped_taxonomy_has_every_domain() -> None:
    t = shipped_taxonomy()
    assert set(t.domains) == {
        "approach",
        "control",
        "violence",
        "weapon",
        "verbal",
        "sexual_acts",
        "precautions",
        "theft",
        "location_type",
        "vehicle",
    }
    assert t.behaviour("approach", " BLITZ ") == Behaviour("approach", "blitz")
    with pytest.raises(InvalidValue, match="not a code of domain approach"):
        t.behaviour("approach", "teleport")


def test_another_scheme_maps_through_aliases() -> None:
    t = Taxonomy.from_mapping(
        {
            "name": "force scheme",
            "domains": {"approach": {"codes": {"blitz": "Blitz"}, "aliases": {"A1": "blitz"}}},
        }
    )
    assert t.behaviour("approach", "a1") == Behaviour("approach", "blitz")
    with pytest.raises(InvalidValue, match="unknown code"):
        Taxonomy.from_mapping(
            {"domains": {"approach": {"codes": {"x": "X"}, "aliases": {"A1": "y"}}}}
        )
    with pytest.raises(InvalidValue):
        Taxonomy.from_mapping({"name": "empty"})
