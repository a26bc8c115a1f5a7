"""Pausing Python's cycle collector around work that allocates millions of short-lived
objects.

Imports, linkage training and runs, the inspection report and the history check make millions
of acyclic objects (rows, tuples, strings), freed by reference counting as they go; each few
hundred allocations trigger the collector, which then scans everything alive, the big tables
included. Measured on a national year: a third of an import's time (bench/import_bench.py);
training 5.2 s against 8.5 s, linking 10.5 s against 14.1 s and the inspection report 2.8 s
against 3.8 s (bench/demo_bench.py). The work is bounded, so the little cyclic garbage it
makes waits for the collector to run again after it.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Pauses may overlap across threads (the demo checks the history beside a link run): the
# collector stays off while any is under way, and comes back on with the last to end if it was
# on when the first began.
_lock = threading.Lock()
_paused = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cycle collector for the block (nested and overlapping pauses are fine)."""
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
