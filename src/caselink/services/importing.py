"""Importing files: all or nothing by default, streaming, idempotent on force and reference."""

import csv
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from caselink.domain.errors import InvalidRequest
from caselink.domain.events import Event, EventKind
from caselink.domain.person import person_facts
from caselink.domain.report import Report
from caselink.domain.roles import Action
from caselink.interchange import caselink_csv, jsonl, police_uk
from caselink.interchange.caselink_csv import OffenderRow, PersonRow
from caselink.interchange.rows import Parsed, Reading, RowError
from caselink.services.context import Actor, Context
from caselink.storage.access_log import AccessEntry
from caselink.storage.report_rows import person_values
from caselink.storage.repository import person_key
from caselink.storage.unit_of_work import UnitOfWork

T = TypeVar("T")
MAX_LISTED_ERRORS = 1000
Progress = Callable[[int], None]


class Kind(StrEnum):
    REPORTS = "reports"
    PERSONS = "persons"
    OFFENDERS = "offenders"


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
            "imported": self.imported, "unchanged": self.unchanged,
            "skipped": dict(sorted(self.skipped.items())), "rejected": self.rejected,
        }
        out.update(sorted(self.notes.items()))
        return out


class ImportRefused(Exception):
    """The file had invalid rows and nothing was written; ``errors`` lists them (up to a limit)."""

    def __init__(self, errors: list[RowError], total: int) -> None:
        self.errors, self.total = errors, total
        super().__init__(f"{total} invalid row problem(s); nothing was imported")


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class _Rejects:
    """The rejects file, written as rows are refused and moved into place only on success."""

    def __init__(self, path: Path | None, header: tuple[str, ...]) -> None:
        self.path, self._tmp = path, path.with_name(path.name + ".part") if path else None
        self._handle: Any = None
        self._header = header

    def add(self, parsed: Parsed[Any], errors: Iterable[RowError]) -> None:
        if self._tmp is None:
            return
        if self._handle is None:
            self._handle = self._tmp.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(("rejected_line", "rejected_reasons", *self._header))
        reasons = "; ".join(f"{e.column}: {e.reason}" if e.column else e.reason for e in errors)
        self._writer.writerow((parsed.line, reasons, *parsed.raw))

    def finish(self, keep: bool) -> None:
        if self._handle is not None:
            self._handle.close()
        if self._tmp is not None and self._tmp.exists():
            if keep:
                os.replace(self._tmp, self.path)  # type: ignore[arg-type]
            else:
                self._tmp.unlink()


