"""The evaluation harness (bench/persons_eval.py) on a slice of FEBRL 1: records written as
caselink files, imported into a store, resolved as a user would, and measured beside plain
Splink on the same records."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[4] / "bench" / "persons_eval.py"


@pytest.fixture(scope="module")
def harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("persons_eval", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["persons_eval"] = module
    spec.loader.exec_module(module)
    return module


def test_a_febrl_slice_goes_through_the_store_and_beside_plain_splink(
    harness: ModuleType, tmp_path: Path
) -> None:
    files = harness.set_files("febrl1", tmp_path / "febrl1", scale=0.1, seed=7, limit=120)
    persons_csv = (files / "persons.csv").read_text(encoding="utf-8").splitlines()
    truth = (files / "truth.csv").read_text(encoding="utf-8").splitlines()
    assert persons_csv[0].startswith("reference,force,role,source_id")
    assert len(persons_csv) == len(truth)  # one truth row per record
    result = harness.run_set("febrl1", files, tmp_path, threshold=None)
    assert result["records"] == len(truth) - 1
    ours, theirs = result["caselink"], result["splink"]
    for figures in (ours, theirs):
        assert figures["true_pairs"] > 0
        assert 0.0 <= figures["precision_interval"][0] <= figures["precision"]
        assert figures["recall"] <= figures["recall_interval"][1] <= 1.0
    assert ours["expected_precision"] >= 0.999  # the threshold was chosen for it
    assert ours["precision"] >= 0.99
    table = harness._table([result])
    assert "febrl1" in table
    assert "splink" in table


def test_only_known_sets_are_offered(harness: ModuleType) -> None:
    assert set(harness.SETS) == {"febrl1", "febrl2", "febrl4", "synthetic"}
    assert harness.HELD_OUT == "febrl4"
