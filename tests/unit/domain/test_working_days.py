"""Working days in England and Wales: weekends, bank holidays and substitute days, London days."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caselink.domain.errors import InvalidValue
from caselink.domain.working_days import (
    LONDON,
    add_working_days,
    bank_holidays,
    end_of_working_days,
    is_working_day,
    london_day,
    working_days_between,
)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def end_of(day: date) -> datetime:
    """The last instant of a London day."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("decision", "days", "due_day"),
    [
        # An ordinary week: Monday's decision is due by the end of Tuesday.
        (london(2024, 3, 4, 10), 1, date(2024, 3, 5)),
        # Friday's decision waits out the weekend.
        (london(2024, 3, 8, 10), 1, date(2024, 3, 11)),
        # Thursday 23 Dec 2021: Christmas Day and Boxing Day fell on a weekend, so Monday 27
        # and Tuesday 28 were the substitute bank holidays; Friday 24 was a working day.
        (london(2021, 12, 23, 15), 1, date(2021, 12, 24)),
        (london(2021, 12, 24, 15), 1, date(2021, 12, 29)),
        # Five working days from 23 Dec 2021 also skip Monday 3 Jan 2022 (New Year substitute).
        (london(2021, 12, 23, 15), 5, date(2022, 1, 4)),
        # Christmas 2020: Friday 25 a holiday, Boxing Day a Saturday, so Monday 28 substitutes.
        (london(2020, 12, 24, 12), 1, date(2020, 12, 29)),
        # Good Friday 2021 (2 April) and the Thursday before it: Easter Monday is a holiday too.
        (london(2021, 4, 2, 9), 1, date(2021, 4, 6)),
        (london(2021, 4, 1, 17), 1, date(2021, 4, 6)),
        # Easter 2024 across the change to summer time (31 March).
        (london(2024, 3, 28, 18), 1, date(2024, 4, 2)),
        # One-off bank holidays: the Platinum Jubilee (2-3 June 2022), the state funeral
        # (19 September 2022).
        (london(2022, 6, 1, 12), 1, date(2022, 6, 6)),
        (london(2022, 9, 16, 12), 1, date(2022, 9, 20)),
        # A decision at 23:30 on a Friday is still Friday's: due by the end of Monday.
        (london(2024, 6, 28, 23, 30), 1, date(2024, 7, 1)),
        (london(2024, 3, 1, 23, 30), 1, date(2024, 3, 4)),
        # A Saturday decision: the first working day after it is Monday.
        (london(2024, 3, 9, 12), 1, date(2024, 3, 11)),
    ],
)
def test_due_is_the_end_of_the_nth_working_day_after_the_decision(
    decision: datetime, days: int, due_day: date
) -> None:
    due = end_of_working_days(decision, days)
    assert due == end_of(due_day)
    assert due.tzinfo is UTC


def test_the_end_of_a_day_is_in_london_time_winter_and_summer() -> None:
    # GMT in December, BST in July: the same 23:59:59.999999 is a different UTC hour.
    assert end_of_working_days(london(2021, 12, 23, 15), 1) == datetime(
        2021, 12, 24, 23, 59, 59, 999999, tzinfo=UTC
    )
    assert end_of_working_days(london(2024, 7, 1, 9), 1) == datetime(
        2024, 7, 2, 22, 59, 59, 999999, tzinfo=UTC
    )


def test_the_day_of_a_decision_is_its_london_day() -> None:
    # 23:30 UTC on Monday 1 July 2024 is 00:30 on Tuesday in London: due by the end of Wednesday.
    decision = datetime(2024, 7, 1, 23, 30, tzinfo=UTC)
    assert london_day(decision) == date(2024, 7, 2)
    assert end_of_working_days(decision, 1) == end_of(date(2024, 7, 3))
    # 23:30 UTC on a winter Friday is still Friday in London.
    assert london_day(datetime(2024, 3, 1, 23, 30, tzinfo=UTC)) == date(2024, 3, 1)


def test_substitute_days_and_one_off_holidays_are_bank_holidays() -> None:
    assert {date(2020, 12, 25), date(2020, 12, 28)} <= bank_holidays(2020)
    assert {date(2021, 12, 27), date(2021, 12, 28)} <= bank_holidays(2021)
    assert {date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)} <= bank_holidays(2022)
    assert date(2021, 12, 24) not in bank_holidays(2021)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2024, 3, 6), True),  # a Wednesday
        (date(2024, 3, 9), False),  # a Saturday
        (date(2024, 3, 10), False),  # a Sunday
        (date(2021, 4, 5), False),  # Easter Monday
        (date(2021, 12, 28), False),  # Boxing Day (substitute)
        (date(2021, 12, 24), True),  # Christmas Eve is not a bank holiday
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_zero_working_days_is_the_day_itself_and_negative_is_refused() -> None:
    assert add_working_days(date(2024, 3, 9), 0) == date(2024, 3, 9)
    assert end_of_working_days(london(2024, 3, 6, 9), 0) == end_of(date(2024, 3, 6))
    with pytest.raises(InvalidValue, match="cannot be negative"):
        add_working_days(date(2024, 3, 9), -1)


def test_a_time_without_its_offset_is_refused() -> None:
    with pytest.raises(InvalidValue, match="offset"):
        london_day(datetime(2024, 3, 6, 9))


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (london(2024, 3, 4, 9), london(2024, 3, 5, 9), 1),  # Monday to Tuesday
        (london(2024, 3, 8, 9), london(2024, 3, 11, 9), 1),  # Friday to Monday
        (london(2024, 3, 4, 9), london(2024, 3, 4, 23), 0),  # the same day
        (london(2024, 3, 5, 9), london(2024, 3, 4, 9), 0),  # backwards
        (london(2021, 12, 23, 9), london(2021, 12, 29, 9), 2),  # 24 Dec and 29 Dec
        (london(2020, 12, 24, 9), london(2020, 12, 29, 9), 1),  # Christmas 2020
    ],
)
def test_working_days_between(start: datetime, end: datetime, count: int) -> None:
    assert working_days_between(start, end) == count


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=200)
@given(moment=moments, days=st.integers(min_value=0, max_value=12))
def test_the_due_day_is_exactly_n_working_days_later(moment: datetime, days: int) -> None:
    due = end_of_working_days(moment, days)
    assert working_days_between(moment, due) == days
    assert due > moment
    if days:
        assert is_working_day(london_day(due))
    # One microsecond later is the next London day, whatever the season.
    assert london_day(due + timedelta(microseconds=1)) == london_day(due) + timedelta(days=1)
