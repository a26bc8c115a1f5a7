"""police.uk street-level crime CSV: public, anonymised monthly data (DOMAIN.md §7)."""

from datetime import UTC, datetime
from pathlib import Path

from caselink.domain.errors import InvalidValue
from caselink.domain.forces import canonical_force
from caselink.domain.report import Report
from caselink.domain.values import Location, Status
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
        force = canonical_force(cell("Reported by"))
        if force is None:
            errors.append(
                RowError(
                    name,
                    line,
                    "Reported by",
                    cell("Reported by"),
                    "not one of the 44 force areas of England and Wales",
                )
            )
        try:
            reported_at: datetime | None = datetime.strptime(cell("Month"), "%Y-%m").replace(
                tzinfo=UTC
            )
        except ValueError:
            errors.append(
                RowError(name, line, "Month", cell("Month"), "not a month written YYYY-MM")
            )
            reported_at = None
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
