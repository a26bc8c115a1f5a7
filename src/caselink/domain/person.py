"""Persons attached to a report: complainants, suspects, witnesses and others."""

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from caselink.domain.errors import InvalidValue


class PersonRole(StrEnum):
    COMPLAINANT = "complainant"
    SUSPECT = "suspect"
    WITNESS = "witness"
    OTHER = "other"


_ISO_EXTENDED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_BASIC = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@dataclass(frozen=True, slots=True)
class DateOfBirth:
    """A date of birth exactly as given, with the parsed date beside it when it parses.

    Only ISO 8601 (extended 1984-03-07 or basic 19840307) is parsed: guessing whether 03/07/84
    is March or July would invent a fact, and person resolution weighs the text as given.
    """

    as_given: str
    parsed: date | None

    @classmethod
    def from_text(cls, text: str) -> "DateOfBirth":
        given = text.strip()
        m = _ISO_EXTENDED.match(given) or _ISO_BASIC.match(given)
        parsed = None
        if m:
            try:
                parsed = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                parsed = None
        return cls(given, parsed)


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """One person as one report records them; the same human may appear in many reports."""

    role: PersonRole
    forename: str | None = None
    surname: str | None = None
    aliases: tuple[str, ...] = ()
    date_of_birth: DateOfBirth | None = None
    address: str | None = None
    postcode: str | None = None
    phone: str | None = None
    identifiers: tuple[str, ...] = ()
    source_id: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.role, PersonRole):
            raise InvalidValue("role", self.role, "must be complainant, suspect, witness or other")

    @property
    def has_identity(self) -> bool:
        """Whether anything at all identifies this person (a record with nothing is still kept)."""
        return any(
            (
                self.forename,
                self.surname,
                self.aliases,
                self.date_of_birth,
                self.address,
                self.postcode,
                self.phone,
                self.identifiers,
            )
        )


def person_facts(person: Person) -> dict[str, Any]:
    """Everything the record says of a person, as plain values for the event log."""
    dob = person.date_of_birth
    return {
        "role": person.role.value,
        "forename": person.forename,
        "surname": person.surname,
        "aliases": list(person.aliases),
        "date_of_birth": dob.as_given if dob else None,
        "address": person.address,
        "postcode": person.postcode,
        "phone": person.phone,
        "identifiers": list(person.identifiers),
        "source_id": person.source_id,
    }


# A person entity is named after its lowest record id, so the same grouping gets the same name
# in every run, and a record that no other joined names its own.
ENTITY_PREFIX = "P"


def entity_name(first_record_id: int) -> str:
    """The name of the person entity whose lowest record id is ``first_record_id``."""
    return f"{ENTITY_PREFIX}{first_record_id}"
