"""Reading query results into Arrow through the ADBC drivers, on SQLite and PostgreSQL."""

from collections.abc import Iterator
from datetime import date

import pyarrow as pa
import pytest
from sqlalchemy import BigInteger, Column, Date, Engine, MetaData, String, Table, insert, select

from caselink.storage.arrow_reads import read_arrow
from caselink.storage.engine import make_engine

SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string()), ("born", pa.date32())])


@pytest.fixture
def scratch(database: str) -> Iterator[tuple[Table, Engine]]:
    """A table of its own on each backend, and the engine to reach it."""
    engine = make_engine(database)
    table = Table(
        "arrow_scratch",
        MetaData(),
        Column("id", BigInteger, primary_key=True),
        Column("name", String(20)),
        Column("born", Date),
    )
    table.drop(engine, checkfirst=True)  # the PostgreSQL database outlives a test
    table.create(engine)
    try:
        yield table, engine
    finally:
        # and other tests share it: one comparing the schema with the migrations would see
        # this table as one too many
        table.drop(engine, checkfirst=True)
        engine.dispose()


def test_columns_empty_for_thousands_of_rows_still_read_as_their_type(
    scratch: tuple[Table, Engine],
) -> None:
    table, engine = scratch
    # The SQLite driver infers types from the rows it has seen: null for 5,000 rows, then text
    # and dates, must not read as integers or fail.
    rows = [{"id": i, "name": None, "born": None} for i in range(1, 5001)]
    rows += [{"id": 5001, "name": "Ann", "born": date(1984, 3, 7)}]
    with engine.begin() as conn:
        conn.execute(insert(table), rows)
    got = read_arrow(engine, select(table).order_by(table.c.id), SCHEMA)
    assert got.schema == SCHEMA
    assert got.num_rows == 5001
    assert got.column("name").null_count == 5000
    assert got.slice(5000).to_pylist() == [{"id": 5001, "name": "Ann", "born": date(1984, 3, 7)}]


def test_a_read_sees_only_what_is_committed(scratch: tuple[Table, Engine]) -> None:
    table, engine = scratch
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": 1, "name": "kept", "born": None}])
    with engine.connect() as conn:
        conn.execute(insert(table), [{"id": 2, "name": "not yet", "born": None}])
        got = read_arrow(engine, select(table), SCHEMA)
        conn.rollback()
    assert got.column("name").to_pylist() == ["kept"]


def test_a_schema_of_another_width_is_refused(scratch: tuple[Table, Engine]) -> None:
    table, engine = scratch
    with pytest.raises(ValueError, match="3 columns, not 2"):
        read_arrow(engine, select(table), SCHEMA.remove(2))