def import_file(
    ctx: Context, actor: Actor, kind: Kind, path: Path, fmt: Format = Format.CASELINK_CSV, *,
    skip_invalid: bool = False, rejects: Path | None = None, batch_size: int = 5000,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import one file of reports, persons or offender labels in one transaction.

    By default any invalid row refuses the whole file: every problem is listed (file, line,
    column, value, reason) and nothing is written. With ``skip_invalid`` the valid rows are
    imported and the others written to ``rejects`` with their reasons. Rows already stored
    unchanged are counted, not written again; a different row under a stored force and
    reference is refused, since changes go through the report commands and their rules.
    """
    actor.require(Action.RECORD)
    reading, source = _reading(ctx, kind, path, fmt)
    summary = ImportSummary()
    total_errors = 0
    out = _Rejects(rejects if skip_invalid else None, reading.header)
    writer = {Kind.REPORTS: _write_reports, Kind.PERSONS: _write_persons, Kind.OFFENDERS: _write_offenders}[kind]
    ok = False
    try:
        with ctx.db.unit_of_work() as uow:
            done = 0
            for batch in _batches(reading.rows, batch_size):
                valid: list[Parsed[Any]] = []
                for p in batch:
                    if p.skip:
                        summary.skipped[p.skip] += 1
                    elif p.errors or p.item is None:
                        total_errors += len(p.errors)
                        _note_errors(summary, p.errors)
                        summary.rejected += 1
                        out.add(p, p.errors)
                    else:
                        valid.append(p)
                        summary.notes.update(p.notes)
                if total_errors == 0 or skip_invalid:
                    for p, errors in writer(ctx, uow, actor, valid, source, summary, path.name):
                        total_errors += len(errors)
                        _note_errors(summary, errors)
                        summary.rejected += 1
                        out.add(p, errors)
                done += len(batch)
                if progress:
                    progress(done)
            if total_errors and not skip_invalid:
                raise ImportRefused(summary.errors, total_errors)
            uow.access_log.write([
                AccessEntry(ctx.clock(), actor.name, "collect", None, None,
                            f"import of {kind.value} from {path.name}",
                            f"{summary.imported} imported, {summary.unchanged} unchanged, {summary.rejected} rejected")
            ])
            uow.commit()
            ok = True
    finally:
        out.finish(keep=ok)
    return summary


def _note_errors(summary: ImportSummary, errors: Iterable[RowError]) -> None:
    room = MAX_LISTED_ERRORS - len(summary.errors)
    if room > 0:
        summary.errors.extend(islice(errors, room))


def _reading(ctx: Context, kind: Kind, path: Path, fmt: Format) -> tuple[Reading[Any], str]:
    if fmt is Format.POLICE_UK:
        if kind is not Kind.REPORTS:
            raise InvalidRequest("police.uk files hold reports only: use `import reports`")
        return police_uk.read_crimes(path), "police-uk"
    if fmt is Format.JSONL:
        if kind is not Kind.REPORTS:
            raise InvalidRequest("JSON lines files hold reports with their persons: use `import reports`")
        return jsonl.read_reports(path, ctx.taxonomy), "jsonl"
    if kind is Kind.REPORTS:
        return caselink_csv.read_reports(path, ctx.taxonomy, ctx.policy), "caselink-csv"
    if kind is Kind.PERSONS:
        return caselink_csv.read_persons(path), "caselink-csv"
    return caselink_csv.read_offenders(path), "caselink-csv"


Written = Iterator[tuple[Parsed[Any], list[RowError]]]


def _conflict(p: Parsed[Any], file: str, reason: str) -> tuple[Parsed[Any], list[RowError]]:
    return p, [RowError(file, p.line, None, None, reason)]


def _write_reports(
    ctx: Context, uow: UnitOfWork, actor: Actor, valid: list[Parsed[Report]], source: str,
    summary: ImportSummary, file: str,
) -> Written:
    first: dict[tuple[str, str], Parsed[Report]] = {}
    for p in valid:
        assert p.item is not None
        key = (p.item.force, p.item.reference)
        seen = first.get(key)
        if seen is None:
            first[key] = p
        elif seen.digest == p.digest:
            summary.unchanged += 1
        else:
            yield _conflict(p, file, f"{key[0]} {key[1]} appears again with other content (first at line {seen.line})")
    stored = uow.reports.digests(list(first))
    new: list[Parsed[Report]] = []
    for key, p in first.items():
        if key not in stored:
            new.append(p)
        elif stored[key][1] == p.digest:
            summary.unchanged += 1
        else:
            yield _conflict(
                p, file,
                f"{key[0]} {key[1]} is already recorded with other content; change it with the "
                "`caselink report` commands, whose rules and history apply",
            )
    now = ctx.clock()
    reports = [p.item for p in new if p.item is not None]
    ids = uow.reports.insert_many([(r, source, p.digest) for r, p in zip(reports, new, strict=True)])
    person_rows = [
        person_values(person, rid, person_key(person))
        for r, rid in zip(reports, ids, strict=True)
        for person in r.persons
    ]
    uow.reports.insert_persons(person_rows)
    for r in reports:
        r.record(actor.name, now, source)
    uow.events.append((ev, rid) for r, rid in zip(reports, ids, strict=True) for ev in r.events)
    summary.imported += len(reports)


def _write_persons(
    ctx: Context, uow: UnitOfWork, actor: Actor, valid: list[Parsed[PersonRow]], source: str,
    summary: ImportSummary, file: str,
) -> Written:
    del source
    keys = list({(p.item.force, p.item.reference) for p in valid if p.item is not None})
    ids = {k: v[0] for k, v in uow.reports.digests(keys).items()}
    stored = uow.reports.person_keys(ids.values())
    rows: list[dict[str, Any]] = []
    events: list[tuple[Event, int | None]] = []
    now = ctx.clock()
    for p in valid:
        item = p.item
        assert item is not None
        rid = ids.get((item.force, item.reference))
        if rid is None:
            yield _conflict(p, file, f"no report {item.force} {item.reference}: import its report first")
            continue
        pkey = person_key(item.person)
        if (rid, pkey) in stored:
            summary.unchanged += 1
            continue
        stored.add((rid, pkey))
        rows.append(person_values(item.person, rid, pkey))
        events.append((Event(EventKind.PERSON_ADDED, item.force, item.reference, actor.name, now,
                             person_facts(item.person)), rid))
    uow.reports.insert_persons(rows)
    uow.events.append(events)
    summary.imported += len(rows)


def _write_offenders(
    ctx: Context, uow: UnitOfWork, actor: Actor, valid: list[Parsed[OffenderRow]], source: str,
    summary: ImportSummary, file: str,
) -> Written:
    del source
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
            yield _conflict(p, file, f"no report {item.force} {item.reference}: unknown reference")
            continue
        if (item.offender_id, rid) in stored:
            summary.unchanged += 1
            continue
        stored.add((item.offender_id, rid))
        rows.append({"offender_id": item.offender_id, "report_id": rid})
        events.append((Event(EventKind.OFFENDER_LABELLED, item.force, item.reference, actor.name, now,
                             {"offender_id": item.offender_id}), rid))
    uow.reports.insert_offender_labels(rows)
    uow.events.append(events)
    summary.imported += len(rows)
