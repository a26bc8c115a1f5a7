"""The one way caselink compiles code: numba, typed so compiled functions keep their signatures.

Compiled code is for the loops over hundreds of millions of report pairs that array code cannot
do without holding every pair (candidate_index, scorer.bins, scorer.top_pairs), and for the per-pair
closed forms both those loops and the array path run (timing). Compiled functions are
cached on disk next to their modules, so only the first run on a machine pays for compiling
them, and they release the interpreter lock, so threads run them side by side.

numba's cache notices a change to a compiled function's own module only: a function compiled
into another (the scorer's loop holds the stages of scorer.bins) keeps the old code until its own
module changes, so after changing a compiled function another module calls, delete the caches
(``find src -name '*.nb[ic]' -delete``). A fresh checkout has none.

They are compiled without numba's reference counting, and so may not allocate arrays: callers
hand over working arrays. Helpers called once per pair take tuples of arrays, and counting
every array in and out of every call would cost more than the helpers' own work.
"""

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS: dict[str, Any] = {"cache": True, "nogil": True, "_nrt": False}


def compiled(fn: F) -> F:
    """``fn`` compiled to machine code (see the module doc for what it may not do)."""
    return cast(F, numba.njit(**_OPTIONS)(fn))


def inlined(fn: F) -> F:
    """``fn`` compiled into each compiled function that calls it, for a helper called once per
    pair that takes the pair tuples (PairData, ModelTables): called as a function, it is handed
    every array of those tuples on each call, which costs far more than the few table lookups
    of a stage such as the attributes' bins. The stages of scorer.bins and scorer.bounds are
    inlined for that reason."""
    return cast(F, numba.njit(inline="always", **_OPTIONS)(fn))
