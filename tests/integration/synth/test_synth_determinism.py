"""The same seed gives the same bytes; another seed gives another dataset."""

from pathlib import Path

from caselink.synth import generate

FILES = (
    "reports.csv",
    "persons.csv",
    "offenders.csv",
    "truth/report_offenders.csv",
    "truth/person_identities.csv",
    "truth/write_off_validity.csv",
    "journey.csv",
    "truth/missed_chances.csv",
    "truth/victim_update_practice.csv",
)


def _contents(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", scale=0.03, seed=5)
    second = generate(tmp_path / "b", scale=0.03, seed=5)
    assert _contents(tmp_path / "a") == _contents(tmp_path / "b")
    assert first.reports == second.reports


def test_another_seed_gives_another_dataset(tmp_path: Path) -> None:
    generate(tmp_path / "a", scale=0.03, seed=5)
    generate(tmp_path / "b", scale=0.03, seed=6)
    a, b = _contents(tmp_path / "a"), _contents(tmp_path / "b")
    assert all(a[name] != b[name] for name in FILES)


def test_progress_reaches_the_total(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    summary = generate(tmp_path, scale=0.02, seed=1, progress=lambda d, t: calls.append((d, t)))
    assert len(calls) >= 3
    assert all(0 <= done <= total == summary.reports for done, total in calls)
    assert calls[-1] == (summary.reports, summary.reports)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_more_years_give_more_reports_over_a_longer_period(tmp_path: Path) -> None:
    one = generate(tmp_path / "one", scale=0.02, seed=2)
    two = generate(tmp_path / "two", scale=0.02, seed=2, years=2)
    assert 1.8 < two.reports / one.reports < 2.2
    text = two.reports_csv.read_text(encoding="utf-8")
    assert '"2017-04' in text
    assert '"2019-03' in text
