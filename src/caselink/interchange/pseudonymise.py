"""Pseudonymised export for inspectors and researchers (Sexual Offences (Amendment) Act 1992).

Complainants are reduced to their role: every record of a person who is a complainant in any
report, whatever role this record gives them, since the Act's anonymity is for the person, not
the record (which records those are is the caller's to say: person resolution knows). Other
persons' identifying fields become keyed hashes
(HMAC-SHA-256 under a key the force keeps), so the same person carries the same pseudonym
across reports and linkage can be studied, but nobody without the key can reverse or test a
guess. Places are coarsened to about a kilometre, times to the day; free text is left out,
since narratives and rationales name people.
"""

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from caselink.domain.person import Person, PersonRole
from caselink.domain.report import Report
from caselink.domain.rules.catalogue import Finding
from caselink.domain.values import postcode_district as postcode_district  # re-exported

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


def identity_withheld(person: Person, complainant_anywhere: bool = False) -> bool:
    """Whether a person record is reduced to its role: it is a complainant's, or the same human
    is a complainant in another report (``complainant_anywhere``)."""
    return complainant_anywhere or person.role is PersonRole.COMPLAINANT


def reduced_persons(
    persons: Sequence[Person], complainant_anywhere: Sequence[bool] | None = None
) -> list[Person]:
    """A report's persons as a pseudonymised view shows them: each one whose identity is
    withheld (``identity_withheld``) reduced to its role. ``complainant_anywhere`` holds one flag
    per person, in order; when it does not, every person is reduced (the safe side)."""
    flags = _flags(persons, complainant_anywhere)
    return [
        Person(role=p.role) if identity_withheld(p, f) else p
        for p, f in zip(persons, flags, strict=True)
    ]


def _flags(persons: Sequence[Person], complainant_anywhere: Sequence[bool] | None) -> list[bool]:
    if complainant_anywhere is None:
        return [False] * len(persons)
    if len(complainant_anywhere) != len(persons):
        return [True] * len(persons)
    return list(complainant_anywhere)


def _person(key: bytes, p: Person, complainant_anywhere: bool) -> dict[str, Any]:
    if identity_withheld(p, complainant_anywhere):
        return {"role": p.role.value}
    dob = p.date_of_birth
    return {
        "role": p.role.value,
        "forename": pseudonym(key, "forename", p.forename),
        "surname": pseudonym(key, "surname", p.surname),
        "aliases": [pseudonym(key, "name", a) for a in p.aliases],
        "date_of_birth": pseudonym(key, "dob", dob.as_given if dob else None),
        "birth_year": dob.parsed.year if dob and dob.parsed else None,
        "postcode_district": postcode_district(p.postcode),
        "phone": pseudonym(key, "phone", p.phone),
        "identifiers": [pseudonym(key, "identifier", i) for i in p.identifiers],
    }


def _coarse(value: float | None, step: float) -> float | None:
    return None if value is None else round(value / step) * step


def pseudonymised_document(
    report: Report,
    key: bytes,
    findings: list[Finding],
    complainant_anywhere: Sequence[bool] | None = None,
) -> dict[str, Any]:
    """The report as an inspector may see it: no identity, coarse place and time, codes not text.

    ``complainant_anywhere`` flags, one per person in order, the persons who are complainants in
    some report (see ``reduced_persons``)."""
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
        "persons": [
            _person(key, p, f)
            for p, f in zip(
                report.persons, _flags(report.persons, complainant_anywhere), strict=True
            )
        ],
    }
