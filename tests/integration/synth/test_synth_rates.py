"""The headline figures, recomputed from reports.csv alone, match the published ones."""

from collections import Counter

from caselink.domain.offences import RAPE_CODES
from integration.synth.synth_dataset import Dataset


def _rape_write_off_rates(reports: list[dict[str, str]]) -> tuple[float, dict[str, float]]:
    recorded: Counter[str] = Counter()
    written: Counter[str] = Counter()
    for r in reports:
        if r["offence_code"] in RAPE_CODES:
            recorded[r["force"]] += 1
            written[r["force"]] += r["status"] in ("cancelled", "transferred")
    national = sum(written.values()) / sum(recorded.values())
    return national, {f: written[f] / recorded[f] for f in recorded}


def test_national_rape_write_off_rate_is_the_published_11_7_percent(dataset: Dataset) -> None:
    national, _ = _rape_write_off_rates(dataset.reports)
    assert abs(national - 0.117) <= 0.01
    assert abs(dataset.summary.rape_write_off_rate - national) < 1e-12


def test_kent_and_gloucestershire_keep_their_published_rates(dataset: Dataset) -> None:
    _, by_force = _rape_write_off_rates(dataset.reports)
    assert abs(by_force["Kent"] - 0.30) <= 0.03
    assert abs(by_force["Gloucestershire"] - 0.024) <= 0.02
    assert abs(by_force["Surrey"] - 0.257) <= 0.03


def test_other_forces_vary_around_the_national_rate(dataset: Dataset) -> None:
    _, by_force = _rape_write_off_rates(dataset.reports)
    others = [v for f, v in by_force.items() if f not in ("Kent", "Gloucestershire", "Surrey")]
    assert min(others) < 0.09 < 0.13 < max(others)


def test_volumes_follow_the_home_office_table(dataset: Dataset) -> None:
    rape = sum(r["offence_code"] in RAPE_CODES for r in dataset.reports)
    assert abs(rape - 54_045 * 0.1) < 60
    assert abs(dataset.summary.reports - 151_120 * 0.1 - dataset.summary.n100_reports) < 100
    met = sum(r["force"] == "Metropolitan Police" for r in dataset.reports)
    dorset = sum(r["force"] == "Dorset" for r in dataset.reports)
    assert met > 5 * dorset


def test_about_a_fifth_of_write_offs_are_wrong_and_a_fifth_of_those_untold(
    dataset: Dataset,
) -> None:
    by_key = {(r["force"], r["reference"]): r for r in dataset.reports}
    written = [v for v in dataset.validity if v["status"] in ("cancelled", "transferred")]
    wrong = [v for v in written if v["valid"] == "false"]
    assert abs(len(wrong) / len(written) - 0.20) <= 0.02
    applied = [by_key[(v["force"], v["reference"])] for v in wrong if v["pending"] == "false"]
    untold = [r for r in applied if not r["complainant_informed_at"]]
    assert abs(len(untold) / len(applied) - 0.22) <= 0.03
    valid_applied = [
        by_key[(v["force"], v["reference"])]
        for v in written
        if v["valid"] == "true" and v["pending"] == "false"
    ]
    told = [r for r in valid_applied if r["complainant_informed_at"]]
    assert len(told) / len(valid_applied) > 0.9


def test_recording_practice_shares_are_plausible(dataset: Dataset) -> None:
    rape_reports = [r for r in dataset.reports if r["offence_code"] in RAPE_CODES]
    n100 = [r for r in dataset.reports if r["recording_rationale"]]
    assert 0.01 < len(n100) / (len(rape_reports) + len(n100)) < 0.08
    pending = [v for v in dataset.validity if v["pending"] == "true"]
    assert 0 < len(pending) < 0.08 * len(dataset.validity)
    late = sum(_hours(r["reported_at"], r["decided_at"]) > 24 for r in dataset.reports)
    assert 0.03 < late / len(dataset.reports) < 0.2


def _hours(start: str, end: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600
