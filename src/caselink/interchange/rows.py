"""What parsing a file yields: each row's item or its errors, located by file, line and column."""

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from caselink.domain.forces import canonical_force
from caselink.interchange import cells

MAX_REFERENCE = 128  # the reports table's reference column

T = TypeVar("T")

# A cell may hold a whole narrative; the default 128 KiB limit is too small for some accounts.
csv.field_size_limit(16 * 1024 * 1024)


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
            reader = csv.reader(handle, strict=True)
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
                [RowError(path.name, 1, None, None, f"not a readable CSV file: {exc}")]
            ) from None
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
                    yield start, None, f"unreadable CSV record: {exc}"
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
        if reference is not None and len(reference) > MAX_REFERENCE:
            self.error("reference", f"longer than {MAX_REFERENCE} characters")
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
