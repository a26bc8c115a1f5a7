"""An import killed with SIGKILL midway leaves either all of the file or none of it."""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from caselink.bootstrap import App
from caselink.services import history
from caselink.storage import queries
from support.sample_files import REPORT_HEADER, report

ROWS = 40_000


def big_file(path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, REPORT_HEADER, restval="")
        writer.writeheader()
        for i in range(ROWS):
            writer.writerow(report(f"KILL{i:07d}"))
    return path


def bytes_written(app: App, database: str) -> int:
    """How much the uncommitted import has written so far (it grows while the import runs)."""
    if "://" not in database:
        wal = Path(database + "-wal")
        return wal.stat().st_size if wal.exists() else 0
    with app.context.db.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT pg_relation_size('reports') + pg_relation_size('events')")
            ).scalar_one()
        )


def test_sigkill_midway_leaves_nothing(app: App, database: str, tmp_path: Path) -> None:
    path = big_file(tmp_path / "big.csv")
    env = dict(
        os.environ,
        CASELINK_DATABASE_URL=database,
        CASELINK_USER="olive",
        CASELINK_IMPORT_BATCH_SIZE="2000",
    )
    log = tmp_path / "import.log"
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "caselink.cli", "import", "reports", str(path)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    deadline = time.monotonic() + 120
    while bytes_written(app, database) < 1_000_000:
        assert proc.poll() is None, f"the import ended before it could be killed: {log.read_text()}"
        assert time.monotonic() < deadline, "the import wrote nothing in two minutes"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL

    ctx = app.context
    with ctx.db.reader() as uow:
        assert queries.stats(uow.connection).reports == 0
    assert history.verify(ctx).intact
    # The database is usable at once, and the same file then imports whole.
    done = subprocess.run(
        [sys.executable, "-m", "caselink.cli", "import", "reports", str(path), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    assert f'"imported": {ROWS}' in done.stdout
    with ctx.db.reader() as uow:
        assert queries.stats(uow.connection).reports == ROWS
