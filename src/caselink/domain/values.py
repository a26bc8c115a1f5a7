"""Value objects of a report: where, when, who the complainant described, how they knew them."""

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache

from caselink.domain.errors import InvalidValue


class Status(StrEnum):
    """Where a report stands in the recording lifecycle (DOMAIN.md §2–3)."""

    INCIDENT = "incident"
    CRIME = "crime"
    N100 = "n100"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"

    @property
    def is_write_off(self) -> bool:
        return self in (Status.TRANSFERRED, Status.CANCELLED)


class Relationship(StrEnum):
    """The victim–offender relationship as the complainant gave it."""

    STRANGER = "stranger"
    ACQUAINTANCE = "acquaintance"
    PARTNER = "partner"
    EX_PARTNER = "ex_partner"
    FAMILY = "family"
    ONLINE_CONTACT = "online_contact"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class OccurredWindow:
    """When the offence happened: a moment (start only, or start == end) or a window; may be
    unknown.
    """

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        if self.start is None and self.end is not None:
            raise InvalidValue("occurred_to", self.end, "a window needs its start (occurred_from)")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise InvalidValue("occurred_to", self.end, "the window ends before it starts")

    @property
    def known(self) -> bool:
        return self.start is not None


@dataclass(frozen=True, slots=True)
class Location:
    """Where: WGS84 latitude/longitude and/or projected x/y in metres, and an area code; any part
    may be unknown.
    """

    latitude: float | None = None
    longitude: float | None = None
    x: float | None = None
    y: float | None = None
    area_code: str | None = None

    def __post_init__(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise InvalidValue(
                "latitude/longitude", (self.latitude, self.longitude), "give both or neither"
            )
        if (self.x is None) != (self.y is None):
            raise InvalidValue("x/y", (self.x, self.y), "give both or neither")
        for name, value, limit in (
            ("latitude", self.latitude, 90.0),
            ("longitude", self.longitude, 180.0),
        ):
            if value is not None and (not math.isfinite(value) or abs(value) > limit):
                raise InvalidValue(name, value, f"must lie between -{limit:g} and {limit:g}")
        for name, value in (("x", self.x), ("y", self.y)):
            if value is not None and not math.isfinite(value):
                raise InvalidValue(name, value, "must be a finite number of metres")


_RANGE = re.compile(r"^\s*(\d{1,3})\s*(?:(-)\s*(\d{1,3})?|(\+))?\s*$")


def parse_range(field: str, text: str | None, upper: int) -> tuple[int, int] | None:
    """A band such as "25-34", "30", "60+" or "25-" as (low, high) inclusive, or None when empty."""
    if text is None or not text.strip():
        return None
    return _parse_range(field, text, upper)


@lru_cache(maxsize=4096)  # bands repeat across reports; parsing each once is enough
def _parse_range(field: str, text: str, upper: int) -> tuple[int, int]:
    m = _RANGE.match(text)
    if not m:
        raise InvalidValue(field, text, "write a number or a band such as 25-34 or 60+")
    low = int(m.group(1))
    if m.group(4) or (m.group(2) and m.group(3) is None):
        high = upper
    else:
        high = int(m.group(3)) if m.group(3) else low
    if high < low or high > upper:
        raise InvalidValue(field, text, f"the band must run upward and stay within {upper}")
    return low, high


@dataclass(frozen=True, slots=True)
class OffenderDescription:
    """The offender as the complainant described them. Every part is optional.

    Age is a band in years ("25-34", "40+"), height a band or value in centimetres; the other
    parts are free words as recorded (e.g. build "slim", ethnic appearance an IC code or words).
    """

    sex: str | None = None
    age_band: str | None = None
    height: str | None = None
    build: str | None = None
    ethnic_appearance: str | None = None
    accent: str | None = None
    marks: str | None = None

    def __post_init__(self) -> None:
        parse_range("offender_age_band", self.age_band, 120)
        parse_range("offender_height", self.height, 250)
        if self.sex is not None and self.sex not in ("male", "female", "unknown"):
            raise InvalidValue("offender_sex", self.sex, "must be male, female or unknown")

    @property
    def age_range(self) -> tuple[int, int] | None:
        return parse_range("offender_age_band", self.age_band, 120)

    @property
    def height_range(self) -> tuple[int, int] | None:
        return parse_range("offender_height", self.height, 250)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which reports a figure covers: reported in [start, end) (either end open), in these
    forces (all when empty)."""

    start: datetime | None = None
    end: datetime | None = None
    forces: tuple[str, ...] = ()


# -- times --------------------------------------------------------------------------------------

# Every time a report, a step or a decision carries lies in this span. No report predates 1900
# (the oldest non-recent offences reported today are decades, not a century, old), and a time
# far from both ends leaves room for the deadlines and durations computed from it: a time at
# the calendar's edge (year 1 or 9999) overflows the moment a day is added or an offset taken.
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(2200, 1, 1, tzinfo=UTC)
MOMENT_SPAN = f"times must lie between {EARLIEST_MOMENT:%Y-%m-%d} and 2199-12-31"


def utc_moment(field: str, value: datetime) -> datetime:
    """A parsed time as UTC (no offset means UTC), refused (``InvalidValue``) when it lies
    outside [``EARLIEST_MOMENT``, ``LATEST_MOMENT``): every reader of times, the files', the
    forms' and the API's, passes its times through here, so none can overflow later."""
    try:
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise InvalidValue(field, value.isoformat(), f"out of range: {MOMENT_SPAN}") from None
    if not EARLIEST_MOMENT <= moment < LATEST_MOMENT:
        raise InvalidValue(field, value.isoformat(), f"out of range: {MOMENT_SPAN}")
    return moment


# -- references ---------------------------------------------------------------------------------

MAX_REFERENCE = 128  # the reports table's reference column
# A spreadsheet reads a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = frozenset("=+-@\t\r")
# The common case, checked at once: printable ASCII without a path separator.
_PLAIN_REFERENCE = re.compile(r"[A-Za-z0-9_.:#() -]+\Z")
# Control characters (ANSI escapes start with one), invisible format characters (bidirectional
# overrides), line separators and lone surrogates: none belongs in a reference.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def reference_problem(reference: str) -> str | None:
    """Why text cannot be a force's reference, or None when it can.

    References are shown on pages, named in URLs and file names, written to CSV files that
    are opened in spreadsheets and printed on terminals, so a reference may not be empty or
    longer than ``MAX_REFERENCE``, may not start like a spreadsheet formula, and may not hold a
    path separator (``/``, ``\\``), ``..``, or a control or invisible character (an ANSI escape,
    a NUL, a bidirectional override).
    """
    if not reference:
        return "required: the reference is empty"
    if len(reference) > MAX_REFERENCE:
        return f"longer than {MAX_REFERENCE} characters"
    if reference[0] in FORMULA_STARTS:
        return "may not start with =, +, -, @, a tab or a carriage return (a spreadsheet formula)"
    if ".." in reference:
        return "may not hold '..'"
    if _PLAIN_REFERENCE.match(reference):
        return None
    if "/" in reference or "\\" in reference:
        return "may not hold / or \\"
    if any(unicodedata.category(c) in _REFUSED_CATEGORIES for c in reference):
        return "may not hold control or invisible characters"
    return None


def check_reference(field: str, reference: str) -> str:
    """The reference, or ``InvalidValue`` saying why it cannot be one (``reference_problem``)."""
    problem = reference_problem(reference)
    if problem is not None:
        raise InvalidValue(field, reference, problem)
    return reference


# -- postcodes ----------------------------------------------------------------------------------

# A UK postcode is an outward code (area letters, district digit, then a digit or letter:
# A9, A99, A9A, AA9, AA99, AA9A) and an inward code (sector digit, two unit letters, never
# C, I, K, M, O or V); GIR 0AA is the one exception. ASCII only: \d would take any script's
# digits.
_OUTWARD = r"(?:[A-Z]{1,2}[0-9][0-9A-Z]?|GIR)"
_POSTCODE = re.compile(rf"({_OUTWARD})([0-9][ABD-HJLNP-UW-Z]{{2}})\Z")
_DISTRICT = re.compile(rf"({_OUTWARD})\Z")


def postcode_district(postcode: str | None) -> str | None:
    """The outward code (district) of a UK postcode: ``ME14`` of ``ME14 1XX``, ``me141xx`` or
    ``ME14``, however it is spaced or cased. Text that is not a postcode gives None, never a
    piece of itself: what is not understood is not given out."""
    if not postcode:
        return None
    compact = "".join(postcode.split()).upper()
    found = _POSTCODE.match(compact) or _DISTRICT.match(compact)
    return found.group(1) if found else None
