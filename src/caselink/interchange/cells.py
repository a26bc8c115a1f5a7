"""Parsing single cells: times, numbers, names; each failure says what was expected."""

from datetime import UTC, date, datetime, time

from caselink.domain.errors import InvalidValue
from caselink.domain.values import utc_moment


class CellError(ValueError):
    """A cell that does not hold what its column needs; the message says what would."""


def text(cell: str) -> str | None:
    cleaned = cell.strip()
    return cleaned or None


def timestamp(cell: str) -> datetime | None:
    """ISO 8601 date or date-time; no offset means UTC; a date alone means its midnight. A
    time outside the span every caselink time lies in (``utc_moment``) is refused."""
    cleaned = cell.strip()
    if not cleaned:
        return None
    try:
        if len(cleaned) == 10:  # a date alone, the commonest cell: the quicker parse
            value = datetime.combine(date.fromisoformat(cleaned), time(), UTC)
        else:
            value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise CellError("not an ISO 8601 time (e.g. 2024-03-07T23:15:00 or 2024-03-07)") from None
    try:
        return utc_moment("time", value)
    except InvalidValue as exc:
        raise CellError(exc.reason) from None


def moment(value: datetime) -> datetime:
    """A parsed time as UTC, or ``CellError`` when it lies outside caselink's span of times."""
    try:
        return utc_moment("time", value)
    except InvalidValue as exc:
        raise CellError(exc.reason) from None


def number(cell: str) -> float | None:
    cleaned = cell.strip()
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise CellError("not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise CellError("not a finite number")
    return value


def values(cell: str) -> tuple[str, ...]:
    """Several values separated by |, blanks dropped."""
    if "|" not in cell:
        cleaned = cell.strip()
        return (cleaned,) if cleaned else ()
    return tuple(v for v in (part.strip() for part in cell.split("|")) if v)
