"""DuckDB's string similarity for Spark SQL, so a model scores a pair alike on both engines.

Splink writes a Jaro-Winkler level as ``jaro_winkler(l, r)`` in Spark SQL and as
``jaro_winkler_similarity(l, r)`` in DuckDB's. On Spark the name is bound to a Scala function
from Splink's jar, which scores some names otherwise than DuckDB (baker and barker: 0.876
against 0.902), so a pair near a level's bound fell in another level, and at a million records
9 of 978,088 entities differed from DuckDB's. ``spark_api`` binds the name instead to an
Arrow UDF that hands each batch of pairs to DuckDB's own function, in the executor's Python:
the same code scores on both engines, so they agree exactly, not within a tolerance.

DuckDB's function is called rather than matched by another library's: jellyfish agrees on
plain names but counts grapheme clusters where DuckDB counts code points, and a standardised
name keeps any letter, Thai ones among them, whose clusters span several code points (กำน
against กำย: 0.822 in DuckDB, 0.667 in jellyfish). Executors need DuckDB, of the driver's
version, which caselink depends on anyway.

The model's other similarity, ``levenshtein`` on dates and phone numbers, is Spark's built-in,
and agrees with DuckDB's on every pair tried, accented letters included.
"""

from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from splink import SparkAPI

# the name Splink's Spark dialect writes a Jaro-Winkler level with
JARO_WINKLER = "jaro_winkler"

_connection: duckdb.DuckDBPyConnection | None = None


def spark_api(spark: "SparkSession", **options: Any) -> "SparkAPI":
    """Splink's Spark API on ``spark`` (``options`` as ``SparkAPI`` takes them), with the
    session's ``jaro_winkler`` bound to DuckDB's Jaro-Winkler.

    The API registers the jar's functions on the session as it starts; the Arrow UDF is
    registered after it, and a function registered later under the same name replaces the
    earlier one. Another ``SparkAPI`` made on the session would bring the jar's back.
    """
    from pyspark.sql.pandas.functions import arrow_udf
    from pyspark.sql.types import DoubleType
    from splink import SparkAPI

    api = SparkAPI(spark_session=spark, **options)  # type: ignore[no-untyped-call]
    # scalar by its type hints, as pyspark prefers (naming the type warns); its stubs only
    # know the named form
    udf = arrow_udf(jaro_winkler, DoubleType())  # type: ignore[call-overload]
    spark.udf.register(JARO_WINKLER, udf)
    return api


def jaro_winkler(left: pa.Array, right: pa.Array) -> pa.Array:
    """DuckDB's ``jaro_winkler_similarity`` of each pair of ``left`` and ``right``; null where
    either is null."""
    pairs = pa.table({"l": left, "r": right})
    scored = _duckdb().from_arrow(pairs).project("jaro_winkler_similarity(l, r)::DOUBLE")
    return scored.to_arrow_table().column(0).combine_chunks()


def _duckdb() -> duckdb.DuckDBPyConnection:
    # One connection for the life of the Python worker, which Spark reuses from task to task;
    # one thread, as Spark already runs a task on each core.
    global _connection
    if _connection is None:
        _connection = duckdb.connect(config={"threads": 1})
    return _connection
