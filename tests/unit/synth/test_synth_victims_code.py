"""Victims' Code duties: London time, working days, bank holidays, and the updates drawn."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from caselink.synth.journey.victims_code import (
    LOW,
    NORMAL,
    UpdatePractice,
    draw_update_practice,
    draw_updates,
    due_at,
    london_offset,
)

LONDON = ZoneInfo("Europe/London")


def _utc(text: str) -> np.ndarray:
    return np.array([text], dtype="datetime64[s]")


def test_london_offset_agrees_with_the_time_zone_database() -> None:
    rng = np.random.default_rng(0)
    seconds = rng.integers(
        int(datetime(2015, 1, 1, tzinfo=UTC).timestamp()),
        int(datetime(2024, 1, 1, tzinfo=UTC).timestamp()),
        5000,
    )
    # and the instants either side of each clock change
    edges = [datetime(2018, 3, 25, 1, tzinfo=UTC), datetime(2018, 10, 28, 1, tzinfo=UTC)]
    extra = [int((e + timedelta(seconds=d)).timestamp()) for e in edges for d in (-1, 0, 1)]
    seconds = np.concatenate([seconds, extra])
    offsets = london_offset(seconds.astype("datetime64[s]"))
    for s, offset in zip(seconds.tolist(), offsets.tolist(), strict=True):
        when = datetime.fromtimestamp(s, UTC).astimezone(LONDON)
        expected = when.utcoffset()
        assert expected is not None
        assert offset == expected.total_seconds(), when


@pytest.mark.parametrize(
    ("decided", "due"),
    [
        # Wednesday in summer time: due end of Thursday, 23:59:59 BST = 22:59:59 UTC
        ("2018-06-13T10:00:00", "2018-06-14T22:59:59"),
        # Friday in winter: due end of Monday, GMT
        ("2018-01-12T16:00:00", "2018-01-15T23:59:59"),
        # Saturday: the first working day after it is Monday
        ("2018-01-13T09:00:00", "2018-01-15T23:59:59"),
        # Thursday before Easter 2018: Good Friday and Easter Monday are bank holidays
        ("2018-03-29T12:00:00", "2018-04-03T22:59:59"),
        # 23:30 UTC on a Sunday in summer is already Monday in London: due end of Tuesday
        ("2018-07-01T23:30:00", "2018-07-03T22:59:59"),
        # Christmas Eve 2019 (Tuesday): Christmas and Boxing Day are holidays
        ("2019-12-24T12:00:00", "2019-12-27T23:59:59"),
    ],
)
def test_a_duty_falls_due_at_the_end_of_the_next_working_day(decided: str, due: str) -> None:
    assert due_at(_utc(decided))[0] == np.datetime64(due, "s")


def test_no_decision_no_due_time() -> None:
    assert np.isnat(due_at(np.array(["NaT"], dtype="datetime64[s]"))).all()


def test_updates_in_time_are_before_due_and_late_ones_after() -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    decided = np.datetime64("2018-01-01T00:00:00", "s") + rng.integers(0, 365 * 86400, n)
    force = rng.integers(0, 2, n)
    practice = UpdatePractice(
        on_time=np.array([0.9, 0.5]), never=np.array([0.02, 0.2]), outlier=np.array([0, 1])
    )
    declined = np.full(n, np.datetime64("NaT", "s"))
    declined[:100] = decided[:100] - 3600
    updates = draw_updates(decided, force, declined, practice, rng)
    told = ~np.isnat(updates.told_at)
    assert (updates.told_at[told] > decided[told]).all()
    assert updates.declined[:100].all()
    assert not told[:100].any()
    met = told & (updates.told_at <= updates.due)
    for f, (on_time, never) in enumerate([(0.9, 0.02), (0.5, 0.2)]):
        mine = (force == f) & ~updates.declined
        assert abs(met[mine].mean() - on_time) < 0.02
        assert abs((~told[mine]).mean() - never) < 0.02
    late = told & ~met
    assert (updates.told_at[late] >= updates.due[late] + 3600).all()


def test_outlier_forces_are_few_and_among_the_larger_ones() -> None:
    volume = np.arange(1, 45) * 100.0
    practice = draw_update_practice(volume, np.random.default_rng(2))
    low = practice.outlier == LOW
    assert low.sum() == 4
    assert (volume[practice.outlier != NORMAL] >= np.median(volume)).all()
    assert practice.on_time[low].max() < practice.on_time[~low].min()
