"""Report times spread over the period: no pile-up at its edges, nothing outside it."""

from collections import Counter
from datetime import datetime

from integration.synth.synth_dataset import Dataset

# The default period: 1 April 2017 to 31 March 2018.
START = datetime(2017, 4, 1)
END = datetime(2018, 4, 1)
# Seconds are drawn uniformly, so a minute rarely holds more than two reports at this scale;
# a duplicate follows its original by hours, never within the same minute.
HANDFUL = 5


def _reported(dataset: Dataset) -> list[datetime]:
    return [datetime.fromisoformat(r["reported_at"]) for r in dataset.reports]


def test_no_minute_holds_more_than_a_handful_of_reports(dataset: Dataset) -> None:
    per_minute = Counter(t.replace(second=0) for t in _reported(dataset))
    minute, count = per_minute.most_common(1)[0]
    assert count <= HANDFUL, f"{count} reports at {minute:%Y-%m-%d %H:%M}"


def test_the_last_day_holds_no_more_than_an_ordinary_day(dataset: Dataset) -> None:
    per_day = Counter(t.date() for t in _reported(dataset))
    ordinary = sorted(per_day.values())[len(per_day) // 2]
    assert per_day[max(per_day)] < 2 * ordinary


def test_every_report_falls_within_the_period(dataset: Dataset) -> None:
    reported = _reported(dataset)
    assert min(reported) >= START
    assert max(reported) < END


def test_every_offence_window_starts_before_its_report(dataset: Dataset) -> None:
    for r in dataset.reports:
        if r["occurred_from"]:
            assert r["occurred_from"] <= r["reported_at"], r["reference"]
