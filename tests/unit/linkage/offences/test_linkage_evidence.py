"""Evidence variables on hand-built reports."""

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from caselink.linkage.offences import ReportFrame, evidence
from caselink.linkage.offences.frame import reports_table
from caselink.linkage.offences.scorer.tables import _domain_runs

T0 = datetime(2024, 1, 8, tzinfo=UTC)  # a Monday in winter (UK clock = UTC)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def _rows() -> list[dict[str, object]]:
    return [
        {
            "report_id": 10,
            "force": "Kent",
            "reported_at": at(1),
            "occurred_from": at(0),
            "latitude": 51.3,
            "longitude": 0.5,
            "behaviours": ["approach:blitz", "control:gagged", "weapon:knife"],
            "attributes": {"victim_sex": "female", "scene": ["car", "park"]},
            "offender_sex": "male",
            "offender_age_band": "25-34",
            "offender_height": "170-180",
            "offender_build": "Slim",
            "offender_ethnic_appearance": "IC1",
            "relationship": "stranger",
        },
        {
            "report_id": 20,
            "force": "Essex",
            "reported_at": at(20),
            "occurred_from": at(9),
            "occurred_to": at(11),
            "latitude": 51.31,
            "longitude": 0.5,
            "behaviours": ["approach:blitz", "control:bound"],
            "attributes": {"victim_sex": "male", "scene": "park"},
            "offender_sex": "male",
            "offender_age_band": "30-39",
            "offender_height": "181-190",
            "offender_build": "slim",
            "offender_ethnic_appearance": "IC3",
            "relationship": "Stranger",
            "status": "cancelled",
            "cancellation_code": "C2",
        },
        {"report_id": 30, "force": "Kent", "reported_at": at(2), "x": 550000.0, "y": 150000.0},
    ]


def test_each_variable_for_a_pair_of_described_reports() -> None:
    table = reports_table(_rows())
    pairs = pa.table({"report_id_a": [10, 10], "report_id_b": [20, 30]})
    ev = evidence(table, pairs).to_pylist()
    a, b = ev
    assert a["distance_km"] == pytest.approx(1.112, abs=0.001)
    # a moment at day 0 against a window from day 9 to 11: E|U - V| = 10 days
    assert a["time_apart_days"] == pytest.approx(10.0)
    # midnight against a window of two whole days: uniform on the clock -> 6 h, 7-day week
    assert a["time_of_day_hours"] == pytest.approx(6.0)
    assert 0 <= a["day_of_week_days"] <= 3.5
    assert a["behaviours_jaccard"] == pytest.approx(1 / 4)
    assert a["behaviours_approach_jaccard"] == 1.0
    assert a["behaviours_control_jaccard"] == 0.0
    assert a["behaviours_weapon_jaccard"] is None  # only one of them coded a weapon
    assert a["attribute_victim_sex"] == 0
    assert a["attribute_scene"] == 1  # any shared value is a match
    assert a["offender_sex"] == 1
    assert a["offender_age"] == 1  # 25-34 and 30-39 overlap
    assert a["offender_height"] == 0
    assert a["offender_build"] == 1  # letter case is not a difference
    assert a["offender_ethnic_appearance"] == 0
    assert a["relationship"] == "stranger|stranger"
    assert a["same_person"] == -1  # no persons table: unknown
    # the third report has only grid x/y, the first only lat/lon: place not comparable
    assert b["distance_km"] is None
    assert b["time_apart_days"] is None  # occurrence time unknown
    assert b["behaviours_jaccard"] is None
    assert b["attribute_victim_sex"] == -1
    assert b["offender_sex"] == -1
    assert b["relationship"] is None


def test_same_person_uses_the_persons_table() -> None:
    table = reports_table(_rows())
    persons = pa.table({"report_id": [10, 20, 30], "entity_id": ["E1", "E1", "E2"]})
    pairs = pa.table({"report_id_a": [10, 10, 20], "report_id_b": [20, 30, 30]})
    got = evidence(table, pairs, persons=persons).column("same_person").to_pylist()
    assert got == [1, 0, 0]
    persons = pa.table({"report_id": [10], "entity_id": ["E1"]})
    got = evidence(table, pairs, persons=persons).column("same_person").to_pylist()
    assert got == [-1, -1, -1]


def test_unknown_pair_ids_are_refused_by_name() -> None:
    table = reports_table(_rows())
    with pytest.raises(ValueError, match="99"):
        evidence(table, pa.table({"report_id_a": [10], "report_id_b": [99]}))


