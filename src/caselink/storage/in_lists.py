"""Naming many rows in a query a slice at a time: one IN list of thousands of values can pass
what a statement may bind (SQLite's default is 32,766 parameters) and plans no better than a
few hundred."""

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
IN_LIST = 500  # values in one IN list: both SQLite and PostgreSQL take this many comfortably


def in_lists(values: Sequence[T], size: int = IN_LIST) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
