"""police.uk street-level crime CSV and outcomes CSV: public, anonymised monthly data
(DOMAIN.md §7), and the outcome groups of police.uk's outcome categories."""

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path

from caselink.domain.errors import InvalidValue
from caselink.domain.forces import canonical_force
from caselink.domain.report import Report
from caselink.domain.values import Location, Status, reference_problem
from caselink.interchange import cells
from caselink.interchange.rows import CsvRows, Parsed, Reading, RowDigest, RowError, RowParser

COLUMNS = {
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
}
REQUIRED = {"Crime ID", "Month", "Reported by", "Longitude", "Latitude", "Crime type"}
SOURCE = "police-uk"


def read_crimes(path: Path) -> Reading[Report]:
    """Read a police.uk street-level file: each crime a report with status crime.

    Rows without a Crime ID are anti-social behaviour, not crimes: skipped and counted. Rows
    without coordinates are crimes with an unknown place: imported and counted.
    """
    rows = CsvRows.open(path)
    rows.check_columns(REQUIRED, COLUMNS)
    return Reading(rows.header, iter(rows), CrimeParser(path.name, rows.header))


class CrimeParser(RowParser[Report]):
    def __init__(self, file: str, header: tuple[str, ...]) -> None:
        super().__init__(file, header)
        self._digest = RowDigest(header)

    def parse_cells(self, line: int, cells_: tuple[str, ...]) -> Parsed[Report]:
        name = self.file
        cell_of = dict(zip(self.header, cells_, strict=True))

        def cell(column: str) -> str:
            return cell_of.get(column, "").strip()

        digest = self._digest(cells_)
        crime_id = cell("Crime ID")
        if not crime_id:
            return Parsed(line, None, digest=digest, raw=cells_, skip="no_crime_id")
        errors: list[RowError] = []
        problem = reference_problem(crime_id)
        if problem is not None:
            errors.append(RowError(name, line, "Crime ID", crime_id, problem))
        force, reported_at = _force_and_month(name, line, cell, errors)
        location = Location()
        notes: tuple[str, ...] = ()
        try:
            lat, lon = cells.number(cell("Latitude")), cells.number(cell("Longitude"))
            location = Location(lat, lon, None, None, cell("LSOA code") or None)
            if lat is None:
                notes = ("without_location",)
        except (cells.CellError, InvalidValue) as exc:
            errors.append(
                RowError(
                    name, line, "Latitude", f"{cell('Latitude')},{cell('Longitude')}", str(exc)
                )
            )
        if errors or force is None or reported_at is None:
            return Parsed(line, None, tuple(errors), digest, cells_)
        attributes: dict[str, tuple[str, ...]] = {
            key: (value,)
            for key, value in (
                ("police_uk_crime_type", cell("Crime type")),
                ("police_uk_last_outcome", cell("Last outcome category")),
                ("police_uk_location", cell("Location")),
            )
            if value
        }
        report = Report(
            force=force,
            reference=crime_id,
            reported_at=reported_at,
            location=location,
            status=Status.CRIME,
            narrative=cell("Context"),
            attributes=attributes,
        )
        return Parsed(line, report, (), digest, cells_, notes=notes)


def _force_and_month(
    file: str, line: int, cell: Callable[[str], str], errors: list[RowError]
) -> tuple[str | None, datetime | None]:
    """The force (`Reported by`) and the first moment of the month (`Month`) every police.uk
    file gives a row; what cannot be read goes to `errors` and comes back as None."""
    force = canonical_force(cell("Reported by"))
    if force is None:
        errors.append(
            RowError(
                file,
                line,
                "Reported by",
                cell("Reported by"),
                "not one of the 44 force areas of England and Wales",
            )
        )
    month: datetime | None = None
    try:
        month = cells.moment(datetime.strptime(cell("Month"), "%Y-%m").replace(tzinfo=UTC))
    except ValueError as exc:  # CellError is one
        reason = str(exc) if isinstance(exc, cells.CellError) else "not a month written YYYY-MM"
        errors.append(RowError(file, line, "Month", cell("Month"), reason))
    return force, month


# -- outcomes ---------------------------------------------------------------------------------

OUTCOME_COLUMNS = {
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Outcome type",
}
OUTCOME_REQUIRED = {"Crime ID", "Month", "Reported by", "Outcome type"}
UNKNOWN_GROUP = "unknown"


@cache
def outcome_groups() -> Mapping[str, str]:
    """police.uk's outcome categories, exactly as published, and the group of each
    (src/caselink/data/police_uk_outcome_categories.csv)."""
    text = (files("caselink.data") / "police_uk_outcome_categories.csv").read_text("utf-8")
    return {row["category"]: row["group"] for row in csv.DictReader(text.splitlines())}


def outcome_group(category: str) -> str:
    """The group of a police.uk outcome category; `unknown` for one the table does not hold."""
    return outcome_groups().get(category, UNKNOWN_GROUP)


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """One row of a police.uk outcomes file: an outcome a crime reached in a month."""

    force: str
    crime_id: str
    month: str  # YYYY-MM
    outcome: str  # the category exactly as published


def read_outcomes(path: Path) -> Reading[OutcomeRow]:
    """Read a police.uk outcomes file (``YYYY-MM-<force>-outcomes.csv``): each row an outcome
    matched to its crime by Crime ID."""
    rows = CsvRows.open(path)
    rows.check_columns(OUTCOME_REQUIRED, OUTCOME_COLUMNS)
    return Reading(rows.header, iter(rows), OutcomeParser(path.name, rows.header))


class OutcomeParser(RowParser[OutcomeRow]):
    def __init__(self, file: str, header: tuple[str, ...]) -> None:
        super().__init__(file, header)
        self._digest = RowDigest(header)

    def parse_cells(self, line: int, cells_: tuple[str, ...]) -> Parsed[OutcomeRow]:
        cell_of = dict(zip(self.header, cells_, strict=True))

        def cell(column: str) -> str:
            return cell_of.get(column, "").strip()

        digest = self._digest(cells_)
        if not cell("Crime ID"):
            return Parsed(line, None, digest=digest, raw=cells_, skip="no_crime_id")
        errors: list[RowError] = []
        force, month = _force_and_month(self.file, line, cell, errors)
        if not cell("Outcome type"):
            errors.append(RowError(self.file, line, "Outcome type", "", "no outcome given"))
        if errors or force is None or month is None:
            return Parsed(line, None, tuple(errors), digest, cells_)
        row = OutcomeRow(force, cell("Crime ID"), cell("Month"), cell("Outcome type"))
        notes = () if row.outcome in outcome_groups() else ("unknown_outcome_category",)
        return Parsed(line, row, (), digest, cells_, notes=notes)
