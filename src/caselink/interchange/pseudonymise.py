"""Pseudonymised export for inspectors and researchers (Sexual Offences (Amendment) Act 1992).

Complainants are reduced to their role. Other persons' identifying fields become keyed hashes
(HMAC-SHA-256 under a key the force keeps), so the same person carries the same pseudonym
across reports and linkage can be studied, but nobody without the key can reverse or test a
guess. Places are coarsened to about a kilometre, times to the day; free text is left out,
since narratives and rationales name people.
"""

import hashlib
import hmac
from datetime import datetime
from typing import Any

from caselink.domain.person import Person, PersonRole
from caselink.domain.report import Report
from caselink.domain.rules.catalogue import Finding

GRID_METRES = 1000.0
DEGREES = 2  # two decimals of a degree: about 1.1 km of latitude


def pseudonym(key: bytes, kind: str, value: str | None) -> str | None:
    """A stable keyed pseudonym for a value, or None when the value is unknown."""
    if value is None or not value.strip():
        return None
    normalised = " ".join(value.casefold().split())
    mac = hmac.new(key, f"{kind}\x1f{normalised}".encode(), hashlib.sha256).hexdigest()
    return f"{kind[:3]}_{mac[:20]}"


def _day(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def _person(key: bytes, p: Person) -> dict[str, Any]:
    if p.role is PersonRole.COMPLAINANT:
        return {"role": p.role.value}
    dob = p.date_of_birth
    return {
        "role": p.role.value,
        "forename": pseudonym(key, "forename", p.forename),
        "surname": pseudonym(key, "surname", p.surname),
        "aliases": [pseudonym(key, "name", a) for a in p.aliases],
        "date_of_birth": pseudonym(key, "dob", dob.as_given if dob else None),
        "birth_year": dob.parsed.year if dob and dob.parsed else None,
        "postcode_district": (p.postcode or "").split(" ")[0] or None,
        "phone": pseudonym(key, "phone", p.phone),
        "identifiers": [pseudonym(key, "identifier", i) for i in p.identifiers],
    }


def _coarse(value: float | None, step: float) -> float | None:
    return None if value is None else round(value / step) * step


def pseudonymised_document(report: Report, key: bytes, findings: list[Finding]) -> dict[str, Any]:
    """The report as an inspector may see it: no identity, coarse place and time, codes not text."""
    loc = report.location
    cancellation = report.applied_cancellation or report.pending_cancellation
    return {
        "type": "report",
        "force": report.force,
        "report": pseudonym(key, "report", f"{report.force}\x1f{report.reference}"),
        "reported_on": _day(report.reported_at),
        "occurred_from_day": _day(report.occurred.start),
        "occurred_to_day": _day(report.occurred.end),
        "latitude": None if loc.latitude is None else round(loc.latitude, DEGREES),
        "longitude": None if loc.longitude is None else round(loc.longitude, DEGREES),
        "x": _coarse(loc.x, GRID_METRES),
        "y": _coarse(loc.y, GRID_METRES),
        "area_code": loc.area_code,
        "offence_code": report.offence_code,
        "status": report.status.value,
        "decided_on": _day(report.decided_at),
        "behaviours": sorted(f"{b.domain}:{b.code}" for b in report.behaviours),
        "relationship": report.relationship.value if report.relationship else None,
        "cancellation": None
        if cancellation is None
        else {
            "code": cancellation.code.value,
            "state": cancellation.state.value,
            "requested_on": _day(cancellation.requested_at),
            "decided_on": _day(cancellation.decided_at),
            "complainant_informed": cancellation.complainant_informed_at is not None,
        },
        "findings": [{"rule": f.rule.id, "message": f.message} for f in findings],
        "persons": [_person(key, p) for p in report.persons],
    }
