"""A child process that reads one query from a SQLite file into Arrow with the ADBC driver.

Run as ``python -m caselink.storage.sqlite_arrow_reader PATH`` with the SQL on stdin; writes
the result to stdout as an Arrow IPC stream. It is a process of its own because the driver
carries its own copy of SQLite, and two copies in one process break each other's file locks
(https://sqlite.org/howtocorrupt.html, "multiple copies of SQLite linked into the same
application"): reading a database in WAL mode that way crashed the process with a bus error.
"""

import sys
from urllib.parse import quote

import adbc_driver_sqlite.dbapi
import pyarrow as pa

# The driver infers each column's type from the rows of a batch, and fails when a later batch
# disagrees (a column all null in its first batch reads as integers). One batch for the whole
# result lets it see every row; it still allocates only what the rows need.
BATCH_ROWS = 1 << 30


def read(path: str, sql: str) -> pa.Table:
    uri = f"file:{quote(path)}?mode=ro"
    with adbc_driver_sqlite.dbapi.connect(uri) as connection, connection.cursor() as cursor:
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
        cursor.execute(sql)
        return cursor.fetch_arrow_table()


def main() -> None:
    table = read(sys.argv[1], sys.stdin.read())
    with pa.ipc.new_stream(sys.stdout.buffer, table.schema) as writer:
        writer.write_table(table)


if __name__ == "__main__":
    main()
