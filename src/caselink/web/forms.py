"""Reading form and query fields: text to dates, times and numbers, each failure named by field
so the form can show it beside the input, with everything the user typed kept."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from caselink.domain.errors import DomainError, InvalidValue, RuleViolation


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
        parsed = datetime.fromisoformat(given)
    except ValueError:
        errors.add(name, f"{given!r} is not a date and time (YYYY-MM-DDTHH:MM)")
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


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


def number(name: str, value: str | None, errors: FieldErrors) -> float | None:
    given = text(value)
    if given is None:
        return None
    try:
        return float(given)
    except ValueError:
        errors.add(name, f"{given!r} is not a number")
        return None
