"""Exports: everything as JSON lines, or pseudonymised for inspectors; each logged as a
disclosure.
"""

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TextIO

from caselink.domain.errors import InvalidRequest
from caselink.domain.ownership import Reading, reading_of
from caselink.domain.roles import Action
from caselink.interchange import jsonl
from caselink.interchange.pseudonymise import pseudonymised_document
from caselink.services.consultation import DISCLOSE, NO_RECORD, log_consultation
from caselink.services.context import Actor, Context

MIN_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class ExportSummary:
    reports: int
    events: int
    path: Path


def _write_atomically(path: Path, write: Callable[[TextIO], tuple[int, int]]) -> tuple[int, int]:
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            counts = write(handle)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return counts


def _forces_readable(actor: Actor) -> Callable[[str | None], bool]:
    """Whether a bulk export by ``actor`` holds a force's records: those they may read by
    policy (their own force's; every force's for national users and inspectors). Grants to read
    single reports of other forces are for reading, not for bulk disclosure."""

    def readable(force: str | None) -> bool:
        return force is not None and (
            reading_of(actor.role, actor.home, force, False) is not Reading.SUMMARY
        )

    return readable


def export_jsonl(
    ctx: Context,
    actor: Actor,
    path: Path,
    *,
    why: str,
    progress: Callable[[int], None] | None = None,
) -> ExportSummary:
    """Write every report the actor may read in full, then their events, as JSON lines (a
    force's user: their force's; a national user: every force's); the disclosure is logged
    first."""
    actor.require(Action.EXPORT)
    mine = _forces_readable(actor)
    with ctx.db.unit_of_work() as uow:
        log_consultation(
            ctx, actor, NO_RECORD, why, f"full export to {path.name}", action=DISCLOSE, uow=uow
        )

        def write(handle: TextIO) -> tuple[int, int]:
            n_reports = n_events = 0
            for report in uow.reports.iterate():
                if not mine(report.force):
                    continue
                handle.write(jsonl.dumps(jsonl.report_document(report)) + "\n")
                n_reports += 1
                if progress and n_reports % 1000 == 0:
                    progress(n_reports)
            for e in uow.events.iterate():
                if not mine(e.force):
                    continue
                doc = {
                    "type": "event",
                    "seq": e.seq,
                    "kind": e.kind,
                    "force": e.force,
                    "reference": e.reference,
                    "actor": e.actor,
                    "at": e.at,
                    "payload": json.loads(e.payload),
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                }
                handle.write(jsonl.dumps(doc) + "\n")
                n_events += 1
            return n_reports, n_events

        n_reports, n_events = _write_atomically(path, write)
        uow.commit()
    return ExportSummary(n_reports, n_events, path)


def export_pseudonymised(
    ctx: Context,
    actor: Actor,
    path: Path,
    key: bytes,
    *,
    why: str,
    progress: Callable[[int], None] | None = None,
) -> ExportSummary:
    """Write every report pseudonymised (see caselink.interchange.pseudonymise); logged as a
    disclosure. Every record of a person who is a complainant in any report is reduced to its
    role (``uow.persons.complainant_flags``), as in an inspector's view of a report.
    """
    actor.require(Action.EXPORT_PSEUDONYMISED)
    mine = _forces_readable(actor)
    if len(key) < MIN_KEY_BYTES:
        raise InvalidRequest(f"the pseudonymisation key must be at least {MIN_KEY_BYTES} bytes")
    with ctx.db.unit_of_work() as uow:
        log_consultation(
            ctx,
            actor,
            NO_RECORD,
            why,
            f"pseudonymised export to {path.name}",
            action=DISCLOSE,
            uow=uow,
        )

        def write(handle: TextIO) -> tuple[int, int]:
            n = 0
            reports = (r for r in uow.reports.iterate() if mine(r.force))
            # a batch at a time: whose identity is withheld is asked of the database per batch
            while batch := list(islice(reports, 1000)):
                flags = uow.persons.complainant_flags([(r.force, r.reference) for r in batch])
                for report in batch:
                    doc = pseudonymised_document(
                        report,
                        key,
                        report.findings(ctx.policy),
                        flags.get((report.force, report.reference), []),
                    )
                    handle.write(jsonl.dumps(doc) + "\n")
                    n += 1
                    if progress and n % 1000 == 0:
                        progress(n)
            return n, 0

        n_reports, _ = _write_atomically(path, write)
        uow.commit()
    return ExportSummary(n_reports, 0, path)
