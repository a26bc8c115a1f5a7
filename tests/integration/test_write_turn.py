"""SQLite writers take turns: a second writer waits in line, in this process or another."""

import multiprocessing
import threading
import time
from pathlib import Path

from caselink.storage.write_turn import WriteTurn


def test_threads_take_turns_and_a_turn_is_reentrant(tmp_path: Path) -> None:
    turn = WriteTurn(str(tmp_path / "db-writelock"))
    order: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with turn, turn:  # the same thread may take its turn again
            first_in.set()
            time.sleep(0.2)
            order.append("first done")

    def second() -> None:
        first_in.wait()
        with turn:
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert order == ["first done", "second in"]
    assert (tmp_path / "db-writelock").exists()


def _hold(path: str, ready: "multiprocessing.synchronize.Event", seconds: float) -> None:
    with WriteTurn(path):
        ready.set()
        time.sleep(seconds)


def test_another_process_waits_for_the_turn(tmp_path: Path) -> None:
    path = str(tmp_path / "db-writelock")
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Event()
    holder = spawn.Process(target=_hold, args=(path, ready, 0.5))
    holder.start()
    try:
        assert ready.wait(30)
        start = time.monotonic()
        with WriteTurn(path):
            waited = time.monotonic() - start
    finally:
        holder.join(30)
    assert waited > 0.2
