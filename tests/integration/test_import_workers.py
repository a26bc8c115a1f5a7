"""An import's worker processes die with it: a SIGKILLed import (or test run) leaves none of
them behind, each holding hundreds of megabytes."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from caselink.bootstrap import App
from support.processes import alive, descendants
from support.sample_files import REPORT_HEADER, report, write_csv

ROWS = 40_000  # about 9 MB: past the size from which an import starts its workers
WORKERS = 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_import_leaves_no_worker_alive(app: App, database: str, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "big.csv", REPORT_HEADER, (report(f"W{i:07d}") for i in range(ROWS))
    )
    env = dict(
        os.environ,
        CASELINK_DATABASE_URL=database,
        CASELINK_USER="olive",
        CASELINK_IMPORT_WORKERS=str(WORKERS),
        CASELINK_IMPORT_BATCH_SIZE="500",
    )
    log = tmp_path / "import.log"
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "caselink.cli", "import", "reports", str(path)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        # the forkserver and its workers: more than WORKERS processes below the import
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while len(workers) < WORKERS + 1:
            if proc.poll() is not None:
                pytest.fail(f"the import ended before its workers were seen: {log.read_text()}")
            assert time.monotonic() < deadline, "the import started no workers in two minutes"
            time.sleep(0.05)
            workers = descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        deadline = time.monotonic() + 20
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [w for w in workers if alive(w)]
        assert not left, f"worker processes outlived the import: {left}"
    finally:
        for pid in [proc.pid, *descendants(proc.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
