"""Value objects of a report: where, when, who the complainant described, how they knew them."""

import math
import re
from dataclasses import dataclass
from datetime import datetime
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
