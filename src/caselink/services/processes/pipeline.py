"""Running a batch function over a stream, in worker processes when asked, in order, memory
bounded.
"""

import contextlib
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Lifeline(Protocol):
    """The reading end of a pipe between processes (what ``Pipe(duplex=False)`` gives first)."""

    def recv_bytes(self) -> bytes: ...


class Closable(Protocol):
    """The writing end of such a pipe, as its holder keeps it."""

    def close(self) -> None: ...


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """Worker processes as ``pipeline`` starts them (from a clean server that has imported
    caselink, dying with the caller), for work to run beside the caller's own; shut down on
    leaving."""
    context = multiprocessing.get_context("forkserver")
    # Workers fork from a server that has already imported caselink, so each starts at once.
    context.set_forkserver_preload(["caselink.services.importing"])
    lifeline, held = context.Pipe(duplex=False)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=die_with_caller,
        initargs=(lifeline,),
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        lifeline.close()
        held.close()


def pipeline(
    items: Iterable[T], work: Callable[[list[T]], list[R]], workers: int, batch_size: int
) -> Iterator[tuple[list[T], list[R]]]:
    """Yield each batch with ``work(batch)``, for consecutive batches, in order.

    With workers > 0 the batches are worked in that many processes while the caller consumes
    earlier results; at most two batches per worker are in flight, so memory stays flat.
    ``work`` must be picklable. Processes are forked from a clean server, not from the caller,
    so they inherit no open database connection, and they die with the caller: killed, even by
    SIGKILL, it leaves none of them behind (``die_with_caller``).
    """
    if workers <= 0:
        for batch in batches(items, batch_size):
            yield batch, work(batch)
        return
    pending: deque[tuple[list[T], Future[list[R]]]] = deque()
    with worker_pool(workers) as pool:
        for batch in batches(items, batch_size):
            pending.append((batch, pool.submit(work, batch)))
            if len(pending) > 2 * workers:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


def die_with_caller(lifeline: Lifeline) -> None:
    """Run in each worker as it starts: end it the moment the process that started the pool is
    gone, however it went.

    A worker waits on its pool's queue, which its siblings hold open, and its parent is the
    fork server, which lives as long as any process holds the pipe that tells it its clients
    are alive, as every worker does: killed with SIGKILL, an import used to leave every worker
    (about 400 MB each), the fork server and the resource tracker running for good. Only the
    caller holds the writing end of ``lifeline``; the kernel closes it when the caller dies,
    the read below ends, and so does the worker.
    """

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv_bytes()
        os._exit(1)

    threading.Thread(target=watch, name="caller-lifeline", daemon=True).start()
