"""Taking turns to write a SQLite file: one writer at a time, woken in order.

SQLite lets one connection write at a time; a connection that finds the write lock taken polls
for it with sleeps that grow to 100 ms, so under a web server's threads and processes some
writes (the access-log entry every report view makes) waited seconds for a lock that had been
free for most of that time. Writers that take a turn here first block in the kernel instead and
are woken as soon as the previous writer is done: a thread lock orders the threads of a process,
an exclusive ``flock`` on a file beside the database orders the processes.
"""

import os
import threading
from types import TracebackType

try:
    import fcntl
except ImportError:  # not POSIX: threads take turns, processes meet SQLite's own lock
    fcntl = None  # type: ignore[assignment]


class WriteTurn:
    """A reentrant turn to write, for the threads and processes that share ``lock_path``."""

    def __init__(self, lock_path: str | None) -> None:
        self._threads = threading.RLock()
        self._depth = 0
        self._path = lock_path if fcntl is not None else None
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int | None:
        if self._path is None:
            return None
        if self._fd is None or self._pid != os.getpid():
            # A forked child must not share its parent's open file: flock belongs to it.
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def __enter__(self) -> "WriteTurn":
        self._threads.acquire()
        try:
            if self._depth == 0:
                fd = self._file()
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()
