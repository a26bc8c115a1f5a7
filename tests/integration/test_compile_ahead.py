"""Compiling the scorer ahead: nothing starts when the cache is full, and the compiling process
dies with the run that started it, however that run ends."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caselink.bootstrap import App
from caselink.cli.app import app as cli
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


@pytest.mark.parametrize("full", [True, False])
def test_caselink_compile_fills_the_cache_only_when_it_is_not_full(
    monkeypatch: pytest.MonkeyPatch, full: bool
) -> None:
    # `make setup` runs it, so that a fresh checkout's first demo finds the scorer compiled
    filled: list[object] = []
    monkeypatch.setattr(compile_ahead, "cache_filled", lambda: full)
    monkeypatch.setattr(compile_ahead, "_fill", lambda *args: filled.append(args))
    result = CliRunner().invoke(cli, ["compile"])
    assert result.exit_code == 0, result.output
    assert ("already compiled" in result.output) is full
    assert len(filled) == (0 if full else 1)
    if not full:
        settings = filled[0][2]  # type: ignore[index]
        assert settings == DEMO_LINK_SETTINGS


def test_make_setup_compiles_the_scorer() -> None:
    makefile = (Path(__file__).parents[2] / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("$(STAMP): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert "$(BIN)/caselink compile" in recipe
