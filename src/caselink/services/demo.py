"""The demonstration: a national year of synthetic reports in a fresh database, every analysis
run on it."""

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from caselink.domain.roles import Role
from caselink.integrity import Rate, wilson
from caselink.services import history, users
from caselink.services.context import Actor, Context
from caselink.services.importing import ImportSummary, Kind, import_file
from caselink.storage import queries
from caselink.storage.event_log import ChainReport
from caselink.synth import SynthSummary, generate

DEMO_USERS: tuple[tuple[str, Role], ...] = (
    ("olive", Role.OFFICER),
    ("rita", Role.REGISTRAR),
    ("ann", Role.ANALYST),
    ("ian", Role.INSPECTOR),
    ("ada", Role.ADMIN),
)
Stage = Callable[[str, int | None], Callable[[int], None]]  # (description, total) -> tick


def demo_password(name: str) -> str:
    """The demo users' passwords: known, printed, and only ever used on synthetic data."""
    return f"{name}-demo-password"


@dataclass(frozen=True, slots=True)
class ForceRate:
    force: str
    rate: Rate
    pending: int


@dataclass(frozen=True, slots=True)
class DemoResult:
    data_dir: Path
    synth: SynthSummary
    imports: dict[str, ImportSummary]
    stats: queries.Stats
    chain: ChainReport
    national: Rate
    forces: list[ForceRate]


def prepare_folder(folder: Path) -> tuple[Path, Path]:
    """A clean demo folder: its old database and data are the demo's own, so they are replaced."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("caselink.db", "caselink.db-wal", "caselink.db-shm"):
        (folder / name).unlink(missing_ok=True)
    data = folder / "data"
    if data.exists():
        shutil.rmtree(data)
    return folder / "caselink.db", data


def run_demo(
    ctx: Context,
    data_dir: Path,
    *,
    scale: float = 1.0,
    seed: int = 2017,
    workers: int = 0,
    stage: Stage | None = None,
) -> DemoResult:
    """Generate a synthetic year, add one user per role, import it all, and run every analysis.

    ``ctx`` must be on a fresh, initialised database. ``stage`` opens a progress display for
    each step and returns its tick function.
    """

    def open_stage(description: str, total: int | None) -> Callable[[int], None]:
        return stage(description, total) if stage else (lambda done: None)

    tick = open_stage("generating a national year of synthetic reports", None)
    summary = generate(data_dir, scale=scale, seed=seed, progress=lambda done, total: tick(done))
    for name, role in DEMO_USERS:
        users.add_user(ctx, name, role, demo_password(name), by="demo")
    registrar = Actor("rita", Role.REGISTRAR)
    imports: dict[str, ImportSummary] = {}
    for kind, path, total in (
        (Kind.REPORTS, summary.reports_csv, summary.reports),
        (Kind.PERSONS, summary.persons_csv, summary.persons),
        (Kind.OFFENDERS, summary.offenders_csv, summary.solved_reports),
    ):
        tick = open_stage(f"importing {kind.value}", total)
        imports[kind.value] = import_file(
            ctx, registrar, kind, path, workers=workers, progress=tick
        )
    tick = open_stage("verifying the history's hash chain", None)
    chain = history.verify(ctx, tick)
    with ctx.db.reader() as uow:
        stats = queries.stats(uow.connection)
        counts = queries.rape_write_offs_by_force(uow.connection)
    national = wilson(sum(c.written_off for c in counts), sum(c.rape_reports for c in counts))
    forces = [ForceRate(c.force, wilson(c.written_off, c.rape_reports), c.pending) for c in counts]
    return DemoResult(data_dir, summary, imports, stats, chain, national, forces)
