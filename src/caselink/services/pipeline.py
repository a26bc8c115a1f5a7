"""Running a batch function over a stream, in worker processes when asked, in order, memory
bounded.
"""

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def pipeline(
    items: Iterable[T], work: Callable[[list[T]], list[R]], workers: int, batch_size: int
) -> Iterator[tuple[list[T], list[R]]]:
    """Yield each batch with ``work(batch)``, for consecutive batches, in order.

    With workers > 0 the batches are worked in that many processes while the caller consumes
    earlier results; at most two batches per worker are in flight, so memory stays flat.
    ``work`` must be picklable. Processes are forked from a clean server, not from the caller,
    so they inherit no open database connection.
    """
    if workers <= 0:
        for batch in batches(items, batch_size):
            yield batch, work(batch)
        return
    context = multiprocessing.get_context("forkserver")
    # Workers fork from a server that has already imported caselink, so each starts at once.
    context.set_forkserver_preload(["caselink.services.importing"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    pending: deque[tuple[list[T], Future[list[R]]]] = deque()
    try:
        for batch in batches(items, batch_size):
            pending.append((batch, pool.submit(work, batch)))
            if len(pending) > 2 * workers:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
