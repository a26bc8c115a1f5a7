"""What parsing a file yields: each row's item or its errors, located by file, line and column."""

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from caselink.domain.forces import canonical_force
from caselink.domain.values import reference_problem
from caselink.interchange import cells

T = TypeVar("T")

# Limits on what a file may hold (docs/formats.md). A cell may hold a whole narrative, and the
# longest accounts run to tens of thousands of characters; a million is far beyond any, yet a
# hostile file of ten-megabyte cells or a hundred thousand columns is refused before it can
# fill memory or a page.
MAX_FIELD = 1_000_000  # characters in one cell
MAX_LINE = 4_000_000  # characters in one line of a file (a CSV record may span several)
MAX_COLUMNS = 1_000  # columns in a header
NUL_REASON = "holds a NUL character, which no caselink value may"
csv.field_size_limit(MAX_FIELD)


@dataclass(frozen=True, slots=True)
class RowError:
    """One reason a row cannot be imported, precise enough to find and fix it."""

    file: str
    line: int
    column: str | None
    value: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f" column {self.column}" if self.column else "")
        shown = f" value {self.value!r}" if self.value not in (None, "") else ""
        return f"{where}{shown}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Parsed(Generic[T]):
    """A parsed row: its item when valid, or its errors; or a reason it is skipped on purpose."""

    line: int
    item: T | None
    errors: tuple[RowError, ...] = ()
    digest: str = ""
    raw: tuple[str, ...] = ()
    skip: str | None = None  # counted, not an error (e.g. a police.uk row that is no crime)
    notes: tuple[str, ...] = field(default=())  # counted facts about an imported row

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Rows go from the parsing workers to the importing process by the million; the
        # dataclass's own pickling looks its fields up on every row, several times this cost.
        return Parsed, (
            self.line, self.item, self.errors, self.digest, self.raw, self.skip, self.notes
        )  # fmt: skip


Record = tuple[int, tuple[str, ...] | None, str | None]  # line, cells (None if unreadable), problem


class RowParser(Generic[T]):
    """Turns one record's cells into a Parsed row. Instances are picklable, so records can be
    parsed in worker processes; subclasses implement ``parse_cells``."""

    def __init__(self, file: str, header: tuple[str, ...]) -> None:
        self.file, self.header = file, header

    def __call__(self, record: Record) -> Parsed[T]:
        line, cells, problem = record
        if cells is None:
            return Parsed(
                line, None, (RowError(self.file, line, None, None, problem or "unreadable"),)
            )
        if len(cells) != len(self.header):
            reason = f"has {len(cells)} cells but the header has {len(self.header)}"
            return Parsed(line, None, (RowError(self.file, line, None, None, reason),), raw=cells)
        if "\x00" in "".join(cells):
            # PostgreSQL refuses NUL in text, and SQLite would keep a value cut short on output.
            errors = tuple(
                RowError(self.file, line, column, None, NUL_REASON)
                for column, cell in zip(self.header, cells, strict=True)
                if "\x00" in cell
            )
            return Parsed(line, None, errors, raw=cells)
        return self.parse_cells(line, cells)

    def parse_cells(self, line: int, cells: tuple[str, ...]) -> Parsed[T]:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Reading(Generic[T]):
    """A file being read: its header (checked already), its records, and the parser for them."""

    header: tuple[str, ...]
    records: Iterator[Record]
    parser: RowParser[T]

    @property
    def rows(self) -> Iterator[Parsed[T]]:
        """The records parsed in this process, as they are pulled."""
        return map(self.parser, self.records)


class FormatError(Exception):
    """The file as a whole cannot be read in this format (wrong header, not CSV, empty)."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class RowDigest:
    """Digests of rows' content that do not depend on column order (the header is sorted once)."""

    __slots__ = ("_order", "_prefix")

    def __init__(self, header: tuple[str, ...]) -> None:
        self._order = sorted(range(len(header)), key=header.__getitem__)
        self._prefix = "\x1f".join(header[i] for i in self._order) + "\x1e"

    def __call__(self, row: tuple[str, ...]) -> str:
        text = self._prefix + "\x1f".join([row[i] for i in self._order])
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def row_digest(header: tuple[str, ...], row: tuple[str, ...]) -> str:
    """A digest of one row's content that does not depend on column order."""
    return RowDigest(header)(row)


