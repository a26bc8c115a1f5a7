"""The caselink CSV parser accepts every generated row, as the importer will."""

from collections import Counter

from caselink.domain.rules.policy import ForcePolicy
from caselink.interchange import caselink_csv
from caselink.interchange.rows import Reading
from caselink.synth.behaviours import load_taxonomy
from integration.synth.synth_dataset import Dataset


def _errors(reading: Reading[object]) -> tuple[int, Counter[str]]:
    rows = 0
    errors: Counter[str] = Counter()
    for parsed in reading.rows:
        rows += 1
        for error in parsed.errors:
            errors[f"{error.column}: {error.reason}"] += 1
    return rows, errors


def test_every_file_parses_without_errors(dataset: Dataset) -> None:
    summary = dataset.summary
    readings: tuple[Reading[object], ...] = (
        caselink_csv.read_reports(summary.reports_csv, load_taxonomy(), ForcePolicy()),
        caselink_csv.read_persons(summary.persons_csv),
        caselink_csv.read_offenders(summary.offenders_csv),
    )
    expected = (summary.reports, summary.persons, summary.solved_reports)
    for reading, count in zip(readings, expected, strict=True):
        rows, errors = _errors(reading)
        assert rows == count
        assert not errors, errors.most_common(5)
