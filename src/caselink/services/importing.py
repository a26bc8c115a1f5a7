"""Importing files: all or nothing by default, streaming, idempotent on force and reference."""

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from caselink.domain.errors import InvalidRequest
from caselink.domain.events import Event, EventKind
from caselink.domain.ownership import acts_on
from caselink.domain.roles import Action
from caselink.interchange import caselink_csv, journey_file, jsonl, police_uk
from caselink.interchange.caselink_csv import OffenderRow
from caselink.interchange.csv_writing import csv_writer
from caselink.interchange.police_uk import OutcomeRow
from caselink.interchange.rows import Parsed, Reading, RowError
from caselink.services import cycle_collector
from caselink.services.consultation import COLLECT, NO_RECORD, log_consultation
from caselink.services.context import Actor, Context
from caselink.services.import_batches import (
    BatchWork,
    JourneyJudging,
    Ready,
    ReadyPerson,
    ReadyStep,
)
from caselink.services.journey import JudgedReport, import_steps
from caselink.services.processes.pipeline import pipeline
from caselink.storage.history.event_log import EventText
from caselink.storage.prepared import (
    REPORT_COLUMNS,
    PersonPreparer,
    PreparedReport,
    Preparer,
    StepPreparer,
)
from caselink.storage.unit_of_work import UnitOfWork

T = TypeVar("T")
MAX_LISTED_ERRORS = 1000
SMALL_FILE = 4_000_000  # bytes; about 15,000 reports
Progress = Callable[[int], None]


class Kind(StrEnum):
    REPORTS = "reports"
    PERSONS = "persons"
    OFFENDERS = "offenders"
    JOURNEY = "journey"
    OUTCOMES = "outcomes"


class Format(StrEnum):
    CASELINK_CSV = "caselink-csv"
    POLICE_UK = "police-uk"
    JSONL = "jsonl"


@dataclass(slots=True)
class ImportSummary:
    imported: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    notes: Counter[str] = field(default_factory=Counter)
    errors: list[RowError] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "imported": self.imported,
            "unchanged": self.unchanged,
            "skipped": dict(sorted(self.skipped.items())),
            "rejected": self.rejected,
        }
        out.update(sorted(self.notes.items()))
        return out


class ImportRefused(Exception):
    """The file had invalid rows and nothing was written; ``errors`` lists them (up to a limit)."""

    def __init__(self, errors: list[RowError], total: int) -> None:
        self.errors, self.total = errors, total
        super().__init__(f"{total} invalid row problem(s); nothing was imported")


class _Rejects:
    """The rejects file, written as rows are refused and moved into place only on success.

    Its cells are written safe for a spreadsheet (``csv_writing``): a cell that would start a
    formula there carries a leading ``'``, to take off before the row is imported again."""

    def __init__(self, path: Path | None, header: tuple[str, ...]) -> None:
        self.path, self._tmp = path, path.with_name(path.name + ".part") if path else None
        self._handle: Any = None
        self._header = header

    def add(self, line: int, raw: tuple[str, ...], errors: Iterable[RowError]) -> None:
        if self._tmp is None:
            return
        if self._handle is None:
            self._handle = self._tmp.open("w", newline="", encoding="utf-8")
            self._writer = csv_writer(self._handle)
            self._writer.writerow(("rejected_line", "rejected_reasons", *self._header))
        reasons = "; ".join(f"{e.column}: {e.reason}" if e.column else e.reason for e in errors)
        self._writer.writerow((line, reasons, *raw))

    def finish(self, keep: bool) -> None:
        if self._handle is not None:
            self._handle.close()
        if self._tmp is not None and self._tmp.exists():
            if keep:
                os.replace(self._tmp, self.path)  # type: ignore[arg-type]
            else:
                self._tmp.unlink()


