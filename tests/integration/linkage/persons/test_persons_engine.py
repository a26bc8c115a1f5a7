"""The person-resolution engine on a synthetic file, without a database: labels, thresholds,
repeatability."""

import pyarrow as pa
import pyarrow.csv as pcsv
import pytest

from caselink.linkage.persons import PersonModelSpec, evaluate, resolve
from caselink.synth import generate
from caselink.synth.person_records import person_records


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> tuple[pa.Table, pa.Table]:
    out = tmp_path_factory.mktemp("synth")
    generate(out, scale=0.02, seed=5)
    records = person_records(out / "persons.csv")
    truth = pcsv.read_csv(out / "truth" / "person_identities.csv")
    truth = records.select(["person_id", "source_id"]).join(truth, "source_id")
    return records, truth.select(["person_id", "identity_id"])


def test_labels_train_m_and_the_threshold_trades_recall_for_precision(
    people: tuple[pa.Table, pa.Table],
) -> None:
    records, truth = people
    strict = resolve(records, PersonModelSpec(threshold=0.99))
    loose = resolve(records, PersonModelSpec(threshold=0.5))
    s, lo = evaluate(strict.entities, truth), evaluate(loose.entities, truth)
    assert s["predicted_pairs"] <= lo["predicted_pairs"]
    assert s["precision"] >= 0.98
    assert lo["recall"] >= s["recall"]
    assert strict.entities.num_rows == records.num_rows
    assert strict.figures["links"] <= loose.figures["links"]

    labels = truth.rename_columns(["person_id", "label"])
    labelled = resolve(records, PersonModelSpec(threshold=0.95), labels=labels)
    f = labelled.figures
    assert f["labelled"] == records.num_rows - f["unresolvable"]
    assert evaluate(labelled.entities, truth)["precision"] >= 0.98


def test_the_same_records_and_seed_give_the_same_entities(
    people: tuple[pa.Table, pa.Table],
) -> None:
    records, _ = people
    a = resolve(records).entities.sort_by("person_id")
    b = resolve(records).entities.sort_by("person_id")
    assert a["entity_id"].equals(b["entity_id"])
