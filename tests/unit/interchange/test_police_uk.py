"""police.uk street-level files: crimes become reports; ASB rows are skipped; no place is
counted.
"""

import csv
from pathlib import Path

from caselink.domain.values import Status
from caselink.interchange.police_uk import read_crimes

HEADER = [
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
]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def test_police_uk_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path / "2024-03-kent-street.csv",
        [
            [
                "abc123",
                "2024-03",
                "Kent Police",
                "Kent Police",
                "0.52",
                "51.27",
                "On or near High Street",
                "E01024000",
                "Maidstone 001A",
                "Violence and sexual offences",
                "Under investigation",
                "",
            ],
            [
                "",
                "2024-03",
                "Kent Police",
                "Kent Police",
                "0.52",
                "51.27",
                "On or near Park",
                "E01024000",
                "x",
                "Anti-social behaviour",
                "",
                "",
            ],
            [
                "def456",
                "2024-03",
                "Kent Police",
                "Kent Police",
                "",
                "",
                "No location",
                "",
                "",
                "Violence and sexual offences",
                "",
                "",
            ],
            [
                "ghi789",
                "March",
                "Police Scotland",
                "",
                "0.5",
                "51.2",
                "",
                "",
                "",
                "Burglary",
                "",
                "",
            ],
        ],
    )
    crime, asb, nowhere, bad = read_crimes(path).rows
    r = crime.item
    assert r.status is Status.CRIME
    assert r.offence_code is None
    assert r.force == "Kent"
    assert r.attributes["police_uk_crime_type"] == ("Violence and sexual offences",)
    assert r.location.area_code == "E01024000"
    assert asb.skip == "no_crime_id"
    assert asb.item is None
    assert nowhere.item is not None
    assert nowhere.notes == ("without_location",)
    assert {e.column for e in bad.errors} == {"Reported by", "Month"}
