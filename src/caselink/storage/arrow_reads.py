"""Query results straight into Arrow, through the ADBC drivers, for reads of a million rows.

The SQLAlchemy drivers build a Python object for every value; reading a million person records
that way took 11 s on SQLite, of which converting to Arrow was 3. The ADBC drivers for SQLite
and PostgreSQL fill Arrow arrays in C: the same read takes about 3 s, the child process below
included.

A read opens its own connection, read-only where the driver allows, so it sees what is
committed and never what the caller's open transaction has not committed yet. On SQLite that
connection is in a child process (``sqlite_arrow_reader``), which sends the table back as an
Arrow stream: starting it costs about half a second.
"""

import subprocess
import sys
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine
from sqlalchemy.sql import Select


def _sqlite_table(engine: Engine, sql: str) -> pa.Table:
    # In a child process: see sqlite_arrow_reader for why not in this one.
    path = engine.url.database
    if not path or path == ":memory:":
        raise ValueError("reading into Arrow needs a SQLite database in a file")
    child = subprocess.run(
        [sys.executable, "-m", "caselink.storage.sqlite_arrow_reader", path],
        input=sql.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if child.returncode != 0:
        message = child.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"reading {path} failed: {message[-1] if message else child.returncode}")
    return pa.ipc.open_stream(child.stdout).read_all()


def _postgresql_table(engine: Engine, sql: str) -> pa.Table:
    import adbc_driver_postgresql.dbapi

    uri = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with adbc_driver_postgresql.dbapi.connect(uri) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetch_arrow_table()


def _as_type(column: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
    if column.type == kind:
        return column
    if column.null_count == len(column):  # the SQLite driver reads an all-null column as integers
        return pa.chunked_array([pa.nulls(len(column), kind)])
    if pa.types.is_date(kind) and pa.types.is_string(column.type):
        # SQLite keeps dates as ISO text; anything else there is no date.
        parsed = pc.strptime(column, format="%Y-%m-%d", unit="s", error_is_null=True)
        return parsed.cast(kind)
    return column.cast(kind)


def read_arrow(engine: Engine, query: Select[Any], schema: pa.Schema) -> pa.Table:
    """Every row of ``query`` as an Arrow table of ``schema`` (its columns in the query's
    order, renamed and cast to the schema's names and types)."""
    sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    dialect = engine.dialect.name
    if dialect == "sqlite":
        table = _sqlite_table(engine, sql)
    elif dialect == "postgresql":
        table = _postgresql_table(engine, sql)
    else:
        raise ValueError(f"no Arrow reader for {dialect} databases")
    if table.num_columns != len(schema):
        raise ValueError(f"the query gives {table.num_columns} columns, not {len(schema)}")
    columns = [_as_type(table.column(i), field.type) for i, field in enumerate(schema)]
    return pa.Table.from_arrays(columns, schema=schema)
