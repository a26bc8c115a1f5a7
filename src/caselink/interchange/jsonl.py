"""JSON lines: every report (with its persons, behaviours and cancellations), then every event."""

import json
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from caselink.domain.behaviours import Behaviour, Taxonomy
from caselink.domain.errors import DomainError, InvalidValue
from caselink.domain.forces import canonical_force
from caselink.domain.person import DateOfBirth, Person, PersonRole
from caselink.domain.report import Cancellation, CancellationState, Report
from caselink.domain.rules.cancellation import CancellationCode
from caselink.domain.values import (
    Location,
    OccurredWindow,
    OffenderDescription,
    Relationship,
    Status,
    check_reference,
    utc_moment,
)
from caselink.interchange.rows import (
    Parsed,
    Reading,
    RowDigest,
    RowError,
    RowParser,
    json_text_problem,
    text_lines,
)

REJECT_HEADER = ("json",)


def json_value(value: object) -> object:
    """A JSON-native stand-in for the values caselink documents hold (``json.dumps`` default)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, default=json_value, ensure_ascii=False, sort_keys=True)


def report_document(report: Report) -> dict[str, Any]:
    return {
        "type": "report",
        "force": report.force,
        "reference": report.reference,
        "version": report.version,
        **report.facts(),
    }


def read_reports(path: Path, taxonomy: Taxonomy) -> Reading[Report]:
    """Read the report lines of a caselink JSON lines export; other lines are skipped and
    counted.
    """
    return Reading(REJECT_HEADER, text_lines(path), DocumentParser(path.name, taxonomy))


class DocumentParser(RowParser[Report]):
    def __init__(self, file: str, taxonomy: Taxonomy) -> None:
        super().__init__(file, REJECT_HEADER)
        self._digest = RowDigest(REJECT_HEADER)
        self._taxonomy = taxonomy

    def parse_cells(self, line: int, cells: tuple[str, ...]) -> Parsed[Report]:
        digest = self._digest(cells)
        try:
            doc = json.loads(cells[0])
            if not isinstance(doc, dict):
                raise ValueError("a line must hold a JSON object")
        except ValueError as exc:
            return Parsed(
                line,
                None,
                (RowError(self.file, line, None, None, f"not JSON: {exc}"),),
                digest,
                cells,
            )
        problem = json_text_problem(doc)
        if problem is not None:
            return Parsed(line, None, (RowError(self.file, line, None, None, problem),), digest)
        if doc.get("type") != "report":
            return Parsed(
                line, None, digest=digest, raw=cells, skip=f"{doc.get('type', 'untyped')}_lines"
            )
        try:
            report = report_from_document(doc, self._taxonomy)
        except (KeyError, TypeError, ValueError, DomainError) as exc:
            field = exc.field if isinstance(exc, InvalidValue) else None
            reason = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            return Parsed(
                line, None, (RowError(self.file, line, field, None, reason),), digest, cells
            )
        return Parsed(line, report, (), digest, cells)


def _time(value: Any, field: str = "time") -> datetime | None:
    if value is None:
        return None
    return utc_moment(field, datetime.fromisoformat(str(value)))


def report_from_document(doc: dict[str, Any], taxonomy: Taxonomy) -> Report:
    """Rebuild a report from its exported document, validating as the CSV importer does."""
    force = canonical_force(str(doc["force"]))
    if force is None:
        raise InvalidValue(
            "force", doc["force"], "not one of the 44 force areas of England and Wales"
        )
    reported_at = _time(doc["reported_at"], "reported_at")
    if reported_at is None:
        raise InvalidValue("reported_at", None, "required")
    behaviours: set[Behaviour] = set()
    for item in doc.get("behaviours", []):
        domain, _, code = str(item).partition(":")
        if not taxonomy.is_domain(domain):
            raise InvalidValue(
                "behaviours", item, f"{domain!r} is not a domain of the behaviour taxonomy"
            )
        behaviours.add(taxonomy.behaviour(domain, code))
    off = doc.get("offender") or {}
    rel = doc.get("relationship")
    return Report(
        force=force,
        reference=check_reference("reference", str(doc["reference"]).strip()),
        reported_at=reported_at,
        occurred=OccurredWindow(_time(doc.get("occurred_from")), _time(doc.get("occurred_to"))),
        location=Location(
            doc.get("latitude"),
            doc.get("longitude"),
            doc.get("x"),
            doc.get("y"),
            doc.get("area_code"),
        ),
        offence_code=doc.get("offence_code"),
        status=Status(doc.get("status", "incident")),
        narrative=str(doc.get("narrative") or ""),
        recording_rationale=doc.get("recording_rationale"),
        decided_at=_time(doc.get("decided_at")),
        behaviours=frozenset(behaviours),
        attributes={
            str(k): tuple(str(x) for x in v) for k, v in (doc.get("attributes") or {}).items()
        },
        offender=OffenderDescription(
            off.get("sex"),
            off.get("age_band"),
            off.get("height"),
            off.get("build"),
            off.get("ethnic_appearance"),
            off.get("accent"),
            off.get("marks"),
        ),
        relationship=Relationship(rel) if rel else None,
        cancellations=[_cancellation(c) for c in doc.get("cancellations", [])],
        persons=[_person(p) for p in doc.get("persons", [])],
    )


def _cancellation(c: dict[str, Any]) -> Cancellation:
    requested_at = _time(c["requested_at"])
    assert requested_at is not None
    return Cancellation(
        code=CancellationCode(c["code"]),
        rationale=str(c["rationale"]),
        evidence=c.get("evidence"),
        requested_by=str(c["requested_by"]),
        requested_at=requested_at,
        state=CancellationState(c["state"]),
        decided_by=c.get("decided_by"),
        decided_at=_time(c.get("decided_at")),
        decision_note=c.get("decision_note"),
        complainant_informed_at=_time(c.get("complainant_informed_at")),
    )


def _person(p: dict[str, Any]) -> Person:
    dob = p.get("date_of_birth")
    return Person(
        role=PersonRole(p["role"]),
        forename=p.get("forename"),
        surname=p.get("surname"),
        aliases=tuple(p.get("aliases") or ()),
        date_of_birth=DateOfBirth.from_text(dob) if dob else None,
        address=p.get("address"),
        postcode=p.get("postcode"),
        phone=p.get("phone"),
        identifiers=tuple(p.get("identifiers") or ()),
        source_id=p.get("source_id"),
    )
