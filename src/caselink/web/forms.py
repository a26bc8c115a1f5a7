"""Reading form, query and path fields: text to dates, times and numbers, each failure named by
field so the form can show it beside the input, with everything the user typed kept.

This is the one place the web reads numbers and times, so none reaches a service or the
database out of range: whole numbers are ASCII digits within bounds (``int`` would take "²"'s
neighbours such as "٣" and any size), times lie within caselink's span (``utc_moment``), and
record ids in paths fit the database's 64-bit integers.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import Path

from caselink.domain.errors import DomainError, InvalidValue, RuleViolation
from caselink.domain.values import utc_moment

MAX_ID = 2**63 - 1  # the database's integer ids are 64-bit
MAX_PAGE = 200_000  # pages of a list; beyond this, narrow the filters
MAX_VERSION = 2**31 - 1  # a report's version column
_DIGITS = re.compile(r"[0-9]{1,19}\Z")

# A record's id in a path: a 64-bit integer, not negative, else 422 before any query runs.
RecordId = Annotated[int, Path(ge=0, le=MAX_ID, description="the record's id")]
# A series' number within its linkage run, kept in a 32-bit column.
SeriesNumber = Annotated[int, Path(ge=0, le=2**31 - 1, description="the series' number")]


@dataclass(slots=True)
class FieldErrors:
    """Errors by field name ("" for the form as a whole)."""

    by_field: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def take(self, exc: DomainError, fields: tuple[str, ...] = ()) -> None:
        """File a domain refusal under its field when it names one of the form's fields."""
        if isinstance(exc, InvalidValue):
            name = exc.field.removeprefix("mo.").split("/")[0]
            self.add(name if name in fields else "", str(exc))
        elif isinstance(exc, RuleViolation):
            self.add("", str(exc))
        else:
            self.add("", str(exc))


def text(value: str | None) -> str | None:
    """Stripped text, or None when blank."""
    stripped = (value or "").strip()
    return stripped or None


def moment(name: str, value: str | None, errors: FieldErrors) -> datetime | None:
    """A date and time from an ISO text or a datetime-local input, read as UTC."""
    given = text(value)
    if given is None:
        return None
    try:
        return utc_moment(name, datetime.fromisoformat(given))
    except ValueError:
        errors.add(name, f"{given!r} is not a date and time (YYYY-MM-DDTHH:MM)")
    except InvalidValue as exc:
        errors.add(name, f"{given!r} is {exc.reason}")
    return None


def day(name: str, value: str | None, errors: FieldErrors) -> datetime | None:
    """The start (00:00 UTC) of a date given as YYYY-MM-DD."""
    given = text(value)
    if given is None:
        return None
    try:
        parsed = date.fromisoformat(given)
    except ValueError:
        errors.add(name, f"{given!r} is not a date (YYYY-MM-DD)")
        return None
    return datetime.combine(parsed, time(0), tzinfo=UTC)


def day_after(name: str, value: str | None, errors: FieldErrors) -> datetime | None:
    """The start of the day after a last day given as YYYY-MM-DD: the bound of a period that
    includes that day. None for the calendar's last day, which has no day after (no bound)."""
    last = day(name, value, errors)
    if last is None or last.date() == date.max:
        return None
    return last + timedelta(days=1)


def whole_number(
    name: str, value: str | None, errors: FieldErrors, *, low: int, high: int
) -> int | None:
    """A whole number written in ASCII digits between ``low`` and ``high``, or None (blank, or
    the fault filed)."""
    given = text(value)
    if given is None:
        return None
    if not _DIGITS.match(given) or not low <= int(given) <= high:
        errors.add(name, f"{given[:40]!r} is not a whole number from {low:,} to {high:,}")
        return None
    return int(given)


def page(value: str | None, errors: FieldErrors) -> int:
    """A list's page number, 1 when blank or refused (the fault filed under ``page``)."""
    return whole_number("page", value, errors, low=1, high=MAX_PAGE) or 1


def record_id(value: str | None) -> int:
    """A record's id given in a form, or 0, which no record has, for anything that cannot be
    one (the service then answers that there is no such record)."""
    given = text(value)
    if given is None or not _DIGITS.match(given) or int(given) > MAX_ID:
        return 0
    return int(given)


def version(value: str | None, name: str = "expected_version") -> int | None:
    """The version of a report a form was shown (blank: none), or ``InvalidValue``: a version
    that cannot be read must refuse the change, not let it through unchecked."""
    errors = FieldErrors()
    found = whole_number(name, value, errors, low=0, high=MAX_VERSION)
    if errors:
        raise InvalidValue(name, (value or "")[:40], "not a version number (a whole number)")
    return found


def number(name: str, value: str | None, errors: FieldErrors) -> float | None:
    given = text(value)
    if given is None:
        return None
    try:
        return float(given)
    except ValueError:
        errors.add(name, f"{given[:40]!r} is not a number")
        return None
