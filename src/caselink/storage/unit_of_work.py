"""The unit of work: one transaction, the repositories that share it, and commit or nothing."""

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from caselink.storage.access_log import AccessLog
from caselink.storage.engine import WRITE
from caselink.storage.event_log import EventLog
from caselink.storage.repository import ReportRepository
from caselink.storage.users import UserStore


class UnitOfWork:
    """Everything done inside ``with uow:`` commits together on ``commit()``, or not at all."""

    def __init__(self, engine: Engine, write: bool = True) -> None:
        self._engine, self._write = engine, write
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        self._conn = self._engine.connect().execution_options(**{WRITE: self._write})
        self._conn.begin()
        self.reports = ReportRepository(self._conn)
        self.events = EventLog(self._conn)
        self.access_log = AccessLog(self._conn)
        self.users = UserStore(self._conn)
        return self

    @property
    def connection(self) -> Connection:
        assert self._conn is not None, "use the unit of work inside a with block"
        return self._conn

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
        if conn is not None:
            # Anything not committed explicitly is rolled back: a failure never half-writes.
            if conn.in_transaction():
                conn.rollback()
            conn.close()


class Database:
    """The engine and the units of work opened on it; what the services are given."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def unit_of_work(self, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self.engine, write)

    def reader(self) -> UnitOfWork:
        return UnitOfWork(self.engine, write=False)
