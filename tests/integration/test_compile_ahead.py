"""Compiling the scorer ahead: nothing starts when the cache is full, and the compiling process
dies with the run that started it, however that run ends."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from caselink.bootstrap import App
from caselink.services.demo import DEMO_LINK_SETTINGS
from caselink.services.processes import compile_ahead
from support.processes import alive, descendants

STARTER = """
import sys, time
from caselink.bootstrap import build
from caselink.services.processes import compile_ahead
from caselink.services.demo import DEMO_LINK_SETTINGS

if __name__ == "__main__":
    ctx = build(database=sys.argv[1]).context
    compiling = compile_ahead.start(ctx.taxonomy, ctx.policy, DEMO_LINK_SETTINGS)
    print("started" if compiling.started else "not started", flush=True)
    time.sleep(600)
"""


def test_nothing_starts_when_the_cache_is_full(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compile_ahead, "cache_filled", lambda: True)
    ctx = app.context
    compiling = compile_ahead.start(ctx.taxonomy, ctx.policy, DEMO_LINK_SETTINGS)
    assert not compiling.started
    assert compiling.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_compiling_process_dies_with_its_caller(tmp_path: Path) -> None:
    script = tmp_path / "starter.py"
    script.write_text(STARTER)
    # an empty cache of its own, so there is something to compile
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    caller = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "store.db")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert caller.stdout is not None
        assert caller.stdout.readline().strip() == "started"
        below = descendants(caller.pid)
        assert below, "no compiling process was started"
        caller.send_signal(signal.SIGKILL)
        caller.wait(timeout=10)
        deadline = time.monotonic() + 20
        while any(alive(pid) for pid in below) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in below), "the compiling process outlived its caller"
    finally:
        if caller.poll() is None:
            caller.kill()
            caller.wait()
        if caller.stdout is not None:
            caller.stdout.close()
