"""Every row would pass the documented import rules of docs/formats.md."""

import re
from datetime import datetime

from caselink.domain.behaviours import Taxonomy
from caselink.domain.forces import canonical_force
from caselink.domain.offences import OFFENCES, RAPE_CODES
from caselink.domain.person import DateOfBirth
from caselink.domain.rules.cancellation import invalid_grounds_in, is_substantive
from caselink.domain.values import (
    Location,
    OccurredWindow,
    OffenderDescription,
    Relationship,
    Status,
)
from caselink.synth.behaviours import load_taxonomy
from integration.synth.synth_dataset import Dataset

TIME_COLUMNS = (
    "reported_at",
    "occurred_from",
    "occurred_to",
    "decided_at",
    "cancellation_requested_at",
    "cancellation_authorised_at",
    "complainant_informed_at",
)
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def _time(text: str) -> datetime | None:
    if not text:
        return None
    assert ISO.match(text), text
    return datetime.fromisoformat(text)


def test_columns_are_the_documented_ones(dataset: Dataset) -> None:
    documented = {
        "reference", "force", "reported_at", "occurred_from", "occurred_to", "latitude",
        "longitude", "x", "y", "area_code", "offence_code", "status", "cancellation_code",
        "cancellation_rationale", "narrative", "decided_at", "recording_rationale",
        "cancellation_evidence", "cancellation_requested_by", "cancellation_requested_at",
        "cancellation_authorised_by", "cancellation_authorised_at", "complainant_informed_at",
        "offender_sex", "offender_age_band", "offender_height", "offender_build",
        "offender_ethnic_appearance", "offender_accent", "offender_marks", "relationship",
    }  # fmt: skip
    columns = set(dataset.reports[0])
    assert {c for c in columns if not c.startswith("mo.")} <= documented
    taxonomy = load_taxonomy()
    assert {f"mo.{d}" for d in taxonomy.domains} <= columns
    assert {"mo.victim_age_band", "mo.victim_sex"} <= columns


def test_every_report_row_passes_the_rules(dataset: Dataset) -> None:
    for r in dataset.reports:
        assert canonical_force(r["force"]) == r["force"]
        times = {c: _time(r[c]) for c in TIME_COLUMNS}
        reported = times["reported_at"]
        assert reported is not None
        OccurredWindow(times["occurred_from"], times["occurred_to"])
        if times["occurred_from"] is not None:
            assert times["occurred_from"] <= reported
        if times["occurred_to"] is not None:
            assert times["occurred_to"] <= reported
        lat = float(r["latitude"]) if r["latitude"] else None
        lon = float(r["longitude"]) if r["longitude"] else None
        Location(lat, lon)
        if lat is not None and lon is not None:
            assert 49.5 < lat < 56.5
            assert -6.5 < lon < 2.5
        status = Status(r["status"])
        code = r["offence_code"]
        if code:
            assert code in OFFENCES
        if status is Status.CRIME:
            assert code
            assert not r["cancellation_code"]
        if status is Status.N100:
            assert not code
            assert r["recording_rationale"]
            assert not r["cancellation_code"]
        if status is Status.TRANSFERRED:
            assert r["cancellation_code"] == "C1"
        if status is Status.CANCELLED:
            assert r["cancellation_code"] in ("C2", "C3", "C4")
        if status.is_write_off:
            assert r["cancellation_rationale"].strip()
            assert r["cancellation_requested_by"]
            assert times["cancellation_requested_at"]
            assert r["cancellation_authorised_by"] != r["cancellation_requested_by"]
            if r["recording_rationale"]:
                assert not code, "a cancelled N100 has no offence code"
            if not r["cancellation_authorised_by"]:
                assert code in RAPE_CODES or r["recording_rationale"], "only these wait"
                assert not times["cancellation_authorised_at"]
            else:
                requested = times["cancellation_requested_at"]
                authorised = times["cancellation_authorised_at"]
                assert requested is not None
                assert authorised is not None
                assert requested <= authorised
        else:
            assert not r["cancellation_rationale"]
            assert not r["cancellation_requested_by"]
        decided = times["decided_at"]
        assert decided is not None
        assert decided >= reported
        OffenderDescription(
            sex=r["offender_sex"] or None,
            age_band=r["offender_age_band"] or None,
            height=r["offender_height"] or None,
        )
        if r["relationship"]:
            Relationship(r["relationship"])


def test_behaviour_codes_are_codes_of_the_taxonomy(dataset: Dataset) -> None:
    taxonomy: Taxonomy = load_taxonomy()
    seen: set[tuple[str, str]] = set()
    for r in dataset.reports:
        for domain in taxonomy.domains:
            value = r[f"mo.{domain}"]
            if value:
                for code in value.split("|"):
                    seen.add((domain, taxonomy.behaviour(domain, code).code))
    # Every domain is used, and most of the codes.
    assert {d for d, _ in seen} == set(taxonomy.domains)
    total = sum(len(d.codes) for d in taxonomy.domains.values())
    assert len(seen) > 0.9 * total


def test_write_off_texts_follow_their_truth(dataset: Dataset) -> None:
    by_key = {(r["force"], r["reference"]): r for r in dataset.reports}
    keys = set(by_key)
    for v in dataset.validity:
        r = by_key[(v["force"], v["reference"])]
        if r["status"] not in ("cancelled", "transferred"):
            continue
        grounds = invalid_grounds_in(r["cancellation_rationale"])
        evidence = r["cancellation_evidence"] or None
        if v["valid"] == "true":
            assert not grounds, r["cancellation_rationale"]
            assert is_substantive(evidence)
            if r["cancellation_code"] == "C1":
                assert evidence == "Service Police" or canonical_force(evidence or "")
                assert evidence != r["force"]
            if r["cancellation_code"] == "C3":
                assert (r["force"], evidence) in keys
                assert evidence != r["reference"]
            if r["cancellation_code"] == "C2":
                assert evidence is not None
                assert len(evidence) > 40
        else:
            assert grounds or not is_substantive(evidence)


def test_person_rows_are_well_formed(dataset: Dataset) -> None:
    iso_dobs = 0
    for p in dataset.persons:
        assert p["role"] in ("complainant", "suspect", "witness")
        assert canonical_force(p["force"]) == p["force"]
        if p["date_of_birth"]:
            iso_dobs += DateOfBirth.from_text(p["date_of_birth"]).parsed is not None
    with_dob = sum(bool(p["date_of_birth"]) for p in dataset.persons)
    # Most are ISO; some are written other ways and kept as given.
    assert 0.75 < iso_dobs / with_dob < 0.95
    assert any(re.match(r"^\d{2}/\d{2}/\d{4}$", p["date_of_birth"]) for p in dataset.persons)
