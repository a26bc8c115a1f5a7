"""A report as the pages and the API show it, pseudonymised for those who may not see identity.

services.recording.show already reduces complainants to their role and drops the narrative for
inspectors. What leaves the web application is scrubbed once more here: free text anywhere in
the history (an imported report's source record keeps its narrative and rationale cells),
cancellation rationales and notes, and places finer than about a kilometre — any of them could
name or locate a complainant (Sexual Offences (Amendment) Act 1992).
"""

from datetime import datetime
from typing import Any

from caselink.domain.journey import PERSONAL_DETAILS
from caselink.domain.person import Person
from caselink.domain.report import Cancellation
from caselink.services.recording import ReportView

# Payload keys that hold free text or a source record; never shown in a pseudonymised view.
FREE_TEXT = PERSONAL_DETAILS | frozenset(
    {
        "record",
        "narrative",
        "rationale",
        "evidence",
        "note",
        "how",
        "recording_rationale",
        "persons",
        "forename",
        "surname",
        "aliases",
        "date_of_birth",
        "address",
        "postcode",
        "phone",
        "identifiers",
        "latitude",
        "longitude",
        "x",
        "y",
        "cancellations",
    }
)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _coarse(value: float | None, pseudonymised: bool) -> float | None:
    # Two decimal places of a degree is about a kilometre: enough for an inspector's map.
    return None if value is None else (round(value, 2) if pseudonymised else value)


def scrubbed(value: Any) -> Any:
    """A payload without its free text, at any depth: an imported journey's event holds its
    steps, each with details of its own."""
    if isinstance(value, dict):
        return {k: scrubbed(v) for k, v in value.items() if k not in FREE_TEXT}
    if isinstance(value, list):
        return [scrubbed(v) for v in value]
    return value


def history(view: ReportView) -> list[dict[str, Any]]:
    """The report's events for display; scrubbed of free text when pseudonymised."""
    if not view.pseudonymised:
        return view.history
    return [{**h, "payload": scrubbed(h["payload"])} for h in view.history]


def person_document(person: Person) -> dict[str, Any]:
    dob = person.date_of_birth
    return {
        "role": person.role.value,
        "forename": person.forename,
        "surname": person.surname,
        "aliases": list(person.aliases),
        "date_of_birth": dob.as_given if dob else None,
        "postcode": person.postcode,
    }


def cancellation_document(c: Cancellation, pseudonymised: bool) -> dict[str, Any]:
    return {
        "code": c.code.value,
        "state": c.state.value,
        "rationale": None if pseudonymised else c.rationale,
        "evidence": None if pseudonymised else c.evidence,
        "requested_by": c.requested_by,
        "requested_at": _iso(c.requested_at),
        "decided_by": c.decided_by,
        "decided_at": _iso(c.decided_at),
        "decision_note": None if pseudonymised else c.decision_note,
        "complainant_informed_at": _iso(c.complainant_informed_at),
    }


def report_document(view: ReportView) -> dict[str, Any]:
    """One report as the API returns it (see the ReportDetail schema)."""
    r, p = view.report, view.pseudonymised
    return {
        "force": r.force,
        "reference": r.reference,
        "version": r.version,
        "status": r.status.value,
        "offence_code": r.offence_code,
        "reported_at": _iso(r.reported_at),
        "decided_at": _iso(r.decided_at),
        "occurred_from": _iso(r.occurred.start),
        "occurred_to": _iso(r.occurred.end),
        "latitude": _coarse(r.location.latitude, p),
        "longitude": _coarse(r.location.longitude, p),
        "narrative": None if p else r.narrative,
        "relationship": r.relationship.value if r.relationship else None,
        "behaviours": sorted(f"{b.domain}:{b.code}" for b in r.behaviours),
        "cancellations": [cancellation_document(c, p) for c in r.cancellations],
        "persons": [person_document(x) for x in r.persons],
        "findings": [
            {"rule": f.rule.id, "message": f.message, "citation": f.rule.citation}
            for f in view.findings
        ],
        "history": [
            {
                "seq": h["seq"],
                "kind": h["kind"],
                "actor": h["actor"],
                "at": _iso(h["at"]),
                "payload": h["payload"],
            }
            for h in history(view)
        ],
        "pseudonymised": p,
    }


def link_reasons(components: dict[str, Any], limit: int = 6) -> list[str]:
    """A link's reasons as words: the stored reasons when the run kept them, else the largest
    per-feature contributions with their sign ("distance_km +1.9")."""
    stored = components.get("reasons")
    if isinstance(stored, list):
        return [str(r) for r in stored[:limit]]
    numbers = components.get("contributions", components)
    if not isinstance(numbers, dict):
        return []
    ranked = sorted(
        ((str(k), float(v)) for k, v in numbers.items() if isinstance(v, int | float)),
        key=lambda kv: -abs(kv[1]),
    )
    return [f"{k.replace('_', ' ')} {v:+.1f}" for k, v in ranked[:limit] if abs(v) >= 0.05]
