"""No CSV cell caselink writes can start a spreadsheet formula (OWASP, CSV injection), and no
reference that would start one is taken in."""

import csv
import io
import re
import tomllib
from importlib.resources import files
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caselink.domain.behaviours import Taxonomy
from caselink.domain.errors import InvalidValue
from caselink.domain.rules.policy import ForcePolicy
from caselink.domain.values import check_reference
from caselink.interchange.caselink_csv import read_offenders, read_persons, read_reports
from caselink.interchange.csv_writing import csv_writer, safe_cell, safe_text_column
from support.sample_files import report, write_csv, write_persons, write_reports

TAXONOMY = Taxonomy.from_mapping(
    tomllib.loads((files("caselink.data") / "behaviour_taxonomy.toml").read_text(encoding="utf-8"))
)
# What a spreadsheet runs: a cell whose first character, after any spaces, is one of these.
FORMULA = frozenset("=+-@\t\r＝＋－＠")
# A plain negative number, or a lone sign (a dash for "none"): a spreadsheet shows either as is.
PLAIN_NEGATIVE_NUMBER = re.compile(r"(-[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+])\Z")
# Cells made mostly of the characters that matter, so examples hit the edges often.
risky_text = st.text(alphabet=st.sampled_from("=+-@\t\r \n'0123456789.eE,\"＝ab"), max_size=12)
cells = st.one_of(risky_text, st.text(max_size=20), st.integers(), st.floats(allow_nan=False))


def starts_a_formula(cell: str) -> bool:
    first = cell.lstrip(" ")[:1]
    return first in FORMULA and not PLAIN_NEGATIVE_NUMBER.match(cell)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(cells, min_size=1, max_size=6), min_size=1, max_size=8))
def test_no_written_cell_can_start_a_formula(rows: list[list[object]]) -> None:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerows(rows)
    read = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(read) == len(rows)
    for written, given_row in zip(read, rows, strict=True):
        for cell, value in zip(written, given_row, strict=True):
            assert not starts_a_formula(cell), (value, cell)
            # nothing is lost: the quote in front is all that was added
            original = str(value)
            assert cell == original or cell == "'" + original


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), risky_text, st.text(max_size=10)), max_size=30))
def test_a_column_written_by_pyarrow_is_made_safe_in_the_same_way(
    values: list[str | None],
) -> None:
    column = safe_text_column(pa.array(values, type=pa.string()))
    assert column.to_pylist() == [None if v is None else safe_cell(v) for v in values]


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\r=1", "'\r=1"),
        ("  =1+1", "'  =1+1"),
        ("-1+1", "'-1+1"),
        ("-", "-"),  # a dash for "none" stays a dash
        ("+", "+"),
        ("--", "'--"),
        ("-0.52", "-0.52"),  # a longitude stays a number
        ("-3", "-3"),
        ("-1.5e-05", "-1.5e-05"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_what_is_quoted_and_what_is_left(given: str, written: str) -> None:
    assert safe_cell(given) == written


@pytest.mark.parametrize(
    "reference",
    ["=1+1", "+K1", "-K1", "@K1", "\tK1", "K/1", "../K1", "K..1", "K\\1", "K\x1b[31m1", "K\u202e1"],
)
def test_a_hostile_reference_is_refused(reference: str) -> None:
    with pytest.raises(InvalidValue):
        check_reference("reference", reference)


@pytest.mark.parametrize("reference", ["K1", "KEN-2017-000123", "46 12345 24", "Ärger-1", "K.1"])
def test_ordinary_references_are_taken(reference: str) -> None:
    assert check_reference("reference", reference) == reference


@pytest.mark.parametrize("reference", ["=cmd|'/C calc'!A0", "-K1", "@K1", "K/1", "K\x1b[2J"])
def test_an_import_refuses_a_hostile_reference_with_a_row_error(
    tmp_path: Path, reference: str
) -> None:
    reports = write_reports(tmp_path / "r.csv", [report(reference)])
    [row] = read_reports(reports, TAXONOMY, ForcePolicy()).rows
    assert row.item is None
    assert [e.column for e in row.errors] == ["reference"]
    persons = write_persons(
        tmp_path / "p.csv", [{"reference": reference, "force": "Kent", "role": "suspect"}]
    )
    [person] = read_persons(persons).rows
    assert [e.column for e in person.errors] == ["reference"]
    offenders = write_csv(
        tmp_path / "o.csv",
        ("offender_id", "reference", "force"),
        [{"offender_id": "O1", "reference": reference, "force": "Kent"}],
    )
    [label] = read_offenders(offenders).rows
    assert [e.column for e in label.errors] == ["reference"]
