"""What parsing a file yields: each row's item or its errors, located by file, line and column."""

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

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
        return {"file": self.file, "line": self.line, "column": self.column, "value": self.value,
                "reason": self.reason}

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


@dataclass(frozen=True, slots=True)
class Reading(Generic[T]):
    """A file being read: its header (checked already) and its rows, parsed as they are pulled."""

    header: tuple[str, ...]
    rows: Iterator[Parsed[T]]


class FormatError(Exception):
    """The file as a whole cannot be read in this format (wrong header, not CSV, empty)."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def row_digest(header: tuple[str, ...], row: tuple[str, ...]) -> str:
    """A digest of a row's content that does not depend on column order."""
    pairs = sorted(zip(header, row, strict=False))
    text = "\x1e".join(f"{k}\x1f{v}" for k, v in pairs)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


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
            raise FormatError([RowError(path.name, 1, None, None, "the file is empty: no header row")]) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            handle.close()
            raise FormatError([RowError(path.name, 1, None, None, f"not a readable CSV file: {exc}")]) from None
        return cls(path, header, reader, handle)

    def __iter__(self) -> Iterator[tuple[int, tuple[str, ...] | None, str | None]]:
        """Yields (line, cells, problem): cells None with a problem when the record is unreadable."""
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
            yield start, None, f"not UTF-8 text: {exc}"
        finally:
            self._handle.close()

    def check_columns(self, required: set[str], allowed: set[str], prefix_allowed: str | None = None) -> None:
        """Refuse a header with missing, unknown or repeated columns, naming each."""
        name = self.path.name
        problems: list[RowError] = []
        seen: set[str] = set()
        for column in self.header:
            if column in seen:
                problems.append(RowError(name, 1, column, None, "column appears twice"))
            seen.add(column)
            known = column in allowed or (prefix_allowed is not None and column.startswith(prefix_allowed) and len(column) > len(prefix_allowed))
            if not known:
                problems.append(RowError(name, 1, column, None, "unknown column (see docs/formats.md)"))
        for column in sorted(required - seen):
            problems.append(RowError(name, 1, column, None, "required column is missing"))
        if problems:
            self._handle.close()
            raise FormatError(problems)
