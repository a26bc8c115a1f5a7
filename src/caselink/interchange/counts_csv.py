"""Aggregate counts files: the published figures inspectors often hold instead of records.

CSV with a header naming at least `unit`, `events` and `total`; other columns are ignored.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from caselink.domain.errors import InvalidRequest


@dataclass(frozen=True, slots=True)
class CountRow:
    unit: str
    events: int
    total: int


def read_counts(path: Path) -> list[CountRow]:
    """An aggregate counts file: CSV with a header naming at least `unit`, `events` and `total`
    (other columns are ignored), one unit a row. Refused with the line and the reason when a
    column is missing, a count is not a whole number, negative, or events exceed the total, or a
    unit appears twice."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in ("unit", "events", "total") if c not in header]
        if missing:
            raise InvalidRequest(
                f"{path.name}: the counts file needs the columns unit, events, total; "
                f"missing: {', '.join(missing)}"
            )
        reader.fieldnames = header
        units: list[CountRow] = []
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            unit = (row.get("unit") or "").strip()
            if not unit:
                raise InvalidRequest(f"{path.name} line {line}: the unit is empty")
            if unit in seen:
                raise InvalidRequest(f"{path.name} line {line}: unit {unit!r} appears twice")
            seen.add(unit)
            events, total = (_count(path, line, row, col) for col in ("events", "total"))
            if events > total:
                raise InvalidRequest(
                    f"{path.name} line {line}: {unit}: events ({events}) exceed the total ({total})"
                )
            units.append(CountRow(unit, events, total))
    if not units:
        raise InvalidRequest(f"{path.name}: the counts file has no rows")
    return units


def _count(path: Path, line: int, row: dict[str, str | None], column: str) -> int:
    text = (row.get(column) or "").strip()
    try:
        value = int(text)
    except ValueError:
        raise InvalidRequest(
            f"{path.name} line {line}: {column} {text!r} is not a whole number"
        ) from None
    if value < 0:
        raise InvalidRequest(f"{path.name} line {line}: {column} {value} is negative")
    return value
