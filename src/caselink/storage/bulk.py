"""Fast bulk writes for import: plain DBAPI executemany on SQLite, COPY on PostgreSQL.

SQLAlchemy's per-row parameter processing costs more than the database's own work at import
volumes, so these paths convert values once per column type and hand tuples to the driver.
They write the same stored forms SQLAlchemy would (tests read them back through it).
"""

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Connection, Date, Table, func, select, text

from caselink.storage.tables import UtcDateTime

Convert = Callable[[Any], Any]


def _sqlite_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    # SQLAlchemy's SQLite DATETIME storage format, naive UTC with microseconds.
    if value.tzinfo is UTC:
        # the aware form less its "+00:00": a naive copy first cost 40% more, millions a load
        return value.isoformat(" ", "microseconds")[:-6]
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def sqlite_time_value(text: str) -> datetime:
    """The aware UTC time that `_sqlite_time` stored, as SQLAlchemy would read it back (for the
    reads that go to the driver directly)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def driver_connection(conn: Connection) -> Any:
    """The driver's own connection under ``conn``, in its transaction: for the paths that go
    round SQLAlchemy's per-row work (bulk writes, COPY, the journey import's reads)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    return raw


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _converters(table: Table, columns: Sequence[str], dialect: str) -> list[Convert | None]:
    out: list[Convert | None] = []
    for name in columns:
        kind = table.c[name].type
        if dialect == "sqlite" and isinstance(kind, UtcDateTime):
            out.append(_sqlite_time)
        elif dialect == "sqlite" and isinstance(kind, Date):
            out.append(_sqlite_date)
        elif dialect == "sqlite" and isinstance(kind, Boolean):
            out.append(_sqlite_bool)
        else:
            out.append(None)
    return out


def column_converter(table: Table, column: str, dialect: str) -> Convert:
    """What one column's values become for this dialect's driver, a value at a time (a
    RowConverter's work for a single column, without building rows)."""
    return _converters(table, (column,), dialect)[0] or _as_is


def _as_is(value: Any) -> Any:
    return value


class RowConverter:
    """Turns rows of Python values into the values a driver stores for one table's columns.

    Needs no connection, so rows can be made ready in worker processes; it keeps only the
    columns' converters, not the table, so it pickles in a hundred bytes, not the 70 KB of
    the whole schema an import sent with every batch.
    """

    def __init__(self, table: Table, columns: Sequence[str], dialect: str) -> None:
        self.columns = tuple(columns)
        self._active = [
            (i, f) for i, f in enumerate(_converters(table, self.columns, dialect)) if f is not None
        ]

    def __call__(self, row: Sequence[Any]) -> tuple[Any, ...]:
        if not self._active:
            return tuple(row)
        values = list(row)
        for i, f in self._active:
            values[i] = f(values[i])
        return tuple(values)


class BulkWriter:
    """Inserts many rows of one table at a time, inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name
        self._cache: dict[tuple[str, tuple[str, ...]], RowConverter] = {}

    def allocate_ids(self, table: Table, n: int) -> list[int]:
        """Reserve n new primary keys for a table whose id the database would otherwise assign."""
        if n == 0:
            return []
        if self._dialect == "postgresql":
            seq = f"{table.name}_id_seq"
            rows = self._conn.execute(
                text(f"SELECT nextval('{seq}') FROM generate_series(1, :n)"), {"n": n}
            )
            return [int(r[0]) for r in rows]
        # SQLite: the write lock is held from BEGIN IMMEDIATE, so nobody else can take these.
        start = (
            int(self._conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1
        )
        return list(range(start, start + n))

    def insert_dicts(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows given as dicts that all have the same keys in the same order."""
        if rows:
            self.insert(table, list(rows[0]), [tuple(r.values()) for r in rows])

    def insert(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows of Python values (converted here for the driver)."""
        if rows:
            self.insert_ready(table, columns, self.convert(table, columns, rows))

    def convert(
        self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> list[tuple[Any, ...]]:
        """Rows of Python values as this dialect stores them (see RowConverter)."""
        key = (table.name, tuple(columns))
        convert = self._cache.get(key)
        if convert is None:
            convert = self._cache[key] = RowConverter(table, columns, self._dialect)
        return [convert(r) for r in rows]

    def insert_ready(
        self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert rows already converted for this dialect (see RowConverter)."""
        if not rows:
            return
        raw = driver_connection(self._conn)
        names = ", ".join(f'"{c}"' for c in columns)
        if self._dialect == "postgresql":
            with (
                raw.cursor() as cursor,
                cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in columns)
        cursor = raw.cursor()
        try:
            cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)
        finally:
            cursor.close()
