"""The rows person resolution's storage hands out: person records as Arrow, runs, the records
of an entity and the reports a suspect is named in."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pyarrow as pa

PERSON_RECORD_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("report_id", pa.int64()),
        ("role", pa.string()),
        ("source_id", pa.string()),
        ("forename", pa.string()),
        ("surname", pa.string()),
        ("aliases", pa.string()),
        ("dob_as_given", pa.string()),
        ("dob", pa.date32()),
        ("address", pa.string()),
        ("postcode", pa.string()),
        ("phone", pa.string()),
        ("identifiers", pa.string()),
        ("force", pa.string()),
    ]
)
SUSPECT_ENTITY_SCHEMA = pa.schema([("report_id", pa.int64()), ("entity_id", pa.string())])


@dataclass(frozen=True, slots=True)
class PersonRun:
    id: int
    created_at: datetime
    created_by: str
    threshold: float
    figures: dict[str, Any]


@dataclass(frozen=True, slots=True)
class EntityRecord:
    """One person record of an entity, with the report it is in."""

    person_id: int
    source_id: str | None
    role: str
    forename: str | None
    surname: str | None
    dob_as_given: str | None
    dob: date | None
    address: str | None
    postcode: str | None
    phone: str | None
    identifiers: str | None
    aliases: str | None
    match_probability: float | None
    force: str
    reference: str
    status: str
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class SuspectAppearance:
    """One report a person entity is named in as a suspect."""

    entity_id: str
    person_id: int
    forename: str | None
    surname: str | None
    dob_as_given: str | None
    force: str
    reference: str
    status: str
    reported_at: datetime
    outcome: str | None  # the Home Office outcome type the report closed with, if any
