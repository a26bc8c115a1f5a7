"""Translating between Report aggregates and table rows (the data mapper, written out by hand).

Written by hand rather than with an instrumented ORM mapping so that bulk import can turn
parsed rows into table rows without building tracked objects (see docs/architecture.md).
"""

import hashlib
import json
from typing import Any

from caselink.domain.behaviours import Behaviour
from caselink.domain.person import DateOfBirth, Person, PersonRole
from caselink.domain.report import Cancellation, CancellationState, Report
from caselink.domain.rules.cancellation import CancellationCode
from caselink.domain.values import (
    Location,
    OccurredWindow,
    OffenderDescription,
    Relationship,
    Status,
)

LIST_SEPARATOR = "|"

REPORT_VALUE_COLUMNS: tuple[str, ...] = (
    "force",
    "reference",
    "reported_at",
    "occurred_from",
    "occurred_to",
    "latitude",
    "longitude",
    "x",
    "y",
    "area_code",
    "offence_code",
    "status",
    "narrative",
    "recording_rationale",
    "decided_at",
    "offender_sex",
    "offender_age_band",
    "offender_height",
    "offender_build",
    "offender_ethnic_appearance",
    "offender_accent",
    "offender_marks",
    "relationship",
    "behaviours",
    "attributes",
    "version",
)
CANCELLATION_VALUE_COLUMNS: tuple[str, ...] = (
    "report_id",
    "code",
    "rationale",
    "evidence",
    "requested_by",
    "requested_at",
    "state",
    "decided_by",
    "decided_at",
    "decision_note",
    "complainant_informed_at",
)
PERSON_VALUE_COLUMNS: tuple[str, ...] = (
    "report_id",
    "person_key",
    "role",
    "source_id",
    "forename",
    "surname",
    "aliases",
    "dob_as_given",
    "dob",
    "address",
    "postcode",
    "phone",
    "identifiers",
)


def report_tuple(report: Report) -> tuple[Any, ...]:
    """The reports-table columns of a report in REPORT_VALUE_COLUMNS order.

    Without the id, source and digest, which the writer adds.
    """
    occ, loc, off = report.occurred, report.location, report.offender
    relationship = report.relationship
    return (
        report.force, report.reference, report.reported_at, occ.start, occ.end,
        loc.latitude, loc.longitude, loc.x, loc.y, loc.area_code, report.offence_code,
        report.status.value, report.narrative, report.recording_rationale, report.decided_at,
        off.sex, off.age_band, off.height, off.build, off.ethnic_appearance, off.accent, off.marks,
        relationship.value if relationship else None,
        behaviours_text(report.behaviours),
        attributes_text(report.attributes),
        report.version,
    )  # fmt: skip


def behaviours_text(behaviours: frozenset[Behaviour]) -> str:
    return LIST_SEPARATOR.join(sorted([f"{b.domain}:{b.code}" for b in behaviours]))


def attributes_text(attributes: dict[str, tuple[str, ...]]) -> str:
    return json.dumps(attributes, sort_keys=True, ensure_ascii=False) if attributes else "{}"


def report_values(report: Report) -> dict[str, Any]:
    """The reports-table columns of a report by name (without id, source and digest)."""
    return dict(zip(REPORT_VALUE_COLUMNS, report_tuple(report), strict=True))


def cancellation_values(c: Cancellation, report_id: int) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "code": c.code.value,
        "rationale": c.rationale,
        "evidence": c.evidence,
        "requested_by": c.requested_by,
        "requested_at": c.requested_at,
        "state": c.state.value,
        "decided_by": c.decided_by,
        "decided_at": c.decided_at,
        "decision_note": c.decision_note,
        "complainant_informed_at": c.complainant_informed_at,
    }


def person_values(p: Person, report_id: int, person_key: str) -> dict[str, Any]:
    dob = p.date_of_birth
    return {
        "report_id": report_id,
        "person_key": person_key,
        "role": p.role.value,
        "source_id": p.source_id,
        "forename": p.forename,
        "surname": p.surname,
        "aliases": LIST_SEPARATOR.join(p.aliases) or None,
        "dob_as_given": dob.as_given if dob else None,
        "dob": dob.parsed if dob else None,
        "address": p.address,
        "postcode": p.postcode,
        "phone": p.phone,
        "identifiers": LIST_SEPARATOR.join(p.identifiers) or None,
    }


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(text.split(LIST_SEPARATOR)) if text else ()


def person_from_row(row: Any) -> Person:
    dob = DateOfBirth(row.dob_as_given, row.dob) if row.dob_as_given is not None else None
    return Person(
        role=PersonRole(row.role),
        forename=row.forename,
        surname=row.surname,
        aliases=_split(row.aliases),
        date_of_birth=dob,
        address=row.address,
        postcode=row.postcode,
        phone=row.phone,
        identifiers=_split(row.identifiers),
        source_id=row.source_id,
    )


def cancellation_from_row(row: Any) -> Cancellation:
    return Cancellation(
        code=CancellationCode(row.code),
        rationale=row.rationale,
        evidence=row.evidence,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        state=CancellationState(row.state),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
        complainant_informed_at=row.complainant_informed_at,
    )


def behaviours_from_text(text: str) -> frozenset[Behaviour]:
    return frozenset(Behaviour(*item.split(":", 1)) for item in text.split(LIST_SEPARATOR) if item)


def report_from_rows(row: Any, cancellation_rows: list[Any], person_rows: list[Any]) -> Report:
    return Report(
        force=row.force,
        reference=row.reference,
        reported_at=row.reported_at,
        occurred=OccurredWindow(row.occurred_from, row.occurred_to),
        location=Location(row.latitude, row.longitude, row.x, row.y, row.area_code),
        offence_code=row.offence_code,
        status=Status(row.status),
        narrative=row.narrative,
        recording_rationale=row.recording_rationale,
        decided_at=row.decided_at,
        behaviours=behaviours_from_text(row.behaviours),
        attributes={k: tuple(v) for k, v in json.loads(row.attributes).items()},
        offender=OffenderDescription(
            row.offender_sex,
            row.offender_age_band,
            row.offender_height,
            row.offender_build,
            row.offender_ethnic_appearance,
            row.offender_accent,
            row.offender_marks,
        ),
        relationship=Relationship(row.relationship) if row.relationship else None,
        cancellations=[cancellation_from_row(c) for c in cancellation_rows],
        persons=[person_from_row(p) for p in person_rows],
        version=row.version,
    )


def person_key(person: Person) -> str:
    """The re-import key of a person within a report: its source id, or a digest of its content."""
    if person.source_id:
        return f"id:{person.source_id}"
    dob = person.date_of_birth.as_given if person.date_of_birth else ""
    text = "\x1f".join(
        (
            person.role.value,
            person.forename or "",
            person.surname or "",
            "|".join(person.aliases),
            dob,
            person.address or "",
            person.postcode or "",
            person.phone or "",
            "|".join(person.identifiers),
        )
    )
    return "h:" + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
