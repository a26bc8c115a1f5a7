"""Generated values have the documented shapes: descriptions, behaviours, dates, CSV cells."""

from pathlib import Path

import numpy as np

from caselink.domain.person import DateOfBirth
from caselink.domain.values import OffenderDescription
from caselink.synth import descriptions
from caselink.synth.behaviours import code_behaviours, load_taxonomy, true_behaviours
from caselink.synth.people import _dates_of_birth
from caselink.synth.writer import Labelled, iso_times, write_table


def test_every_description_label_is_a_valid_value() -> None:
    for age in descriptions._AGE_LABELS:
        OffenderDescription(age_band=age)
    for height in descriptions._HEIGHT_LABELS:
        OffenderDescription(height=height)
    for sex in ("male", "female", "unknown"):
        OffenderDescription(sex=sex)


def test_victims_match_what_their_offence_code_says() -> None:
    from caselink.synth.calibration import CODES

    code = np.repeat([CODES.index("19E"), CODES.index("19F")], 500)
    male, age = descriptions.victim_attributes(code, np.random.default_rng(0))
    assert (age[:500] < 13).all()
    assert not male[:500].any()
    assert (age[500:] >= 16).all()
    assert male[500:].all()
    bands = descriptions.age_band_of(age).values()
    assert set(bands[:500]) == {"0-12"}


def test_coded_behaviours_are_taxonomy_codes_with_missing_ones() -> None:
    taxonomy = load_taxonomy()
    rng = np.random.default_rng(0)
    n = 2000
    offender = np.arange(n) % 50
    truth = true_behaviours(
        taxonomy, np.zeros(n, np.int64), np.zeros(n, np.int64), offender,
        np.ones(50, dtype=bool), rng,
    )  # fmt: skip
    coded = code_behaviours(taxonomy, truth, rng)
    for domain, column in coded.columns.items():
        values = column.values()
        for value in values:
            for code in (value or "").split("|") if value else ():
                taxonomy.behaviour(domain, code)
        assert (values == None).mean() > 0.1  # noqa: E711 - blanks are part of the model
    assert truth["location_type"].sum(axis=1).tolist() == [1] * n


def test_dates_of_birth_are_written_several_ways() -> None:
    dob = np.full(5000, np.datetime64("1984-03-07"))
    text = _dates_of_birth(dob, np.zeros(5000, dtype=bool), np.random.default_rng(0))
    values = set(text.to_pylist())
    assert "1984-03-07" in values
    assert "07/03/1984" in values
    assert "1984-07-03" in values  # day and month swapped
    assert "7.3.84" in values
    parsed = [DateOfBirth.from_text(v).parsed for v in text.to_pylist()]
    assert sum(p is not None for p in parsed) > 0.7 * len(parsed)


def test_writer_leaves_empty_cells_for_missing_values(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_table(
        path,
        {
            "a": Labelled(np.array([0, -1, 1]), ["x", "y, z"]),
            "b": iso_times(np.array(["2017-01-02T03:04:05", "NaT", "2018-01-01"], "datetime64[s]")),
            "c": np.array([1.5, np.nan, 2.0]),
        },
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1] == '"x","2017-01-02T03:04:05",1.5'
    assert lines[2] == ",,"
    assert lines[3] == '"y, z","2018-01-01T00:00:00",2'
