"""Pausing the cycle collector: pauses that overlap in two threads keep it off until the last
ends, and it comes back only if it was on before."""

import gc
import threading
from collections.abc import Iterator

import pytest

from caselink.services import cycle_collector


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_pause_that_ends_first_leaves_the_other_threads_pause_in_force(
    collector_on: None,
) -> None:
    other_in, first_out, seen = threading.Event(), threading.Event(), []

    def other() -> None:
        with cycle_collector.paused():
            other_in.set()
            first_out.wait(5)
            seen.append(gc.isenabled())  # the first pause has ended; this one has not

    thread = threading.Thread(target=other)
    with cycle_collector.paused():
        thread.start()
        assert other_in.wait(5)
    first_out.set()
    thread.join(5)
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collector_on: None) -> None:
    gc.disable()
    with cycle_collector.paused(), cycle_collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
    gc.enable()
    with cycle_collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
