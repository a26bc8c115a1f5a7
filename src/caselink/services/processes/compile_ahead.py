"""Compiling the offence-link scorer ahead of need, in a process of its own, on a first run.

The scorer's loops are compiled to machine code the first time they run (linkage.offences.jit)
and cached on disk, so a fresh checkout's first training and link run pay about a minute of
processor time compiling. A run that knows it will link later (the demo) starts this while it
generates and imports: a short process trains and links a tiny synthetic store through the same
service calls, which compiles every function with the types the real run uses and fills the
cache, using the core the import leaves idle. When the cache is already full it does nothing.
"""

import logging
import multiprocessing
import os
import tempfile
from importlib.resources import files
from multiprocessing.process import BaseProcess
from pathlib import Path

from caselink.domain.behaviours import Taxonomy
from caselink.domain.ownership import Home
from caselink.domain.roles import Role
from caselink.domain.rules.policy import ForcePolicy
from caselink.linkage.offences import LinkSettings
from caselink.services import linkage
from caselink.services.context import Actor, Context
from caselink.services.importing import Kind, import_file
from caselink.services.processes.pipeline import Closable, Lifeline, die_with_caller
from caselink.storage.unit_of_work import Database
from caselink.synth import generate

log = logging.getLogger(__name__)

# Small enough to import in a second or two, large enough to train on: every force gets a few
# solved reports and series.
_SCALE = 0.004


def cache_filled() -> bool:
    """Whether the scorer's compiled code is already cached where numba will look for it."""
    if os.environ.get("NUMBA_CACHE_DIR") or os.environ.get("NUMBA_DISABLE_JIT"):
        return False  # a cache elsewhere, or no compiling: not ours to judge, compile ahead
    scorer = files("caselink.linkage.offences") / "scorer"
    return any(Path(str(scorer), "__pycache__").glob("top_pairs.*.nbi"))


class CompilingAhead:
    """The compiling process, if one was started; ``wait`` before the first training."""

    def __init__(self, process: BaseProcess | None, lifeline: Closable | None = None) -> None:
        self._process = process
        # the writing end of the child's lifeline: the child ends when it is closed
        self._lifeline = lifeline

    @property
    def started(self) -> bool:
        return self._process is not None

    def wait(self) -> bool:
        """Wait for the compiling to end; whether it ended well (True when none was needed)."""
        if self._process is None:
            return True
        self._process.join()
        if self._lifeline is not None:
            self._lifeline.close()
        ok = self._process.exitcode == 0
        if not ok:
            # the real run compiles what it needs itself: only time is lost
            log.warning("compiling ahead ended with exit code %s", self._process.exitcode)
        self._process = None
        return ok


def start(taxonomy: Taxonomy, policy: ForcePolicy, settings: LinkSettings) -> CompilingAhead:
    """Start compiling the scorer in the background unless its cache is full; ``settings`` are
    the link settings the real run will train with."""
    if cache_filled():
        return CompilingAhead(None)
    context = multiprocessing.get_context("spawn")
    lifeline, held = context.Pipe(duplex=False)
    process = context.Process(
        target=_compile,
        args=(taxonomy, policy, settings, lifeline),
        name="caselink-compile-ahead",
        daemon=True,
    )
    process.start()
    lifeline.close()  # the child has its own copy of the reading end
    return CompilingAhead(process, held)


def fill_cache(taxonomy: Taxonomy, policy: ForcePolicy, settings: LinkSettings) -> bool:
    """Compile the scorer here and now unless its cache is full (``make setup`` does, so that a
    fresh checkout's first run finds it full); whether anything was compiled."""
    if cache_filled():
        return False
    _fill(taxonomy, policy, settings)
    return True


def _compile(
    taxonomy: Taxonomy, policy: ForcePolicy, settings: LinkSettings, lifeline: Lifeline
) -> None:
    die_with_caller(lifeline)
    _fill(taxonomy, policy, settings)


def _fill(taxonomy: Taxonomy, policy: ForcePolicy, settings: LinkSettings) -> None:
    with tempfile.TemporaryDirectory(prefix="caselink-compile-") as tmp:
        root = Path(tmp)
        summary = generate(root / "data", scale=_SCALE, seed=1)
        db = Database.open(str(root / "store.db"))
        db.upgrade_schema()
        ctx = Context(db, taxonomy, policy)
        loader = Actor("compile-ahead", Role.REGISTRAR, Home(unit="national-data"))
        for kind, path in (
            (Kind.REPORTS, summary.reports_csv),
            (Kind.PERSONS, summary.persons_csv),
            (Kind.OFFENDERS, summary.offenders_csv),
        ):
            import_file(ctx, loader, kind, path)
        analyst = Actor("compile-ahead", Role.ANALYST, Home(unit="SCAS"))
        linkage.train(ctx, analyst, settings=settings)
        linkage.run(ctx, analyst, top=5)
        db.close()
