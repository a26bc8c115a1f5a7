"""The unit of work: one transaction, the repositories that share it, and commit or nothing.

Services reach the database only through what a unit of work opens: the repositories
(``reports``, ``events``, ``access_log``, ``users``, ``sessions``, ``audits``, ``links``,
``persons``, ``person_verdicts``, ``journeys``) and the read side (``queries``,
``journey_figures``). None of them is handed a connection by a service.
"""

from contextlib import AbstractContextManager, nullcontext
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from caselink.storage import schema
from caselink.storage.access_grants import AccessGrantStore
from caselink.storage.access_log import AccessLog
from caselink.storage.audits import AuditStore
from caselink.storage.bulk import driver_connection
from caselink.storage.engine import WRITE, make_engine
from caselink.storage.history.event_log import EventLog
from caselink.storage.journey_queries import JourneyFigures
from caselink.storage.journeys import JourneyRepository
from caselink.storage.linkage_store import LinkStore
from caselink.storage.persons.store import PersonStore
from caselink.storage.persons.verdicts import PersonVerdicts
from caselink.storage.queries import Queries
from caselink.storage.repository import ReportRepository
from caselink.storage.sessions import SessionStore
from caselink.storage.users import UserStore
from caselink.storage.write_turn import WriteTurn

BULK_CACHE_SIZE = -262_144  # SQLite's page cache for bulk writes, in KiB (negative): 256 MB


class UnitOfWork:
    """Everything done inside ``with uow:`` commits together on ``commit()``, or not at all."""

    def __init__(
        self,
        engine: Engine,
        write: bool = True,
        turn: AbstractContextManager[object] | None = None,
    ) -> None:
        self._engine, self._write = engine, write
        self._turn = turn or nullcontext()
        self._conn: Connection | None = None
        self._cache_pages: int | None = None  # the page cache to restore (bulk_load)

    def __enter__(self) -> Self:
        self._turn.__enter__()
        try:
            self._conn = self._engine.connect().execution_options(**{WRITE: self._write})
            self._conn.begin()
        except BaseException:
            self._turn.__exit__(None, None, None)
            raise
        self.reports = ReportRepository(self._conn)
        self.events = EventLog(self._conn)
        self.access_log = AccessLog(self._conn)
        self.access_grants = AccessGrantStore(self._conn)
        self.users = UserStore(self._conn)
        self.sessions = SessionStore(self._conn)
        self.audits = AuditStore(self._conn)
        self.links = LinkStore(self._conn)
        self.persons = PersonStore(self._conn)
        self.person_verdicts = PersonVerdicts(self._conn)
        self.queries = Queries(self._conn)
        self.journeys = JourneyRepository(self._conn)
        self.journey_figures = JourneyFigures(self._conn)
        return self

    @property
    def connection(self) -> Connection:
        """The transaction's connection, for storage's own tests; services use the repositories."""
        assert self._conn is not None, "use the unit of work inside a with block"
        return self._conn

    @property
    def dialect(self) -> str:
        """The database's dialect name ("sqlite" or "postgresql")."""
        return self.connection.dialect.name

    def bulk_load(self) -> None:
        """This transaction writes rows in bulk: on SQLite its connection gets a page cache to
        hold the indexes it grows (256 MB at most, taken only as pages are read), until it
        ends. With the default 2 MB, inserts into indexes in no particular order spill pages
        and read them back: a national year's reports took 10.1 s to import, 9.3 s with it."""
        if self.dialect == "sqlite" and self._cache_pages is None:
            driver = driver_connection(self.connection)
            self._cache_pages = int(driver.execute("PRAGMA cache_size").fetchone()[0])
            driver.execute(f"PRAGMA cache_size={BULK_CACHE_SIZE}")

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        try:
            if conn is not None:
                # Anything not committed explicitly is rolled back: a failure never half-writes.
                if conn.in_transaction():
                    conn.rollback()
                if self._cache_pages is not None:  # the pooled connection as it was lent
                    driver_connection(conn).execute(f"PRAGMA cache_size={self._cache_pages}")
                    self._cache_pages = None
                conn.close()
        finally:
            self._turn.__exit__(exc_type, exc, tb)


class Database:
    """The engine and the units of work opened on it; what the services are given."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_turn = _write_turn(engine)

    @classmethod
    def open(cls, url: str) -> "Database":
        """The store at ``url``, opened by this process (e.g. a worker given ``shared_url``)."""
        return cls(make_engine(url))

    def close(self) -> None:
        self.engine.dispose()

    def upgrade_schema(self) -> None:
        """Create or migrate the schema to the newest revision."""
        schema.upgrade(self.engine)

    def shared_url(self) -> str | None:
        """The URL another process opens this same store with; None for a store only this
        process can see (SQLite in memory)."""
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and (
            not url.database or url.database == ":memory:" or url.database.startswith("file:")
        ):
            return None
        return url.render_as_string(hide_password=False)

    def unit_of_work(self, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self.engine, write, self._write_turn if write else None)

    def reader(self) -> UnitOfWork:
        return UnitOfWork(self.engine, write=False)


def _write_turn(engine: Engine) -> WriteTurn | None:
    """SQLite writers take turns (see write_turn); a file database's processes too."""
    if engine.dialect.name != "sqlite":
        return None
    path = engine.url.database
    on_disk = bool(path) and path != ":memory:" and not str(path).startswith("file:")
    return WriteTurn(f"{path}-writelock" if on_disk else None)
