"""Person resolution on Spark gives the model, the probabilities and the entities of DuckDB."""

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from splink import DuckDBAPI, Linker

from caselink.linkage.persons import PersonModelSpec, PersonResolution, resolve
from caselink.linkage.persons.comparisons import settings_creator
from caselink.linkage.persons.preparation import PREPARED_TABLE, prepare
from caselink.linkage.persons.resolution import quiet_splink
from caselink.linkage.persons.training import train
from caselink.linkage.spark.persons import _PairsOnSpark, resolve_on_spark
from caselink.synth.person_records import person_records

TODAY = date(2026, 1, 1)
# Expectation maximisation converges on this data within a few rounds; a bound below the
# default keeps a round that would not converge from costing time, on both engines alike.
SPEC = PersonModelSpec(em_max_iterations=10)


def _clusters(entities: pa.Table) -> set[frozenset[int]]:
    groups: dict[str, set[int]] = {}
    for pid, eid in zip(
        entities.column("person_id").to_pylist(),
        entities.column("entity_id").to_pylist(),
        strict=True,
    ):
        groups.setdefault(eid, set()).add(pid)
    return {frozenset(g) for g in groups.values()}


def _parameters(model: dict[str, Any]) -> dict[tuple[str, str, str], float | None]:
    return {
        (c["output_column_name"], level["label_for_charts"], key): level.get(key)
        for c in model["comparisons"]
        for level in c["comparison_levels"]
        if not level.get("is_null_level")
        for key in ("m_probability", "u_probability")
    }


def _assert_same_entities(on_spark: PersonResolution, on_duckdb: PersonResolution) -> None:
    assert on_spark.figures["entities_with_several_records"] > 10  # the data has people to find
    assert _clusters(on_spark.entities) == _clusters(on_duckdb.entities)
    by_record = dict(
        zip(
            on_duckdb.entities.column("person_id").to_pylist(),
            on_duckdb.entities.column("match_probability").to_pylist(),
            strict=True,
        )
    )
    linked = 0
    for pid, p in zip(
        on_spark.entities.column("person_id").to_pylist(),
        on_spark.entities.column("match_probability").to_pylist(),
        strict=True,
    ):
        if p is None:
            assert by_record[pid] is None
        else:
            linked += 1
            assert by_record[pid] == pytest.approx(p, abs=1e-6)
    assert linked > 20
    assert on_spark.figures["threshold"] == pytest.approx(on_duckdb.figures["threshold"], abs=1e-6)


@pytest.fixture(scope="module")
def on_duckdb(synthetic: Path) -> PersonResolution:
    return resolve(person_records(synthetic / "persons.csv"), SPEC, today=TODAY)


def test_trained_on_spark_the_model_and_entities_are_those_of_duckdb(
    spark: object, synthetic: Path, on_duckdb: PersonResolution
) -> None:
    # Splink's backends sample u's pairs by their own hash functions and would learn u a few
    # parts in 10^3 apart (match probabilities up to 3.6e-4 apart); trained on Spark, every
    # parameter is DuckDB's but for floating point, and so is every probability.
    on_spark = resolve_on_spark(person_records(synthetic / "persons.csv"), spark, SPEC, today=TODAY)  # type: ignore[arg-type]
    assert on_spark.figures["engine"] == "spark"
    assert on_spark.model["probability_two_random_records_match"] == pytest.approx(
        on_duckdb.model["probability_two_random_records_match"], rel=1e-9
    )
    ours, theirs = _parameters(on_spark.model), _parameters(on_duckdb.model)
    assert ours.keys() == theirs.keys()
    assert sum(v is not None for v in theirs.values()) > 20  # the model was trained
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value, abs=1e-9), key
    _assert_same_entities(on_spark, on_duckdb)


def test_the_same_model_scores_the_same_on_spark(
    spark: object, synthetic: Path, on_duckdb: PersonResolution
) -> None:
    on_spark = resolve_on_spark(
        person_records(synthetic / "persons.csv"),
        spark,  # type: ignore[arg-type]
        SPEC,
        today=TODAY,
        model=on_duckdb.model,
    )
    _assert_same_entities(on_spark, on_duckdb)


def test_training_with_pairs_counted_elsewhere_is_splinks_own(synthetic: Path) -> None:
    # The Spark run's training without Spark: the pairs are counted on a second linker (here
    # another DuckDB), the iterations run on the first; the model is Splink's own training's.
    def linker() -> tuple[Linker, duckdb.DuckDBPyConnection]:
        con = duckdb.connect()
        prepare(con, person_records(synthetic / "persons.csv"), today=TODAY)
        return Linker(DuckDBAPI(con).register(PREPARED_TABLE), settings_creator(SPEC)), con

    def trained(split: bool) -> dict[str, Any]:
        driver, con = linker()
        if split:
            driver.training = _PairsOnSpark(driver, linker()[0])
        notes: list[str] = []
        with quiet_splink():
            prior = train(driver, SPEC, False, notes, con)
        assert not [n for n in notes if "expectation maximisation" in n]
        model: dict[str, Any] = driver.misc.save_model_to_json()
        model["probability_two_random_records_match"] = prior
        return model

    own, split = trained(False), trained(True)
    assert split["probability_two_random_records_match"] == pytest.approx(
        own["probability_two_random_records_match"], rel=1e-12
    )
    ours, theirs = _parameters(split), _parameters(own)
    assert sum(v is not None for v in theirs.values()) > 20
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value, abs=1e-12), key
