"""Spark SQL's Jaro-Winkler, on the API person resolution builds, is DuckDB's to the last bit."""

import random
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import splink.comparison_level_library as cll

from caselink.linkage.spark.similarity import JARO_WINKLER, spark_api
from caselink.synth.name_pools import build_pools

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Splink's jar scores baker/barker 0.876 where DuckDB scores 0.902; the rest are edges.
EDGES: list[tuple[str | None, str | None]] = [
    ("baker", "barker"),
    ("martha", "marhta"),
    ("dixon", "dicksonx"),
    ("jon", "john"),
    ("", ""),
    ("a", ""),
    ("", "a"),
    ("a", "a"),
    ("a", "b"),
    ("ab", "ba"),
    ("smith", "smith"),
    ("josé", "jose"),
    ("é", "e"),
    ("ñandú", "nandu"),
    ("jose\u0301", "josé"),  # a combining accent against the composed letter
    ("กำน", "กำย"),  # Thai: clusters of two code points
    ("o'brien", "obrien"),
    ("x" * 300, "x" * 299 + "y"),
    ("abcdefghij" * 10, "abcdefghik" * 10),
    (None, "a"),
    ("a", None),
    (None, None),
]
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _generated(n: int, seed: int) -> list[tuple[str | None, str | None]]:
    """Synthetic names against themselves after up to three typos (or another name)."""
    pools = build_pools(seed)
    names = [str(s).lower() for s in list(pools.forenames) + list(pools.surnames)]
    rng = random.Random(seed)
    pairs: list[tuple[str | None, str | None]] = []
    for _ in range(n):
        name = rng.choice(names)
        if rng.random() < 0.2:
            pairs.append((name, rng.choice(names)))
            continue
        typed = list(name)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(typed) + 1)
            kind = rng.randrange(4)
            if kind == 0 and at < len(typed):
                del typed[at]
            elif kind == 1:
                typed.insert(at, rng.choice(LETTERS))
            elif kind == 2 and at < len(typed):
                typed[at] = rng.choice(LETTERS)
            elif at + 1 < len(typed):
                typed[at], typed[at + 1] = typed[at + 1], typed[at]
        pairs.append((name, "".join(typed)))
    return pairs


def _scored(spark: "SparkSession", pairs: list[tuple[str | None, str | None]]) -> None:
    table = pa.table(
        {
            "i": pa.array(range(len(pairs)), pa.int64()),
            "l": pa.array([p[0] for p in pairs], pa.string()),
            "r": pa.array([p[1] for p in pairs], pa.string()),
        }
    )
    con = duckdb.connect()
    con.register("pairs", table)
    expected = dict(con.sql("SELECT i, jaro_winkler_similarity(l, r) FROM pairs").fetchall())
    con.close()
    spark_api(spark)
    got = {
        row[0]: row[1]
        for row in spark.createDataFrame(table).selectExpr("i", f"{JARO_WINKLER}(l, r)").collect()
    }
    wrong = [
        (pairs[i], expected[i], got[i])
        for i in expected
        if (expected[i] is None) != (got[i] is None)
        or (expected[i] is not None and abs(expected[i] - got[i]) > 1e-12)
    ]
    assert not wrong, f"{len(wrong)} pair(s) scored otherwise than DuckDB: {wrong[:10]}"


def test_splink_writes_jaro_winkler_levels_with_the_name_replaced() -> None:
    sql = cll.JaroWinklerLevel("forename_std", 0.92).get_comparison_level("spark").sql_condition
    assert f"{JARO_WINKLER}(" in sql


def test_edge_cases_are_scored_as_duckdb_scores_them(spark: "SparkSession") -> None:
    _scored(spark, EDGES)


def test_generated_names_are_scored_as_duckdb_scores_them(spark: "SparkSession") -> None:
    pairs = _generated(5000, seed=11)
    assert sum(a == b for a, b in pairs) < 500  # mostly near misses, where levels part
    _scored(spark, pairs)
