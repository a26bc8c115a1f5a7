"""The caselink journey file (docs/formats.md): one step of a victim's journey per row.

CSV (``journey.csv``, header ``force,reference,step,at,actor,details``) or JSON lines (one
object a line with the same fields, ``details`` an object). The parser checks each row's form
and each step's own details (the rules that need only the step: JNY-2, JNY-3, OUT-1's table,
VC-3); whether a step may follow the report's others is the domain's to decide, on import.
"""

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from caselink.domain.errors import DomainError
from caselink.domain.forces import FORCES
from caselink.domain.journey import Step, StepKind, details_json
from caselink.domain.rules.journey import check_details
from caselink.domain.values import reference_problem
from caselink.interchange import cells
from caselink.interchange.csv_writing import csv_writer
from caselink.interchange.rows import (
    CsvRows,
    Parsed,
    ParsingRow,
    Reading,
    RowDigest,
    RowError,
    RowParser,
    json_text_problem,
    text_lines,
)

JOURNEY_HEADER = ("force", "reference", "step", "at", "actor", "details")
JOURNEY_REQUIRED = {"force", "reference", "step", "at", "actor"}
JSON_LINES_SUFFIXES = frozenset({".jsonl", ".ndjson"})
_LINE_HEADER = ("json",)
# What a plain row's cells are already, as caselink writes them: a force's canonical name and a
# kind's own value need no folding.
_CANONICAL_FORCES = frozenset(FORCES)
_KINDS = {kind.value: kind for kind in StepKind}


@dataclass(frozen=True, slots=True)
class JourneyRow:
    """One step of one report's journey, as a file gives it, and who recorded it."""

    force: str
    reference: str
    step: Step
    actor: str

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # sent by the million from the parsing workers (see Parsed.__reduce__)
        return JourneyRow, (self.force, self.reference, self.step, self.actor)


def read_journey(path: Path, now: datetime) -> Reading[JourneyRow]:
    """Read a journey file, JSON lines when its name ends .jsonl or .ndjson, CSV otherwise."""
    if path.suffix.lower() in JSON_LINES_SUFFIXES:
        return read_journey_lines(path, now)
    return read_journey_csv(path, now)


def read_journey_csv(path: Path, now: datetime) -> Reading[JourneyRow]:
    """Read journey.csv: the header is checked now, rows are parsed as they are pulled.

    ``now`` is the moment of the import: a step dated after it is refused (rule JNY-1).
    """
    rows = CsvRows.open(path)
    rows.check_columns(JOURNEY_REQUIRED, set(JOURNEY_HEADER))
    return Reading(rows.header, iter(rows), JourneyCsvParser(path.name, rows.header, now))


def read_journey_lines(path: Path, now: datetime) -> Reading[JourneyRow]:
    """Read a journey file in JSON lines; blank lines are skipped, each other line is a row."""
    return Reading(_LINE_HEADER, text_lines(path), JourneyLineParser(path.name, now))