def import_file(
    ctx: Context,
    actor: Actor,
    kind: Kind,
    path: Path,
    fmt: Format = Format.CASELINK_CSV,
    *,
    skip_invalid: bool = False,
    rejects: Path | None = None,
    batch_size: int = 10_000,
    workers: int = 0,
    parallel_from_bytes: int = SMALL_FILE,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import one file of reports, persons or offender labels in one transaction.

    By default any invalid row refuses the whole file: every problem is listed (file, line,
    column, value, reason) and nothing is written. With ``skip_invalid`` the valid rows are
    imported and the others written to ``rejects`` with their reasons. Rows already stored
    unchanged are counted, not written again; a different row under a stored force and
    reference is refused, since changes go through the report commands and their rules.
    Reports are parsed and made ready in ``workers`` processes when asked (0: in this one);
    memory stays flat however long the file.
    """
    actor.require(Action.RECORD)
    if path.stat().st_size < parallel_from_bytes:
        workers = 0  # starting worker processes would cost more than they save
    now = ctx.clock()
    reading, source = _reading(ctx, kind, path, fmt, now)
    summary = ImportSummary()
    total_errors = 0
    out = _Rejects(rejects if skip_invalid else None, reading.header)
    ok = False
    try:
        with cycle_collector.paused(), ctx.db.unit_of_work() as uow:
            uow.bulk_load()
            journeys = None
            if kind is Kind.JOURNEY:
                # With workers, each judges its rows against the store as committed (they read
                # it themselves), and this process only writes what they judged.
                store = ctx.db.shared_url() if workers > 0 else None
                journeys = JourneyJudging(
                    StepPreparer(uow.dialect), now, ctx.policy, path.name, store
                )
            work = BatchWork(
                reading.parser,
                Preparer(uow.dialect, source) if kind is Kind.REPORTS else None,
                journeys,
                PersonPreparer(uow.dialect) if kind is Kind.PERSONS else None,
            )
            write = _WRITERS[kind] if journeys is None else partial(_write_journey, journeys)
            owner = _owners(uow, actor, kind)
            done = 0

            def reject(line: int, raw: tuple[str, ...], errors: Sequence[RowError]) -> None:
                nonlocal total_errors
                total_errors += len(errors)
                _note_errors(summary, errors)
                summary.rejected += 1
                out.add(line, raw, errors)

            for batch, results in pipeline(reading.records, work, workers, batch_size):
                valid: list[Any] = []
                cells = _BatchCells(batch)
                for r in results:
                    if isinstance(r, JudgedReport):
                        if acts_on(actor.home, owned_by := owner(r.force, r.reference)):
                            valid.append(r)
                            summary.notes.update(r.notes)
                            continue
                        refusal = _foreign(actor, path.name, r.force, owned_by)
                        for text in r.rows:  # refused as another force's rows, as below
                            reject(text.line, cells(text.line), refusal(text.line))
                    elif isinstance(r, Parsed) and r.skip:
                        summary.skipped[r.skip] += 1
                    elif isinstance(r, Parsed) and (r.errors or r.item is None):
                        reject(r.line, r.raw, r.errors)
                    elif not acts_on(actor.home, owned_by := owner(*_report_of(r))):
                        # a row made ready in a worker kept no raw cells
                        raw = r.raw if isinstance(r, (Parsed, ReadyStep)) else cells(r.line)
                        refusal = _foreign(actor, path.name, _report_of(r)[0], owned_by)
                        reject(r.line, raw, refusal(r.line))
                    else:
                        valid.append(r)
                        summary.notes.update(r.notes)
                if total_errors == 0 or skip_invalid:
                    for line, errors in write(ctx, uow, actor, valid, summary, path.name):
                        reject(line, cells(line), errors)
                done += len(batch)
                if progress:
                    progress(done)
            if total_errors and not skip_invalid:
                raise ImportRefused(summary.errors, total_errors)
            log_consultation(
                ctx,
                actor,
                NO_RECORD,
                f"import of {kind.value} from {path.name}",
                f"{summary.imported} imported, {summary.unchanged} unchanged, "
                f"{summary.rejected} rejected",
                action=COLLECT,
                uow=uow,
            )
            uow.commit()
            ok = True
    finally:
        out.finish(keep=ok)
    return summary


class _BatchCells:
    """A batch's raw cells by line, gathered only when a refusal needs them: rows made ready in
    a worker keep none, and most batches refuse nothing."""

    def __init__(self, batch: Sequence[Any]) -> None:
        self._batch = batch
        self._by_line: dict[int, tuple[str, ...]] | None = None

    def __call__(self, line: int) -> tuple[str, ...]:
        if self._by_line is None:
            self._by_line = {rec[0]: rec[1] or () for rec in self._batch}
        return self._by_line.get(line, ())


def _note_errors(summary: ImportSummary, errors: Iterable[RowError]) -> None:
    room = MAX_LISTED_ERRORS - len(summary.errors)
    if room > 0:
        summary.errors.extend(islice(errors, room))


def _reading(
    ctx: Context, kind: Kind, path: Path, fmt: Format, now: datetime
) -> tuple[Reading[Any], str]:
    if kind is Kind.OUTCOMES:
        if fmt is not Format.POLICE_UK:
            raise InvalidRequest("outcomes files are police.uk's: use --format police-uk")
        return police_uk.read_outcomes(path), "police-uk"
    if kind is Kind.JOURNEY:
        if fmt is Format.POLICE_UK:
            raise InvalidRequest("police.uk files hold no journeys: use caselink-csv or jsonl")
        if fmt is Format.JSONL:
            return journey_file.read_journey_lines(path, now), "jsonl"
        return journey_file.read_journey_csv(path, now), "caselink-csv"
    if fmt is Format.POLICE_UK:
        if kind is not Kind.REPORTS:
            raise InvalidRequest("police.uk files hold reports only: use `import reports`")
        return police_uk.read_crimes(path), "police-uk"
    if fmt is Format.JSONL:
        if kind is not Kind.REPORTS:
            raise InvalidRequest(
                "JSON lines files hold reports with their persons: use `import reports`"
            )
        return jsonl.read_reports(path, ctx.taxonomy), "jsonl"
    if kind is Kind.REPORTS:
        return caselink_csv.read_reports(path, ctx.taxonomy, ctx.policy), "caselink-csv"
    if kind is Kind.PERSONS:
        return caselink_csv.read_persons(path), "caselink-csv"
    return caselink_csv.read_offenders(path), "caselink-csv"


Rejected = tuple[int, list[RowError]]
Written = Iterator[Rejected]


def _report_of(row: Any) -> tuple[str, str]:
    """The force and reference of the report a row parsed or made ready is of."""
    if isinstance(row, (Ready, ReadyPerson)):
        return row.prepared.force, row.prepared.reference
    item = row.item
    return item.force, item.crime_id if isinstance(item, OutcomeRow) else item.reference


# What a row adds to a stored report (its journey, persons, offender) is its owner's to add:
# the force named, unless the report was handed to another (a transfer). A report's own row is
# its recording force's, and police.uk publishes outcomes under the force it names.
_ADDED_TO_STORED = frozenset({Kind.JOURNEY, Kind.PERSONS, Kind.OFFENDERS})


def _owners(uow: UnitOfWork, actor: Actor, kind: Kind) -> Callable[[str, str], str]:
    """The force that owns a row's report, as ``owner(force, reference)``: what decides who may
    import the row (domain.ownership)."""
    if actor.home.national or kind not in _ADDED_TO_STORED:
        return lambda force, _reference: force  # a national user acts on every force
    handed = uow.access_grants.handed_over()
    return lambda force, reference: handed.get((force, reference), force)


def _foreign(actor: Actor, file: str, force: str, owner: str) -> Callable[[int], list[RowError]]:
    # Each force records its own reports; a national user loads for many (domain.ownership).
    whose = f"a {force} record" if owner == force else f"a {force} record handed to {owner}"
    reason = f"{whose}: {actor.name} ({actor.home}) records only for their own force"
    return lambda line: [RowError(file, line, "force", force, reason)]


def _conflict(line: int, file: str, reason: str) -> Rejected:
    return line, [RowError(file, line, None, None, reason)]


def _write_reports(
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    valid: list[Ready],
    summary: ImportSummary,
    file: str,
) -> Written:
    first: dict[tuple[str, str], Ready] = {}
    for r in valid:
        key = (r.prepared.force, r.prepared.reference)
        seen = first.get(key)
        if seen is None:
            first[key] = r
        elif seen.prepared.digest == r.prepared.digest:
            summary.unchanged += 1
        else:
            yield _conflict(
                r.line,
                file,
                f"{key[0]} {key[1]} appears again with other content (first at line {seen.line})",
            )
    stored = uow.reports.digests(list(first))
    new: list[PreparedReport] = []
    for key, r in first.items():
        if key not in stored:
            new.append(r.prepared)
        elif stored[key][1] == r.prepared.digest:
            summary.unchanged += 1
        else:
            yield _conflict(
                r.line,
                file,
                f"{key[0]} {key[1]} is already recorded with other content; change it with the "
                "`caselink report` commands, whose rules and history apply",
            )
    ids = uow.reports.insert_prepared(new)
    _police_uk_last_outcomes(uow, new, ids)
    now, kind = ctx.clock(), EventKind.RECORDED.value
    uow.events.append_texts(
        (kind, p.force, p.reference, actor.name, now, p.payload, rid)
        for p, rid in zip(new, ids, strict=True)
    )
    summary.imported += len(new)


_ATTRIBUTES = REPORT_COLUMNS.index("attributes")


def _police_uk_last_outcomes(uow: UnitOfWork, new: list[PreparedReport], ids: list[int]) -> None:
    """A police.uk crime's "Last outcome category" is its outcome in the justice-path figures,
    exactly as published."""
    last: dict[int, str] = {}
    for p, rid in zip(new, ids, strict=True):
        attributes = p.report[_ATTRIBUTES]
        if "police_uk_last_outcome" in attributes:  # cheap test before parsing the JSON
            outcome = json.loads(attributes).get("police_uk_last_outcome")
            if outcome:
                last[rid] = outcome[0]
    uow.journeys.set_police_uk_outcome(last)


def _write_police_uk_outcomes(
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    valid: list[Parsed[OutcomeRow]],
    summary: ImportSummary,
    file: str,
) -> Written:
    """Outcomes from a police.uk outcomes file, matched to crimes by Crime ID. Outcomes of
    crimes not in the store are counted, not refused: an outcomes file covers the crimes of
    every earlier month, most of them never imported here."""
    keys = list({(p.item.force, p.item.crime_id) for p in valid if p.item is not None})
    ids = {k: v[0] for k, v in uow.reports.digests(keys).items()}
    stored = uow.journeys.police_uk_outcomes(ids.values())
    have = {(rid, month, outcome) for rid, found in stored.items() for month, outcome in found}
    rows: list[tuple[int, str, str]] = []
    events: list[tuple[Event, int | None]] = []
    latest: dict[int, tuple[str, str]] = {rid: found[-1] for rid, found in stored.items() if found}
    now = ctx.clock()
    for p in valid:
        item = p.item
        assert item is not None
        rid = ids.get((item.force, item.crime_id))
        if rid is None:
            summary.skipped["no_matching_crime"] += 1
            continue
        if (rid, item.month, item.outcome) in have:
            summary.unchanged += 1
            continue
        have.add((rid, item.month, item.outcome))
        rows.append((rid, item.month, item.outcome))
        if rid not in latest or latest[rid][0] <= item.month:
            latest[rid] = (item.month, item.outcome)
        payload = {"month": item.month, "outcome": item.outcome, "source": file}
        events.append(
            (
                Event(
                    EventKind.POLICE_UK_OUTCOME, item.force, item.crime_id, actor.name, now, payload
                ),
                rid,
            )
        )
    uow.journeys.add_police_uk_outcomes(rows)
    touched = {rid for rid, _, _ in rows}
    uow.journeys.set_police_uk_outcome(
        {rid: outcome for rid, (_, outcome) in latest.items() if rid in touched}
    )
    uow.events.append(events)
    summary.imported += len(rows)
    yield from ()  # nothing here is refused: a writer's rejects are what it yields


def _write_persons(
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    valid: list[ReadyPerson],
    summary: ImportSummary,
    file: str,
) -> Written:
    keys = list({(r.prepared.force, r.prepared.reference) for r in valid})
    ids = {k: v[0] for k, v in uow.reports.digests(keys).items()}
    stored = uow.reports.person_keys(ids.values())
    rows: list[tuple[Any, ...]] = []
    events: list[EventText] = []
    now, kind = ctx.clock(), EventKind.PERSON_ADDED.value
    for r in valid:
        p = r.prepared
        rid = ids.get((p.force, p.reference))
        if rid is None:
            yield _conflict(
                r.line,
                file,
                f"no report {p.force} {p.reference}: import its report first",
            )
            continue
        if (rid, p.key) in stored:
            summary.unchanged += 1
            continue
        stored.add((rid, p.key))
        rows.append((rid, *p.row))
        events.append((kind, p.force, p.reference, actor.name, now, p.payload, rid))
    uow.reports.insert_persons_ready(rows)
    uow.events.append_texts(events)
    summary.imported += len(rows)


def _write_offenders(
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    valid: list[Parsed[OffenderRow]],
    summary: ImportSummary,
    file: str,
) -> Written:
    keys = list({(p.item.force, p.item.reference) for p in valid if p.item is not None})
    ids = {k: v[0] for k, v in uow.reports.digests(keys).items()}
    stored = uow.reports.offender_labels(ids.values())
    rows: list[dict[str, Any]] = []
    events: list[tuple[Event, int | None]] = []
    now = ctx.clock()
    for p in valid:
        item = p.item
        assert item is not None
        rid = ids.get((item.force, item.reference))
        if rid is None:
            yield _conflict(
                p.line, file, f"no report {item.force} {item.reference}: unknown reference"
            )
            continue
        if (item.offender_id, rid) in stored:
            summary.unchanged += 1
            continue
        stored.add((item.offender_id, rid))
        rows.append({"offender_id": item.offender_id, "report_id": rid})
        events.append(
            (
                Event(
                    EventKind.OFFENDER_LABELLED,
                    item.force,
                    item.reference,
                    actor.name,
                    now,
                    {"offender_id": item.offender_id},
                ),
                rid,
            )
        )
    uow.reports.insert_offender_labels(rows)
    uow.events.append(events)
    summary.imported += len(rows)


def _write_journey(
    journeys: JourneyJudging,
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    valid: list[ReadyStep | JudgedReport],
    summary: ImportSummary,
    file: str,
) -> Written:
    """Each report's new steps go through the domain's rules in order, as one event a report
    (services.journey.import_steps); a step refused by a rule refuses that report's steps in
    the batch, naming the rule."""
    done = import_steps(
        ctx,
        uow,
        actor,
        [r.candidate() if isinstance(r, ReadyStep) else r for r in valid],
        source=journeys.source,
        now=journeys.now,
        prepare=journeys.prepare,
    )
    summary.unchanged += done.unchanged
    summary.imported += done.imported
    for line, column, reason in done.refused:
        yield line, [RowError(file, line, column, None, reason)]


_WRITERS: dict[Kind, Callable[..., Written]] = {
    Kind.REPORTS: _write_reports,
    Kind.PERSONS: _write_persons,
    Kind.OFFENDERS: _write_offenders,
    Kind.OUTCOMES: _write_police_uk_outcomes,
}
