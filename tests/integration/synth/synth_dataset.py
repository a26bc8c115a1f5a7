"""The synthetic dataset the integration tests share, read back from its CSV files."""

import csv
from dataclasses import dataclass
from pathlib import Path

from caselink.synth import SynthSummary

SCALE = 0.1
SEED = 11


@dataclass(frozen=True)
class Dataset:
    summary: SynthSummary
    reports: list[dict[str, str]]
    persons: list[dict[str, str]]
    offenders: list[dict[str, str]]
    report_offenders: list[dict[str, str]]
    person_identities: list[dict[str, str]]
    validity: list[dict[str, str]]
    journey: list[dict[str, str]]
    missed_chances: list[dict[str, str]]
    update_practice: list[dict[str, str]]


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load(summary: SynthSummary) -> Dataset:
    return Dataset(
        summary=summary,
        reports=read_rows(summary.reports_csv),
        persons=read_rows(summary.persons_csv),
        offenders=read_rows(summary.offenders_csv),
        report_offenders=read_rows(summary.report_offenders_csv),
        person_identities=read_rows(summary.person_identities_csv),
        validity=read_rows(summary.write_off_validity_csv),
        journey=read_rows(summary.journey_csv),
        missed_chances=read_rows(summary.missed_chances_csv),
        update_practice=read_rows(summary.victim_update_practice_csv),
    )
