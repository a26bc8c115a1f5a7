"""Person resolution on Spark gives the entities the DuckDB backend gives."""

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from caselink.linkage.persons import PersonResolution, resolve
from caselink.linkage.spark.persons import resolve_on_spark

from .conftest import person_records

TODAY = date(2026, 1, 1)


def _clusters(entities: pa.Table) -> set[frozenset[int]]:
    groups: dict[str, set[int]] = {}
    for pid, eid in zip(
        entities.column("person_id").to_pylist(),
        entities.column("entity_id").to_pylist(),
        strict=True,
    ):
        groups.setdefault(eid, set()).add(pid)
    return {frozenset(g) for g in groups.values()}


@pytest.fixture(scope="module")
def on_duckdb(synthetic: Path) -> PersonResolution:
    return resolve(person_records(synthetic), today=TODAY)


@pytest.mark.slow
def test_trained_on_spark_the_entities_are_those_of_duckdb(
    spark: object, synthetic: Path, on_duckdb: PersonResolution
) -> None:
    # Trained on each backend, the parameters differ in their last digits (expectation
    # maximisation sums in another order and stops at a convergence test): the match
    # probabilities differ by up to a few parts in 10^4, and no record changes entity.
    on_spark = resolve_on_spark(person_records(synthetic), spark, today=TODAY)  # type: ignore[arg-type]
    assert on_spark.figures["engine"] == "spark"
    assert on_spark.figures["entities_with_several_records"] > 10  # the data has people to find
    assert _clusters(on_spark.entities) == _clusters(on_duckdb.entities)


def test_the_same_model_scores_the_same_on_spark(
    spark: object, synthetic: Path, on_duckdb: PersonResolution
) -> None:
    on_spark = resolve_on_spark(
        person_records(synthetic),
        spark,  # type: ignore[arg-type]
        today=TODAY,
        model=on_duckdb.model,
    )
    assert on_spark.figures["entities_with_several_records"] > 10
    assert _clusters(on_spark.entities) == _clusters(on_duckdb.entities)
    by_record = dict(
        zip(
            on_duckdb.entities.column("person_id").to_pylist(),
            on_duckdb.entities.column("match_probability").to_pylist(),
            strict=True,
        )
    )
    for pid, p in zip(
        on_spark.entities.column("person_id").to_pylist(),
        on_spark.entities.column("match_probability").to_pylist(),
        strict=True,
    ):
        if p is None:
            assert by_record[pid] is None
        else:
            assert by_record[pid] == pytest.approx(p, abs=1e-6)
    assert on_spark.figures["threshold"] == pytest.approx(on_duckdb.figures["threshold"], abs=1e-6)
