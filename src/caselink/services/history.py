"""Checking the history: the hash chain, each report against its events, and the chain against
the signed checkpoints kept outside the database."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from pathlib import Path

from caselink.domain.errors import InvalidRequest
from caselink.services import cycle_collector
from caselink.services.context import Context
from caselink.services.processes.pipeline import worker_pool
from caselink.storage.history.checkpoints import (
    Checkpoint,
    CheckpointFile,
    CheckpointKeyError,
    create_key,
    load_key,
)
from caselink.storage.history.event_log import ChainBreak, ChainReport
from caselink.storage.history.report_replay import ReportMismatch
from caselink.storage.unit_of_work import Database

# A tampered store may differ in every report; the first few name the problem, the count
# says how far it goes.
SHOWN_MISMATCHES = 20
# Events the server checks on start and every CASELINK_HISTORY_CHECK_SECONDS: enough to cover
# any burst of writes between two checks, cheap enough to take milliseconds.
TAIL_EVENTS = 2_000
# A server signs the head this often while the history grows: what a rewrite could still hide
# is at most this much of the newest history.
CHECKPOINT_EVERY = timedelta(minutes=10)
# From this many events the reports are replayed in a second process (``verify``); a smaller
# store is checked before a worker would have started.
REPLAY_ELSEWHERE_FROM = 100_000


@dataclass(frozen=True, slots=True)
class CheckpointCheck:
    """How the stored chain stands against the checkpoint file."""

    configured: bool
    checked: int = 0  # signed checkpoints the chain passes through
    latest_seq: int | None = None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HistoryReport:
    """Everything ``history verify`` found: the chain, the reports, the checkpoints."""

    chain: ChainReport
    mismatches: tuple[ReportMismatch, ...] = ()
    mismatch_count: int = 0
    checkpoints: CheckpointCheck = field(default_factory=lambda: CheckpointCheck(False))

    @property
    def events(self) -> int:
        return self.chain.events

    @property
    def head_seq(self) -> int:
        return self.chain.head_seq

    @property
    def first_break(self) -> ChainBreak | None:
        return self.chain.first_break

    @property
    def intact(self) -> bool:
        return self.chain.intact and not self.mismatch_count and not self.checkpoints.problems


@cycle_collector.paused()
def verify(
    ctx: Context,
    progress: Callable[[int], None] | None = None,
    *,
    replay_elsewhere_from: int = REPLAY_ELSEWHERE_FROM,
) -> HistoryReport:
    """Walk every event in order and name the first that does not follow from the one before;
    replay every report's events against its stored row; check the chain passes through every
    signed checkpoint.

    On a store of ``replay_elsewhere_from`` events or more, kept in a file or on a server, the
    reports are replayed in a second process while this one walks the chain, each in a
    consistent snapshot of its own: the two halves take about as long, so the check takes half
    the time on two cores.
    """
    url = ctx.db.shared_url()
    with ctx.db.reader() as uow:
        events = uow.events.head()[0]
    if url is None or events < replay_elsewhere_from:
        with ctx.db.reader() as uow:
            chain = uow.events.verify(progress)
            shown, count = _mismatches(uow.events.replay_reports())
            checked = _check_checkpoints(ctx, uow.events.head(), uow.events.hash_at)
        return HistoryReport(chain, shown, count, checked)
    with worker_pool(1) as pool:
        replayed = pool.submit(replay_store, url)
        with ctx.db.reader() as uow:
            chain = uow.events.verify(progress)
            checked = _check_checkpoints(ctx, uow.events.head(), uow.events.hash_at)
        shown, count = replayed.result()
    return HistoryReport(chain, shown, count, checked)


@cycle_collector.paused()
def replay_store(url: str) -> tuple[tuple[ReportMismatch, ...], int]:
    """Replay every report of the store at ``url`` (in a worker process): the first mismatches
    and how many there are."""
    db = Database.open(url)
    try:
        with db.reader() as uow:
            return _mismatches(uow.events.replay_reports())
    finally:
        db.close()


def _mismatches(found: Iterator[ReportMismatch]) -> tuple[tuple[ReportMismatch, ...], int]:
    shown = tuple(islice(found, SHOWN_MISMATCHES))
    return shown, len(shown) + sum(1 for _ in found)


def _anchor_file(ctx: Context) -> CheckpointFile | None:
    if ctx.anchor is None:
        return None
    try:
        key = load_key(ctx.anchor.key_file)
    except CheckpointKeyError as exc:
        raise InvalidRequest(str(exc)) from exc
    return CheckpointFile(ctx.anchor.checkpoint_file, key)


def _check_checkpoints(
    ctx: Context, head: tuple[int, str], hash_at: Callable[[int], str | None]
) -> CheckpointCheck:
    anchor = _anchor_file(ctx)
    if anchor is None:
        return CheckpointCheck(False)
    problems: list[str] = []
    checked, latest = 0, None
    first = hash_at(1)
    for line in anchor.read():
        cp = line.checkpoint
        if cp is None:
            problems.append(f"checkpoint line {line.line}: {line.problem}")
            continue
        if first is not None and cp.first_hash != first:
            problems.append(f"checkpoint line {line.line} is of another store")
            continue
        stored = hash_at(cp.seq)
        if stored is None or cp.seq > head[0]:
            problems.append(
                f"checkpoint line {line.line} signed event {cp.seq:,} at "
                f"{cp.at:%Y-%m-%d %H:%M}, but the chain now ends at {head[0]:,}: events were "
                "removed"
            )
        elif stored != cp.hash:
            problems.append(
                f"checkpoint line {line.line} signed event {cp.seq:,} at {cp.at:%Y-%m-%d %H:%M} "
                "with another hash: the chain was rewritten up to it"
            )
        else:
            checked += 1
        latest = cp.seq if latest is None else max(latest, cp.seq)
    return CheckpointCheck(True, checked, latest, tuple(problems))


def create_checkpoint_key(path: Path) -> None:
    """Write a new random key for signing checkpoints (owner read/write only)."""
    try:
        create_key(path)
    except (CheckpointKeyError, OSError) as exc:
        raise InvalidRequest(str(exc)) from exc


def checkpoint(ctx: Context) -> Checkpoint:
    """Sign the chain's head as it stands and append it to the checkpoint file.

    Refused when no key is configured, and when the newest events do not verify: signing a
    broken chain would anchor the break.
    """
    anchor = _anchor_file(ctx)
    if anchor is None:
        raise InvalidRequest(
            "no checkpoint key is configured: create one with `caselink history key FILE` and "
            "set CASELINK_CHECKPOINT_KEY_FILE"
        )
    with ctx.db.reader() as uow:
        broken = uow.events.verify_tail(TAIL_EVENTS)
        if broken is not None:
            raise InvalidRequest(
                f"the history is broken at event {broken.seq} ({broken.reason}): run "
                "`caselink history verify`; no checkpoint was written"
            )
        seq, digest = uow.events.head()
        first = uow.events.hash_at(1) or digest
    made = Checkpoint(seq, digest, first, ctx.clock())
    anchor.append(made)
    return made


def tail_problem(ctx: Context) -> str | None:
    """Why the newest history cannot be trusted, or None: the newest events follow one another
    to the head, and the chain still passes through the latest checkpoint. Cheap enough for
    a server to ask every minute."""
    with ctx.db.reader() as uow:
        broken = uow.events.verify_tail(TAIL_EVENTS)
        if broken is not None:
            return f"event {broken.seq}: {broken.reason}"
        anchor = _anchor_file(ctx)
        latest = None if anchor is None else anchor.latest()
        if latest is None:
            return None
        seq, _ = uow.events.head()
        if latest.seq > seq or uow.events.hash_at(latest.seq) != latest.hash:
            return (
                f"the chain no longer passes through the checkpoint of event {latest.seq:,} "
                f"signed at {latest.at:%Y-%m-%d %H:%M}"
            )
    return None


def keep_watch(ctx: Context) -> str | None:
    """One round of a server's watch: why the history cannot be trusted (writes must stop),
    or None, after signing a checkpoint when the chain has moved on and the latest is older
    than ``CHECKPOINT_EVERY``."""
    problem = tail_problem(ctx)
    anchor = None if problem else _anchor_file(ctx)
    if anchor is None:
        return problem
    latest = anchor.latest()
    with ctx.db.reader() as uow:
        seq, _ = uow.events.head()
    if latest is None or (seq != latest.seq and ctx.clock() - latest.at >= CHECKPOINT_EVERY):
        checkpoint(ctx)
    return None
