"""Handing memory a phase of a run has freed back to the system before the next one.

A national run's phases each build and drop hundreds of megabytes of arrays. Freed memory does
not always leave the process: Arrow's allocator keeps what its kernels freed for reuse, and the
C allocator keeps the many arrays below its mmap threshold (32 MB once it has adjusted) in a
heap it rarely shrinks. A run that allocates little from either afterwards would carry that
memory as dead weight through its largest phase (for ten national years, 0.6 GB after reading
the frame and 0.5 GB after training), so the phases hand it back between them.
"""

import ctypes
import ctypes.util

import pyarrow as pa

_LIBC = ctypes.util.find_library("c")


def release_freed() -> None:
    """Return the memory Arrow's pool and the C allocator hold free to the system (a no-op
    where the C library has no ``malloc_trim``)."""
    pa.default_memory_pool().release_unused()
    if _LIBC is None:
        return
    trim = getattr(ctypes.CDLL(_LIBC), "malloc_trim", None)
    if trim is not None:
        trim(0)
