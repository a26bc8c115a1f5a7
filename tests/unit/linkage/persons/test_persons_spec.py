"""The person model's specification: comparisons, their levels' SQL, blocking, evaluation."""

import json
from itertools import combinations
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from caselink.linkage.persons.comparisons import (
    PersonModelSpec,
    model_settings,
    prediction_blocking_rules,
    training_blocking_rules,
)
from caselink.linkage.persons.evaluation import evaluate
from caselink.linkage.persons.training import M_FLOOR, bounded_model

SETTINGS = model_settings(PersonModelSpec())
COMPARISONS = {c["output_column_name"]: c for c in SETTINGS["comparisons"]}


def test_the_model_compares_names_dates_places_phones_identifiers_aliases_and_force() -> None:
    assert list(COMPARISONS) == [
        "forename",
        "surname",
        "dob",
        "place",
        "phone",
        "identifiers",
        "alias",
        "force",
    ]
    for c in COMPARISONS.values():
        levels = c["comparison_levels"]
        assert levels[0].get("is_null_level"), c["output_column_name"]
        assert levels[-1]["sql_condition"] == "ELSE"
    # It serialises, so a run can store it.
    assert json.loads(json.dumps(SETTINGS)) == SETTINGS


def test_names_are_weighted_by_how_common_they_are() -> None:
    for name, column in (("forename", "forename_std"), ("surname", "surname_std")):
        exact = COMPARISONS[name]["comparison_levels"][1]
        assert exact["tf_adjustment_column"] == column


def _level(comparison: str, left: dict[str, Any], right: dict[str, Any]) -> str:
    """The label of the first level that holds for one pair, evaluated in DuckDB."""
    levels = COMPARISONS[comparison]["comparison_levels"]
    cases = " ".join(f"WHEN {lvl['sql_condition']} THEN {i}" for i, lvl in enumerate(levels[:-1]))
    columns = {f"{k}_l": v for k, v in left.items()} | {f"{k}_r": v for k, v in right.items()}
    con = duckdb.connect()
    con.register("pair", pa.Table.from_pylist([columns]))
    rows = con.execute(f"SELECT CASE {cases} ELSE {len(levels) - 1} END FROM pair").fetchall()
    con.close()
    return str(levels[int(rows[0][0])]["label_for_charts"])


PEOPLE = {"forename_std": "robert", "surname_std": "quill"}


@pytest.mark.parametrize(
    ("comparison", "left", "right", "label"),
    [
        (
            "forename",
            {**PEOPLE, "forename_alts": ["robert"]},
            {"forename_std": "bob", "surname_std": "quill", "forename_alts": ["bob", "robert"]},
            "nickname of the same name",
        ),
        (
            "forename",
            {**PEOPLE, "forename_alts": ["robert"]},
            {"forename_std": "quill", "surname_std": "robert", "forename_alts": ["quill"]},
            "forename is the other's surname",
        ),
        (
            "surname",
            {**PEOPLE, "forename_alts": ["robert"]},
            {"forename_std": "quill", "surname_std": "robert", "forename_alts": ["quill"]},
            "surname is the other's forename",
        ),
        (
            "dob",
            {"dob": "1984-03-07", "dob_year": 1984},
            {"dob": "1984-07-03", "dob_year": 1984},
            "day and month swapped",
        ),
        (
            "dob",
            {"dob": "1984-03-07", "dob_year": 1984},
            {"dob": "1984-03-08", "dob_year": 1984},
            "one character differs",
        ),
        (
            "dob",
            {"dob": None, "dob_year": 1984},
            {"dob": "1984-03-08", "dob_year": 1984},
            "year of birth only, same year",
        ),
        (
            "place",
            {"postcode_std": "ME14 1XX", "address_std": "1 high street"},
            {"postcode_std": "ME14 1XX", "address_std": "9 low road"},
            "postcode exact",
        ),
        (
            "place",
            {"postcode_std": "ME14 1XX", "address_std": None},
            {"postcode_std": "ME14 1AB", "address_std": None},
            "postcode sector",
        ),
        (
            "identifiers",
            {"identifiers": ["18/1A", "X"]},
            {"identifiers": ["Y", "18/1A"]},
            "an identifier in common",
        ),
        (
            "alias",
            {"alias_names": ["john smith"], "full_name": "robert quill"},
            {"alias_names": None, "full_name": "john smith"},
            "one's name is the other's alias",
        ),
    ],
)
def test_levels_recognise_typical_variations(
    comparison: str, left: dict[str, Any], right: dict[str, Any], label: str
) -> None:
    assert _level(comparison, left, right) == label


