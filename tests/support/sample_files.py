"""Writing small caselink CSV files for tests, row by row, with sensible defaults."""

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

REPORT_HEADER = (
    "reference",
    "force",
    "reported_at",
    "occurred_from",
    "occurred_to",
    "latitude",
    "longitude",
    "x",
    "y",
    "area_code",
    "offence_code",
    "status",
    "cancellation_code",
    "cancellation_rationale",
    "cancellation_evidence",
    "cancellation_authorised_by",
    "complainant_informed_at",
    "recording_rationale",
    "decided_at",
    "narrative",
    "relationship",
    "offender_sex",
    "offender_age_band",
    "mo.approach",
    "mo.control",
    "mo.victim_age_band",
)
PERSON_HEADER = (
    "reference",
    "force",
    "role",
    "source_id",
    "forename",
    "surname",
    "date_of_birth",
    "address",
    "postcode",
    "phone",
    "identifier",
)


def report(reference: str, **cells: str) -> dict[str, str]:
    """A valid crime report row; any cell can be overridden."""
    row = {
        "reference": reference,
        "force": "Kent",
        "reported_at": "2024-03-07T23:15:00",
        "occurred_from": "2024-03-07T22:00:00",
        "occurred_to": "2024-03-07T23:00:00",
        "latitude": "51.27",
        "longitude": "0.52",
        "offence_code": "19C",
        "status": "crime",
        "decided_at": "2024-03-08T09:00:00",
        "narrative": "Account given.",
        "relationship": "stranger",
        "offender_sex": "male",
        "offender_age_band": "25-34",
        "mo.approach": "blitz",
        "mo.control": "gagged|bound",
        "mo.victim_age_band": "18-24",
    }
    row.update(cells)
    return row


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Mapping[str, str]]) -> Path:
    columns = list(header)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def write_reports(path: Path, rows: Iterable[Mapping[str, str]]) -> Path:
    return write_csv(path, REPORT_HEADER, rows)


def write_persons(path: Path, rows: Iterable[Mapping[str, str]]) -> Path:
    return write_csv(path, PERSON_HEADER, rows)