@dataclass(slots=True)
class CsvRows:
    """A CSV file read row by row, with its header and each record's starting line number."""

    path: Path
    header: tuple[str, ...]
    _reader: Any
    _handle: Any

    @classmethod
    def open(cls, path: Path) -> "CsvRows":
        handle = path.open(newline="", encoding="utf-8-sig")
        try:
            reader = csv.reader(bounded_lines(handle, path.name), strict=True)
            header = tuple(h.strip() for h in next(reader))
        except StopIteration:
            handle.close()
            raise FormatError(
                [RowError(path.name, 1, None, None, "the file is empty: no header row")]
            ) from None
        except UnicodeDecodeError as exc:
            handle.close()
            raise FormatError(
                [RowError(path.name, 1, None, None, f"not UTF-8 text: {exc}")]
            ) from None
        except csv.Error as exc:
            handle.close()
            raise FormatError(
                [RowError(path.name, 1, None, None, f"not a readable CSV file: {_csv_reason(exc)}")]
            ) from None
        except FormatError:
            handle.close()
            raise
        if len(header) > MAX_COLUMNS:
            handle.close()
            reason = f"the header has {len(header):,} columns; at most {MAX_COLUMNS:,} are read"
            raise FormatError([RowError(path.name, 1, None, None, reason)])
        return cls(path, header, reader, handle)

    def __iter__(self) -> Iterator[Record]:
        """Yields (line, cells, problem): cells None with a problem when the record is
        unreadable.
        """
        start = self._reader.line_num + 1
        try:
            while True:
                try:
                    cells = next(self._reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield start, None, f"unreadable CSV record: {_csv_reason(exc)}"
                    start = self._reader.line_num + 1
                    continue
                if cells:
                    yield start, tuple(cells), None
                start = self._reader.line_num + 1
        except UnicodeDecodeError as exc:
            # Text after an undecodable byte cannot be trusted to split into the right rows.
            raise FormatError(
                [RowError(self.path.name, start, None, None, f"not UTF-8 text: {exc}")]
            ) from None
        finally:
            self._handle.close()

    def check_columns(
        self, required: set[str], allowed: set[str], prefix_allowed: str | None = None
    ) -> None:
        """Refuse a header with missing, unknown or repeated columns, naming each."""
        name = self.path.name
        problems: list[RowError] = []
        seen: set[str] = set()
        for column in self.header:
            if column in seen:
                problems.append(RowError(name, 1, column, None, "column appears twice"))
            seen.add(column)
            known = column in allowed or (
                prefix_allowed is not None
                and column.startswith(prefix_allowed)
                and len(column) > len(prefix_allowed)
            )
            if not known:
                problems.append(
                    RowError(name, 1, column, None, "unknown column (see docs/formats.md)")
                )
        for column in sorted(required - seen):
            problems.append(RowError(name, 1, column, None, "required column is missing"))
        if problems:
            self._handle.close()
            raise FormatError(problems)


def _csv_reason(exc: csv.Error) -> str:
    text = str(exc)
    if text.startswith("field larger than field limit"):
        return f"a cell longer than {MAX_FIELD:,} characters"
    return text


def bounded_lines(handle: Any, name: str) -> Iterator[str]:
    """The lines of an open text file, refusing the file (``FormatError``) at the first line
    longer than ``MAX_LINE``, which is never read whole: memory stays bounded however the file
    is made. A line that is not UTF-8 refuses the file too, since what follows an undecodable
    byte cannot be trusted to split into the right rows."""
    number = 0
    readline = handle.readline
    try:
        while line := readline(MAX_LINE + 1):
            number += 1
            if len(line) > MAX_LINE:
                reason = f"a line longer than {MAX_LINE:,} characters: the file is not read"
                raise FormatError([RowError(name, number, None, None, reason)])
            yield line
    except UnicodeDecodeError as exc:
        raise FormatError(
            [RowError(name, number + 1, None, None, f"not UTF-8 text: {exc}")]
        ) from None


def text_lines(path: Path) -> Iterator[Record]:
    """The non-blank lines of a JSON lines file as one-cell records, read on the first pull,
    each at most ``MAX_LINE`` characters (else the file is refused)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, line in enumerate(bounded_lines(handle, path.name), start=1):
            if line.strip():
                yield number, (line.rstrip("\r\n"),), None


def json_text_problem(value: object, depth: int = 0) -> str | None:
    """What makes a parsed JSON document unfit to store, or None: a string holding a NUL, or
    longer than ``MAX_FIELD``, anywhere in it."""
    if isinstance(value, str):
        if "\x00" in value:
            return NUL_REASON
        if len(value) > MAX_FIELD:
            return f"holds a text longer than {MAX_FIELD:,} characters"
        return None
    if depth > 32:
        return "nested more than 32 levels deep"
    if isinstance(value, dict):
        for key, item in value.items():
            problem = json_text_problem(key, depth + 1) or json_text_problem(item, depth + 1)
            if problem:
                return problem
    elif isinstance(value, list):
        for item in value:
            problem = json_text_problem(item, depth + 1)
            if problem:
                return problem
    return None


class ParsingRow:
    """One record being parsed: cell access by column name, errors collected, not raised."""

    __slots__ = ("_file", "cells", "errors", "line")

    def __init__(
        self, file: str, line: int, header: tuple[str, ...], cells_: tuple[str, ...]
    ) -> None:
        self._file, self.line = file, line
        self.cells: dict[str, str] = dict(zip(header, cells_, strict=False))
        self.errors: list[RowError] = []

    def raw(self, column: str) -> str:
        return self.cells.get(column, "")

    def error(self, column: str | None, reason: str, value: str | None = None) -> None:
        shown = value if value is not None else (self.raw(column) if column else None)
        self.errors.append(RowError(self._file, self.line, column, shown, reason))

    def get(self, column: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(self.raw(column))
        except cells.CellError as exc:
            self.error(column, str(exc))
            return None

    def text(self, column: str) -> str | None:
        cell = self.cells.get(column)
        return (cell.strip() or None) if cell else None

    def required(self, column: str) -> str | None:
        value = self.text(column)
        if value is None:
            self.error(column, "required: the cell is empty")
        return value

    def force(self) -> str | None:
        given = self.required("force")
        if given is None:
            return None
        force = canonical_force(given)
        if force is None:
            self.error("force", "not one of the 44 force areas of England and Wales")
        return force

    def reference(self) -> str | None:
        reference = self.required("reference")
        if reference is None:
            return None
        problem = reference_problem(reference)
        if problem is not None:
            self.error("reference", problem)
            return None
        return reference

    def enum(self, column: str, kind: Any, default: Any = None) -> Any:
        given = self.text(column)
        if given is None:
            return default
        try:
            return kind(given.lower())
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            self.error(column, f"must be one of: {allowed}")
            return default