def test_blocking_needs_a_rare_value_or_two_fields() -> None:
    rules = [r.get_blocking_rule("duckdb").blocking_rule_sql for r in prediction_blocking_rules()]
    single = [r for r in rules if " AND " not in r.upper()]
    assert all("identifier" in r or "phone" in r for r in single), single
    assert any("l.forename_std = r.surname_std" in r for r in rules)
    assert len(training_blocking_rules()) >= 2


def test_the_threshold_is_a_probability() -> None:
    for bad in (0.0, 1.0, -0.5, 2.0):
        with pytest.raises(ValueError, match="threshold"):
            PersonModelSpec(threshold=bad)


def test_no_disagreement_vetoes_and_unseen_levels_are_bounded() -> None:
    model = json.loads(json.dumps(SETTINGS))
    phone = next(c for c in model["comparisons"] if c["output_column_name"] == "phone")
    phone["comparison_levels"][-1]["m_probability"] = 0.0
    bounded, notes = bounded_model(model, 1e6)
    levels = next(c for c in bounded["comparisons"] if c["output_column_name"] == "phone")[
        "comparison_levels"
    ]
    assert levels[-1]["m_probability"] == M_FLOOR
    assert all(lvl["u_probability"] for lvl in levels[1:])
    assert any("phone" in n for n in notes)
    assert phone["comparison_levels"][-1]["m_probability"] == 0.0  # the input is not changed


def _brute(entities: list[str], identities: list[str]) -> tuple[int, int, int]:
    tp = pred = true = 0
    for i, j in combinations(range(len(entities)), 2):
        same_e, same_i = entities[i] == entities[j], identities[i] == identities[j]
        pred += same_e
        true += same_i
        tp += same_e and same_i
    return tp, pred, true


def test_evaluation_counts_pairs_exactly_as_listing_them_would() -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        n = int(rng.integers(2, 60))
        ents = [f"E{x}" for x in rng.integers(0, n // 2 + 1, n)]
        ids = [f"I{x}" for x in rng.integers(0, n // 2 + 1, n)]
        result = evaluate(
            pa.table({"person_id": list(range(n)), "entity_id": ents}),
            pa.table({"person_id": list(range(n)), "identity_id": ids}),
        )
        tp, pred, true = _brute(ents, ids)
        assert (result["true_positive_pairs"], result["predicted_pairs"], result["true_pairs"]) == (
            tp,
            pred,
            true,
        )


def test_cluster_figures_on_a_small_example() -> None:
    # Identities: {1,2,3}, {4,5}, {6}. Entities: {1,2,3} exact, {4} and {5,6} wrong.
    result = evaluate(
        pa.table({"person_id": [1, 2, 3, 4, 5, 6], "entity_id": list("AAABCC")}),
        pa.table({"person_id": [1, 2, 3, 4, 5, 6, 7], "identity_id": list("XXXYYZW")}),
    )
    assert result["records"] == 6
    assert result["exact_entities"] == 1
    assert result["merged_entities"] == 1
    assert result["split_identities"] == 1
    assert result["precision"] == pytest.approx(3 / 4)
    assert result["recall"] == pytest.approx(3 / 4)
    assert result["cluster_recall"] == pytest.approx(1 / 3)
