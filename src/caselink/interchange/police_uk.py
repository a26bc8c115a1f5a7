"""police.uk street-level crime CSV: public, anonymised monthly data (DOMAIN.md §7)."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from caselink.domain.errors import InvalidValue
from caselink.domain.forces import canonical_force
from caselink.domain.report import Report
from caselink.domain.values import Location, Status
from caselink.interchange import cells
from caselink.interchange.rows import CsvRows, Parsed, Reading, RowError, row_digest

COLUMNS = {
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
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
    return Reading(rows.header, _crimes(rows))


def _crimes(rows: CsvRows) -> Iterator[Parsed[Report]]:
    index = {c: i for i, c in enumerate(rows.header)}
    name = rows.path.name
    for line, cells_, problem in rows:
        if cells_ is None:
            yield Parsed(line, None, (RowError(name, line, None, None, problem or "unreadable"),))
            continue
        if len(cells_) != len(rows.header):
            reason = f"has {len(cells_)} cells but the header has {len(rows.header)}"
            yield Parsed(line, None, (RowError(name, line, None, None, reason),), raw=cells_)
            continue

        def cell(column: str, cells_: tuple[str, ...] = cells_) -> str:
            i = index.get(column)
            return cells_[i].strip() if i is not None else ""

        digest = row_digest(rows.header, cells_)
        crime_id = cell("Crime ID")
        if not crime_id:
            yield Parsed(line, None, digest=digest, raw=cells_, skip="no_crime_id")
            continue
        errors: list[RowError] = []
        force = canonical_force(cell("Reported by"))
        if force is None:
            errors.append(RowError(name, line, "Reported by", cell("Reported by"), "not one of the 44 force areas of England and Wales"))
        try:
            reported_at = datetime.strptime(cell("Month"), "%Y-%m").replace(tzinfo=UTC)
        except ValueError:
            errors.append(RowError(name, line, "Month", cell("Month"), "not a month written YYYY-MM"))
            reported_at = None
        location = Location()
        notes: tuple[str, ...] = ()
        try:
            lat, lon = cells.number(cell("Latitude")), cells.number(cell("Longitude"))
            location = Location(lat, lon, None, None, cell("LSOA code") or None)
            if lat is None:
                notes = ("without_location",)
        except (cells.CellError, InvalidValue) as exc:
            errors.append(RowError(name, line, "Latitude", f"{cell('Latitude')},{cell('Longitude')}", str(exc)))
        if errors or force is None or reported_at is None:
            yield Parsed(line, None, tuple(errors), digest, cells_)
            continue
        attributes = {
            key: (value,)
            for key, value in (
                ("police_uk_crime_type", cell("Crime type")),
                ("police_uk_last_outcome", cell("Last outcome category")),
                ("police_uk_location", cell("Location")),
            )
            if value
        }
        report = Report(
            force=force, reference=crime_id, reported_at=reported_at, location=location,
            status=Status.CRIME, narrative=cell("Context"), attributes=attributes,
        )
        yield Parsed(line, report, (), digest, cells_, notes=notes)
