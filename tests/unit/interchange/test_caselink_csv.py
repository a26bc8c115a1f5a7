"""Parsing caselink CSV: valid rows become reports, each kind of bad input a located error."""

import tomllib
from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caselink.domain.behaviours import Behaviour, Taxonomy
from caselink.domain.report import CancellationState
from caselink.domain.rules.policy import ForcePolicy
from caselink.domain.values import Status
from caselink.interchange.caselink_csv import read_offenders, read_persons, read_reports
from caselink.interchange.rows import FormatError
from support.sample_files import REPORT_HEADER, report, write_csv, write_persons, write_reports

TAXONOMY = Taxonomy.from_mapping(
    tomllib.loads((files("caselink.data") / "behaviour_taxonomy.toml").read_text(encoding="utf-8"))
)
POLICY = ForcePolicy()


def parse(path: Path) -> list:  # type: ignore[type-arg]
    return list(read_reports(path, TAXONOMY, POLICY).rows)


def test_a_valid_row_becomes_a_report(tmp_path: Path) -> None:
    [row] = parse(write_reports(tmp_path / "r.csv", [report("K1")]))
    assert not row.errors
    r = row.item
    assert (r.force, r.reference, r.status, r.offence_code) == ("Kent", "K1", Status.CRIME, "19C")
    assert r.behaviours == {
        Behaviour("approach", "blitz"),
        Behaviour("control", "gagged"),
        Behaviour("control", "bound"),
    }
    assert r.attributes == {"victim_age_band": ("18-24",)}
    assert r.reported_at.tzinfo is not None
    assert r.location.latitude == 51.27


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"force": "Gotham"}, "force", "44 force areas"),
        ({"reference": ""}, "reference", "required"),
        ({"reported_at": "yesterday"}, "reported_at", "ISO 8601"),
        ({"reported_at": ""}, "reported_at", "required"),
        ({"latitude": "200"}, "latitude", "between"),
        ({"longitude": ""}, "latitude", "both or neither"),
        ({"status": "solved"}, "status", "must be one of"),
        ({"offence_code": ""}, "offence_code", "offence code"),
        ({"offence_code": "rape"}, "offence_code", "Home Office offence code"),
        ({"status": "cancelled"}, "cancellation_code", "needs its cancellation code"),
        (
            {"status": "cancelled", "cancellation_code": "C9"},
            "cancellation_code",
            "C1, C2, C3 or C4",
        ),
        ({"status": "cancelled", "cancellation_code": "C2"}, "cancellation_rationale", "rationale"),
        (
            {"status": "transferred", "cancellation_code": "C2", "cancellation_rationale": "x"},
            "cancellation_code",
            "C1 goes with",
        ),
        ({"cancellation_code": "C2"}, "cancellation_code", "status is crime"),
        ({"status": "n100"}, "offence_code", "N100 is not recorded under"),
        (
            {"occurred_from": "2024-03-08T00:00:00", "occurred_to": ""},
            "occurred_from",
            "after it was reported",
        ),
        ({"occurred_to": "2024-03-07T21:00:00"}, "occurred_to", "ends before it starts"),
        ({"decided_at": "2024-03-01T00:00:00"}, "decided_at", "before the report"),
        ({"status": "incident", "offence_code": ""}, "decided_at", "no recording decision yet"),
        ({"mo.approach": "teleport"}, "mo.approach", "not a code of domain"),
        ({"offender_age_band": "old"}, "offender_age_band", "band"),
        ({"relationship": "neighbour"}, "relationship", "must be one of"),
    ],
)
def test_each_kind_of_bad_cell_is_located(
    tmp_path: Path, cells: dict[str, str], column: str, reason: str
) -> None:
    path = write_reports(tmp_path / "r.csv", [report("K1"), {**report("K2"), **cells}])
    ok, bad = parse(path)
    assert not ok.errors
    assert bad.item is None
    assert any(
        e.column == column and reason in e.reason and e.line == 3 and e.file == "r.csv"
        for e in bad.errors
    ), bad.errors


