"""Person resolution on Spark gives the entities the DuckDB backend gives."""

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from caselink.linkage.persons import resolve
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


# Expectation maximisation runs the same steps on both backends but sums in another order, and
# stops at Splink's convergence test: the trained parameters agree to a few parts in 10^5 in
# match probability (1.1e-5 the most measured on this data), and no record changes entity.
PROBABILITY_TOLERANCE = 1e-4


@pytest.mark.slow
def test_spark_backend_forms_the_duckdb_entities(spark: object, synthetic: Path) -> None:
    records = person_records(synthetic)
    on_duckdb = resolve(records, today=TODAY)
    on_spark = resolve_on_spark(records, spark, today=TODAY)  # type: ignore[arg-type]

    assert on_spark.figures["engine"] == "spark"
    assert on_spark.figures["entities_with_several_records"] > 10  # the data has people to find
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
            assert by_record[pid] == pytest.approx(p, abs=PROBABILITY_TOLERANCE)
    assert on_spark.figures["prior"] == pytest.approx(on_duckdb.figures["prior"], rel=1e-6)
    assert on_spark.figures["threshold"] == pytest.approx(on_duckdb.figures["threshold"], abs=1e-6)
