"""SQLite writers take turns: a second writer waits in line, in this process or another."""

import subprocess
import sys
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


HOLD = """
import sys, time
from caselink.storage.write_turn import WriteTurn
with WriteTurn(sys.argv[1]):
    print("ready", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_another_process_waits_for_the_turn(tmp_path: Path) -> None:
    path = str(tmp_path / "db-writelock")
    with subprocess.Popen(
        [sys.executable, "-c", HOLD, path, "0.5"], stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        start = time.monotonic()
        with WriteTurn(path):
            waited = time.monotonic() - start
    assert waited > 0.2
