"""Working days in England and Wales: weekends and bank holidays excluded, days as in London.

The Victims' Code counts its deadlines in working days. A day is a calendar day in
Europe/London (so 23:30 UTC on a summer Friday is already Saturday), and the bank holidays are
those of England, substitute days included (Christmas Day on a Saturday gives a Monday off). The
holiday table comes from the ``holidays`` package, which follows the government's announcements,
one-off days such as a jubilee or a state funeral included.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from caselink.domain.errors import InvalidValue

LONDON = ZoneInfo("Europe/London")
_END_OF_DAY = time(23, 59, 59, 999999)


@cache
def bank_holidays(year: int) -> frozenset[date]:
    """The bank holidays of England and Wales in one year, substitute days included."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    """Whether a calendar day is a working day: Monday to Friday and not a bank holiday."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def london_day(moment: datetime) -> date:
    """The calendar day a moment falls on in London (a naive moment is refused, not guessed)."""
    if moment.tzinfo is None:
        raise InvalidValue("moment", moment, "a time needs its offset to fall on a London day")
    return moment.astimezone(LONDON).date()


def add_working_days(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself when ``count`` is 0).

    The day counted from need not be a working day: a decision on a Saturday has Monday as its
    first working day after.
    """
    if count < 0:
        raise InvalidValue("count", count, "a number of working days cannot be negative")
    current = day
    for _ in range(count):
        current += timedelta(days=1)
        while not is_working_day(current):
            current += timedelta(days=1)
    return current


def end_of_working_days(moment: datetime, count: int) -> datetime:
    """The end (23:59:59.999999 in London) of the ``count``-th working day after the London day
    of ``moment``, as a UTC time.

    This is how a deadline of "within N working days" is met: anything done on that last day,
    however late, is in time.
    """
    last = add_working_days(london_day(moment), count)
    return datetime.combine(last, _END_OF_DAY, LONDON).astimezone(UTC)


def working_days_between(start: datetime, end: datetime) -> int:
    """How many working days fall after the London day of ``start`` up to and including the
    London day of ``end`` (0 when ``end`` falls on the same day or earlier).

    A decision on Monday told on Tuesday is 1 working day; told over a bank-holiday weekend, the
    weekend and the holiday do not count.
    """
    first, last = london_day(start), london_day(end)
    count = 0
    current = first + timedelta(days=1)
    while current <= last:
        if is_working_day(current):
            count += 1
        current += timedelta(days=1)
    return count
