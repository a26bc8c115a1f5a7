"""police.uk outcomes on both databases: the street files' last outcome category and the
outcomes files, matched by Crime ID, counted in the outcome mix exactly as published."""

import csv
import random
from collections import Counter
from pathlib import Path

import pytest

from caselink.interchange.police_uk import outcome_group, outcome_groups
from caselink.services import outcomes
from caselink.services.context import Actor, Context
from caselink.services.importing import Format, Kind, import_file
from caselink.services.outcomes import Cohort

STREET = [
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
OUTCOMES = [
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
]
CATEGORIES = [
    "Under investigation",
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Awaiting court outcome",
    "Status update unavailable",
]


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _street(path: Path, n: int) -> tuple[Path, Counter[str]]:
    draw = random.Random(7)
    rows = []
    for i in range(n):
        rows.append(
            {
                "Crime ID": f"{i:064x}",
                "Month": "2024-03",
                "Reported by": "Kent Police",
                "Falls within": "Kent Police",
                "Longitude": "0.52",
                "Latitude": "51.27",
                "Crime type": "Violence and sexual offences",
                "Last outcome category": draw.choice(CATEGORIES),
            }
        )
    rows.append(
        {"Month": "2024-03", "Reported by": "Kent Police", "Crime type": "Anti-social behaviour"}
    )
    return _write(path, STREET, rows), Counter(r["Last outcome category"] for r in rows[:-1])


def _mix(ctx: Context, inspector: Actor) -> dict[str, int]:
    doc = outcomes.outcome_mix_figures(ctx, inspector, group=Cohort.ALL).to_dict()
    return {o["outcome"]: o["count"] for o in doc["national"]}


def test_street_file_counts_are_the_files(
    ctx: Context, officer: Actor, inspector: Actor, tmp_path: Path
) -> None:
    path, expected = _street(tmp_path / "2024-03-kent-street.csv", 60)
    summary = import_file(ctx, officer, Kind.REPORTS, path, Format.POLICE_UK)
    assert summary.imported == 60
    assert _mix(ctx, inspector) == dict(expected)
    # the rape group counts none of them: police.uk crimes carry no offence code
    rape = outcomes.outcome_mix_figures(ctx, inspector).to_dict()
    assert rape["national"] == []


def test_outcomes_file_matched_by_crime_id(
    ctx: Context, officer: Actor, inspector: Actor, tmp_path: Path
) -> None:
    path, _ = _street(tmp_path / "2024-03-kent-street.csv", 10)
    import_file(ctx, officer, Kind.REPORTS, path, Format.POLICE_UK)

    def row(crime: str, month: str, outcome: str) -> dict[str, str]:
        return {
            "Crime ID": crime,
            "Month": month,
            "Reported by": "Kent Police",
            "Outcome type": outcome,
        }

    later = [
        row(f"{0:064x}", "2024-05", "Offender sent to prison"),
        row(f"{1:064x}", "2024-04", "Defendant found not guilty"),
        row("not-ours", "2024-04", "Local resolution"),
    ]
    out = _write(tmp_path / "2024-05-kent-outcomes.csv", OUTCOMES, later)
    summary = import_file(ctx, officer, Kind.OUTCOMES, out, Format.POLICE_UK)
    assert (summary.imported, summary.skipped["no_matching_crime"]) == (2, 1)
    again = import_file(ctx, officer, Kind.OUTCOMES, out, Format.POLICE_UK)
    assert (again.imported, again.unchanged) == (0, 2)
    mix = _mix(ctx, inspector)
    assert mix["Offender sent to prison"] == 1
    assert mix["Defendant found not guilty"] == 1
    assert sum(mix.values()) == 10
    with ctx.db.reader() as uow:
        assert uow.events.verify().intact
        history = uow.queries.report_history("Kent", f"{0:064x}")
    assert [h["kind"] for h in history][-1] == "police_uk_outcome"


def test_outcomes_need_the_police_uk_format(ctx: Context, officer: Actor, tmp_path: Path) -> None:
    out = _write(tmp_path / "o.csv", OUTCOMES, [])
    with pytest.raises(Exception, match="police-uk"):
        import_file(ctx, officer, Kind.OUTCOMES, out)


def test_every_category_has_a_group() -> None:
    assert outcome_group("Offender sent to prison") == "convicted"
    assert outcome_group("A category nobody has published") == "unknown"
    assert set(outcome_groups().values()) <= {
        "under_investigation",
        "unknown",
        "no_suspect",
        "evidential_difficulties",
        "not_in_public_interest",
        "another_body",
        "out_of_court",
        "charged",
        "convicted",
        "not_convicted",
    }