class JourneyCsvParser(RowParser[JourneyRow]):
    """Parses one journey.csv record into a JourneyRow, or what is wrong with it."""

    def __init__(self, file: str, header: tuple[str, ...], now: datetime) -> None:
        super().__init__(file, header)
        self._digest = RowDigest(header)
        self._now = now
        self._plain_header = header == JOURNEY_HEADER

    def parse_cells(self, line: int, cells_: tuple[str, ...]) -> Parsed[JourneyRow]:
        if self._plain_header:
            item = self.plain_row(cells_)
            if item is not None:
                return Parsed(line, item, (), journey_digest(item), cells_)
        return self.parse_fully(line, cells_)

    def plain_row(self, cells_: tuple[str, ...]) -> JourneyRow | None:
        """The row, when every cell is as caselink writes it and the step is valid; None for
        anything else, to take the long way (``parse_fully``), which gives the same row.

        A national year's 1.3 million rows are nearly all plain: this skips the bookkeeping
        that finds and words what is wrong (a fifth of a row's parsing), not a check.
        """
        force, reference, kind_cell, at_cell, actor, details_cell = cells_
        kind = _KINDS.get(kind_cell)
        if (
            kind is None
            or force not in _CANONICAL_FORCES
            or not actor
            or actor.strip() != actor
            or reference.strip() != reference
            or reference_problem(reference) is not None
        ):
            return None
        try:
            at = _aware_time(at_cell)
            details = json.loads(details_cell) if details_cell else {}
        except (cells.CellError, ValueError, RecursionError):
            return None
        if at is None or at > self._now or type(details) is not dict:
            return None
        try:  # a detail that is not a string is refused by Step itself
            step = Step(kind=kind, at=at, details=details)
            check_details(step)
        except DomainError:
            return None
        return JourneyRow(force, reference, step, actor)

    def parse_fully(self, line: int, cells_: tuple[str, ...]) -> Parsed[JourneyRow]:
        """Parse any record, noting each thing wrong with it (what ``parse_cells`` does with
        a row that is not plain)."""
        row = ParsingRow(self.file, line, self.header, cells_)
        details = _details_from_text(row)
        item = _journey_row(row, details, self._now)
        # the raw digest names only a refused row: a valid one is known by its content's
        return _parsed(line, row, item, lambda: self._digest(cells_), cells_)


class JourneyLineParser(RowParser[JourneyRow]):
    """Parses one line of a journey JSON lines file into a JourneyRow."""

    def __init__(self, file: str, now: datetime) -> None:
        super().__init__(file, _LINE_HEADER)
        self._digest = RowDigest(_LINE_HEADER)
        self._now = now

    def parse_cells(self, line: int, cells_: tuple[str, ...]) -> Parsed[JourneyRow]:
        digest = self._digest(cells_)
        try:
            document = json.loads(cells_[0])
        except (ValueError, RecursionError) as exc:
            error = RowError(self.file, line, None, None, f"not JSON: {exc}")
            return Parsed(line, None, (error,), digest, cells_)
        if not isinstance(document, dict):
            error = RowError(self.file, line, None, None, "a line must hold a JSON object")
            return Parsed(line, None, (error,), digest, cells_)
        problem = json_text_problem(document)
        if problem is not None:
            return Parsed(line, None, (RowError(self.file, line, None, None, problem),), digest)
        row = ParsingRow(self.file, line, JOURNEY_HEADER[:-1], ("",) * (len(JOURNEY_HEADER) - 1))
        for key, value in document.items():
            if key == "details":
                continue
            if key not in JOURNEY_HEADER:
                row.error(key, "unknown field (see docs/formats.md)", "")
            elif isinstance(value, str):
                row.cells[key] = value
            elif value is not None:
                row.error(key, "must be a string", _shown(value))
        details = _details_from_value(row, document.get("details", {}))
        item = _journey_row(row, details, self._now)
        return _parsed(line, row, item, lambda: digest, cells_)


def _parsed(
    line: int,
    row: ParsingRow,
    item: JourneyRow | None,
    raw_digest: Callable[[], str],
    raw: tuple[str, ...],
) -> Parsed[JourneyRow]:
    if item is not None and not row.errors:
        return Parsed(line, item, (), journey_digest(item), raw)
    # The first reason a field is wrong is the one to fix: a JSON number where a reference
    # should be is not also "empty".
    first: dict[str, RowError] = {}
    for error in row.errors:
        if error.column is not None:
            first.setdefault(error.column, error)
    errors = tuple(e for e in row.errors if e.column is None or first[e.column] is e)
    return Parsed(line, None, errors, raw_digest(), raw)


def _details_from_text(row: ParsingRow) -> dict[str, str] | None:
    text = row.raw("details").strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        row.error("details", f"not JSON: {exc}")
        return None
    return _details_from_value(row, value)