def test_historic_wrong_decisions_are_imported_as_they_were(tmp_path: Path) -> None:
    cells = {
        "status": "cancelled",
        "cancellation_code": "C2",
        "cancellation_rationale": "victim withdrew support",
    }
    [row] = parse(write_reports(tmp_path / "r.csv", [report("K1", **cells)]))
    r = row.item
    # A rape cancellation without an authoriser is pending: it still counts as a crime.
    assert r.status is Status.CRIME
    assert r.pending_cancellation is not None
    assert {f.rule.id for f in r.findings(POLICY)} >= {"CAN-1", "CAN-2", "CAN-3"}
    authorised = dict(cells, cancellation_authorised_by="rita", cancellation_evidence="CCTV")
    [row] = parse(write_reports(tmp_path / "r2.csv", [report("K2", **authorised)]))
    assert row.item.status is Status.CANCELLED
    assert row.item.cancellations[0].state is CancellationState.APPLIED


def test_cancelled_n100_has_no_offence_code_and_keeps_its_rationale(tmp_path: Path) -> None:
    cells = {
        "status": "cancelled",
        "offence_code": "",
        "cancellation_code": "C4",
        "cancellation_rationale": "error",
        "cancellation_evidence": "keyed twice",
        "recording_rationale": "not a rape on the account",
    }
    [row] = parse(write_reports(tmp_path / "r.csv", [report("K1", **cells)]))
    assert row.item.status is Status.N100
    assert row.item.pending_cancellation is not None


def test_header_problems_refuse_the_file(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        ["reference", "force", "colour"],
        [{"reference": "1", "force": "Kent", "colour": "x"}],
    )
    with pytest.raises(FormatError) as caught:
        read_reports(path, TAXONOMY, POLICY)
    reasons = {(e.column, e.reason) for e in caught.value.errors}
    assert ("colour", "unknown column (see docs/formats.md)") in reasons
    assert ("reported_at", "required column is missing") in reasons
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(FormatError, match="empty"):
        read_reports(tmp_path / "empty.csv", TAXONOMY, POLICY)


def test_ragged_rows_and_bad_encoding_are_row_errors(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(",".join(REPORT_HEADER) + "\nK1,Kent\n", encoding="utf-8")
    [row] = parse(path)
    assert "cells but the header has" in row.errors[0].reason
    path.write_bytes((",".join(REPORT_HEADER) + "\n").encode() + b"K1,\xff\xfe\n")
    with pytest.raises(FormatError, match="UTF-8"):
        parse(path)


def test_multiline_narrative_and_bom(tmp_path: Path) -> None:
    path = write_reports(
        tmp_path / "r.csv", [report("K1", narrative="line one\nline two"), report("K2")]
    )
    data = path.read_bytes()
    path.write_bytes(b"\xef\xbb\xbf" + data)
    first, second = parse(path)
    assert first.item.narrative == "line one\nline two"
    assert second.line == 4  # the record after a two-line record starts on line 4


def test_persons_and_offenders(tmp_path: Path) -> None:
    path = write_persons(
        tmp_path / "p.csv",
        [
            {
                "reference": "K1",
                "force": "Kent",
                "role": "suspect",
                "forename": "John",
                "date_of_birth": "07/03/1984",
                "postcode": "me1  1aa",
                "identifier": "PNC1|PNC2",
            },
            {"reference": "K1", "force": "Kent", "role": "boss"},
            {"reference": "K1", "force": "Kent", "role": "witness"},
        ],
    )
    good, bad, bare = read_persons(path).rows
    p = good.item.person
    assert p.date_of_birth.as_given == "07/03/1984"
    assert p.date_of_birth.parsed is None
    assert p.postcode == "ME1 1AA"
    assert p.identifiers == ("PNC1", "PNC2")
    assert bad.errors[0].column == "role"
    assert bare.item is not None
    assert not bare.item.person.has_identity
    off = write_csv(
        tmp_path / "o.csv",
        ["offender_id", "reference", "force"],
        [{"offender_id": "", "reference": "K1", "force": "Kent"}],
    )
    [row] = read_offenders(off).rows
    assert row.errors[0].column == "offender_id"


_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=25)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.fixed_dictionaries(
        dict.fromkeys(
            (
                "force",
                "reported_at",
                "occurred_from",
                "latitude",
                "longitude",
                "offence_code",
                "status",
                "cancellation_code",
                "mo.approach",
                "offender_age_band",
                "relationship",
            ),
            _cell,
        )
    )
)
def test_the_parser_never_crashes_whatever_the_cells(tmp_path: Path, cells: dict[str, str]) -> None:
    path = write_reports(tmp_path / "fuzz.csv", [report("K1", **cells)])
    [row] = parse(path)
    assert (row.item is None) == bool(row.errors)
    for e in row.errors:
        assert e.line == 2
        assert e.reason