def test_attributes_may_come_as_json_text() -> None:
    table = reports_table(_rows())
    text = pa.array(['{"scene": ["park"]}', '{"scene": "park"}', None], pa.string())
    table = table.set_column(table.schema.get_field_index("attributes"), "attributes", text)
    frame = ReportFrame.from_arrow(table)
    assert list(frame.attributes) == ["scene"]
    ev = evidence(frame, pa.table({"report_id_a": [10], "report_id_b": [20]}))
    assert ev.column("attribute_scene").to_pylist() == [1]


def test_sets_read_the_same_from_arrow_lists_and_from_text() -> None:
    rows = _rows()
    rows[0]["behaviours"] = [" Approach:Blitz ", "", "   ", "control:GAGGED", "weapon:knife"]
    rows[1]["attributes"] = {"scene": [" Car ", "", "  "], "victim_sex": []}
    table = reports_table(rows)
    columnar = ReportFrame.from_arrow(table)
    # the same values as JSON text and a large list, which take the value-by-value path
    text = pa.array([json.dumps(r.get("attributes") or {}) for r in rows], pa.string())
    lists = pa.array([r.get("behaviours") or [] for r in rows], pa.large_list(pa.string()))
    table = table.set_column(table.schema.get_field_index("attributes"), "attributes", text)
    table = table.set_column(table.schema.get_field_index("behaviours"), "behaviours", lists)
    plain = ReportFrame.from_arrow(table)
    for got, want in [(columnar.behaviours, plain.behaviours)] + [
        (columnar.attributes[name], plain.attributes[name]) for name in plain.attributes
    ]:
        assert got.vocabulary == want.vocabulary
        np.testing.assert_array_equal(got.bits, want.bits)
        assert list(got.groups) == list(want.groups)
    assert list(columnar.attributes) == list(plain.attributes) == ["scene", "victim_sex"]
    assert "approach:blitz" in columnar.behaviours.vocabulary
    assert "" not in columnar.behaviours.vocabulary
    assert columnar.attributes["scene"].vocabulary == ("car", "park")


def test_frame_refuses_bad_input() -> None:
    rows = _rows()
    with pytest.raises(ValueError, match="unique"):
        ReportFrame.from_arrow(reports_table([rows[0], rows[0]]))
    bad = dict(rows[2], status="lost")
    with pytest.raises(ValueError, match="status"):
        ReportFrame.from_arrow(reports_table([bad]))
    with pytest.raises(ValueError, match="reported_at"):
        ReportFrame.from_arrow(reports_table(rows).drop_columns(["reported_at"]))


def test_unreadable_bands_and_unknown_words_count_as_unknown() -> None:
    rows = _rows()
    rows[1]["offender_age_band"] = "about thirty"
    rows[1]["offender_build"] = "Unknown"
    frame = ReportFrame.from_arrow(reports_table(rows))
    assert np.isnan(frame.age_lo[1])
    assert frame.build[1] == -1


def test_impossible_coordinates_are_unknown_even_in_a_column_without_nulls() -> None:
    # a column without nulls comes from Arrow as a read-only view; blanking must not fail
    rows = [
        {"report_id": 1, "force": "Kent", "reported_at": at(0), "latitude": 95.0, "longitude": 0.1},
        {"report_id": 2, "force": "Kent", "reported_at": at(0), "latitude": 51.0, "longitude": 0.1},
    ]
    frame = ReportFrame.from_arrow(reports_table(rows))
    assert np.isnan(frame.latitude[0])
    assert np.isnan(frame.longitude[0])
    assert frame.latitude[1] == 51.0


def test_behaviour_domains_are_runs_of_bits_only_when_their_codes_sort_together() -> None:
    # the scorer scans shared codes by domain run (scorer.tables._domain_runs); a vocabulary whose
    # domains interleave, or a domain needing more than one word, turns the scan off
    ones = np.ones(2, np.int64)
    of_bit, end = _domain_runs(["a:x", "a:y", "b:x", "c:z"], ["a", "c"], ones, 1)
    assert of_bit[:4].tolist() == [0, 0, -1, 1]
    assert (of_bit[4:] == -1).all()
    assert of_bit.shape[0] == 64
    assert end.tolist() == [2, 4]
    of_bit, end = _domain_runs(["a:x", "b:x", "a:y"], ["a", "b"], ones, 1)
    assert of_bit.shape[0] == 0
    assert end.shape[0] == 0
    of_bit, _ = _domain_runs(["a:x"], ["a", "b"], np.array([2, 1]), 1)
    assert of_bit.shape[0] == 0