def _shown(value: object) -> str:
    """A JSON value as text for an error message, however odd the value."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        return repr(value)[:200]


def _details_from_value(row: ParsingRow, value: object) -> dict[str, str] | None:
    # the value is turned into text only for an error message, not for every row read
    if value is None:
        return {}
    if not isinstance(value, dict):
        row.error(
            "details", 'must be a JSON object of strings, e.g. {"release": "bail"}', _shown(value)
        )
        return None
    odd = sorted(str(k) for k, v in value.items() if not isinstance(v, str))
    if odd:
        row.error(
            "details",
            f"every value must be a string (true/false for yes/no); not so for {', '.join(odd)}",
            _shown(value),
        )
        return None
    return {str(k): v for k, v in value.items()}


def _aware_time(cell: str) -> datetime | None:
    """An ISO 8601 time with its offset: a journey step is placed on a London working day, so a
    time without one would be a guess."""
    cleaned = cell.strip()
    if not cleaned:
        return None
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise cells.CellError(
            "not an ISO 8601 time with its offset (e.g. 2024-03-07T23:15:00Z or +01:00)"
        ) from None
    if value.tzinfo is None:
        raise cells.CellError("needs its offset (e.g. 2024-03-07T23:15:00Z or +01:00)")
    return cells.moment(value)


def _journey_row(
    row: ParsingRow, details: dict[str, str] | None, now: datetime
) -> JourneyRow | None:
    force, reference, actor = row.force(), row.reference(), row.required("actor")
    kind: StepKind | None = row.enum("step", StepKind)
    if kind is None and not any(e.column == "step" for e in row.errors):
        row.error("step", "required: the cell is empty")
    at: datetime | None = row.get("at", _aware_time)
    if at is None and not any(e.column == "at" for e in row.errors):
        row.error("at", "required: the cell is empty")
    if at is not None and at > now:
        row.error("at", f"in the future (now is {now.isoformat()}; rule JNY-1)")
    if row.errors or kind is None or at is None or details is None:
        return None
    try:
        step = Step(kind=kind, at=at, details=details)
        check_details(step)
    except DomainError as exc:
        row.error("details", str(exc), json.dumps(details, ensure_ascii=False, sort_keys=True))
        return None
    return JourneyRow(str(force), str(reference), step, str(actor))


def journey_digest(row: JourneyRow) -> str:
    """A digest of a row's content, the same whichever format or spelling carried it (times in
    UTC, details in key order), so importing the same step twice can be seen to change nothing.
    """
    details = details_json(row.step.details, compact=False)
    text = "\x1f".join(
        (
            row.force,
            row.reference,
            row.step.kind.value,
            row.step.at.isoformat(),
            row.actor,
            details,
        )
    )
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def journey_cells(row: JourneyRow) -> tuple[str, ...]:
    """A row's cells in the order of :data:`JOURNEY_HEADER`."""
    details = details_json(row.step.details, compact=False)
    return (
        row.force,
        row.reference,
        row.step.kind.value,
        row.step.at.isoformat(),
        row.actor,
        details,
    )


def journey_document(row: JourneyRow) -> dict[str, Any]:
    """A row as one JSON lines object."""
    return {
        "force": row.force,
        "reference": row.reference,
        "step": row.step.kind.value,
        "at": row.step.at.isoformat(),
        "actor": row.actor,
        "details": dict(row.step.details),
    }


def write_journey_csv(path: Path, rows: Iterable[JourneyRow]) -> int:
    """Write journey.csv, its cells safe for a spreadsheet; returns the number of rows written."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv_writer(handle)
        writer.writerow(JOURNEY_HEADER)
        for row in rows:
            writer.writerow(journey_cells(row))
            count += 1
    return count


def write_journey_lines(path: Path, rows: Iterable[JourneyRow]) -> int:
    """Write a journey file in JSON lines; returns the number of rows written."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(journey_document(row), ensure_ascii=False, sort_keys=True))
            handle.write("\n")
            count += 1
    return count
