"""The report rows: references, the recording timeline and the columns of ``reports.csv``."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from caselink.synth.calibration import CODES, PREFIXES
from caselink.synth.rationales import Texts
from caselink.synth.recording_practice import (
    C1,
    CANCELLED,
    CODE_NAMES,
    CRIME,
    N100,
    STATUS_NAMES,
    TRANSFERRED,
    Outcomes,
)
from caselink.synth.timing import HOUR, SECOND, Times
from caselink.synth.writer import Column, Labelled, iso_times, joined, numbered

# Median days from the recording decision to a cancellation request, by code (C1..C4).
_REQUEST_DAYS = np.array([0.0, 5.0, 30.0, 7.0, 10.0])


def make_references(
    force: np.ndarray, reported_at: np.ndarray, forces: tuple[str, ...]
) -> pa.Array:
    """References like ``KEN-2017-000123``: force prefix, year reported, number in that year.

    Numbered in order of report within force and year, as a force's own crime numbers run, so
    a reference is unique within its force.
    """
    year = reported_at.astype("datetime64[Y]").astype(np.int64) + 1970
    order = np.lexsort((np.arange(len(force)), reported_at, year, force))
    key = force[order].astype(np.int64) * 10_000 + year[order]
    first = np.searchsorted(key, key)
    seq = np.empty(len(force), dtype=np.int64)
    seq[order] = np.arange(len(force)) - first + 1
    prefix_year = numbered(Labelled(force, [PREFIXES[f] for f in forces]), year, 4)
    digits = pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), width=6, padding="0")
    return joined(prefix_year, digits, "-")


def recording_timeline(
    reported_at: np.ndarray, outcomes: Outcomes, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """When the decision, the cancellation request, its authorisation and the telling happened.

    Decisions come within hours unless the force was late (then a day to weeks after);
    cancellations follow days to months later; registrars take up to a fortnight.
    """
    n = len(reported_at)
    on_time = np.minimum(np.exp(rng.normal(np.log(3.0), 1.0, n)), 23.5)
    late = 24.0 + np.exp(rng.normal(np.log(60.0), 1.2, n))
    hours = np.where(outcomes.late, late, on_time)
    decided = reported_at + (hours * HOUR).astype(np.int64) * SECOND
    nat = np.datetime64("NaT", "s")
    code = outcomes.code.astype(np.int64)
    written = outcomes.write_off
    days = _REQUEST_DAYS[code] * np.exp(rng.normal(0.0, 0.8, n))
    requested = decided + (days * 86400 + rng.integers(0, 86400, n)).astype(np.int64) * SECOND
    authorised = requested + (rng.uniform(0.1, 14.0, n) * 86400).astype(np.int64) * SECOND
    informed = authorised + (rng.uniform(0.05, 7.0, n) * 86400).astype(np.int64) * SECOND
    applied = written & ~outcomes.pending
    return {
        "decided_at": decided,
        "cancellation_requested_at": np.where(written, requested, nat),
        "cancellation_authorised_at": np.where(applied, authorised, nat),
        "complainant_informed_at": np.where(applied & outcomes.told, informed, nat),
    }


def officers(
    force: np.ndarray,
    outcomes: Outcomes,
    needs_registrar: np.ndarray,
    forces: tuple[str, ...],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Who asked for each write-off (an officer) and who authorised it (registrar or DDM).

    Rape and N100 cancellations are authorised by one of the force's crime registrars, others
    by a designated decision maker; never by the officer who asked.
    """
    n = len(force)
    rows = np.flatnonzero(outcomes.write_off)
    prefixes = [PREFIXES[forces[f]] for f in force[rows].tolist()]
    rank = np.array(["PC", "DC", "DS", "PS"])[rng.integers(0, 4, len(rows))].tolist()
    number = rng.integers(1000, 9999, len(rows)).tolist()
    registrar = needs_registrar[rows]
    office = np.where(registrar, "FCR", "DDM").tolist()
    who = np.where(registrar, rng.integers(1, 3, len(rows)), rng.integers(1, 7, len(rows)))
    requester = np.full(n, None, dtype=object)
    authoriser = np.full(n, None, dtype=object)
    requester[rows] = [f"{p}-{r}{k}" for p, r, k in zip(prefixes, rank, number, strict=True)]
    authoriser[rows] = [
        f"{p}-{r}{k:02d}" for p, r, k in zip(prefixes, office, who.tolist(), strict=True)
    ]
    authoriser[outcomes.pending] = None
    return requester, authoriser


def report_columns(
    *,
    references: pa.Array,
    force: np.ndarray,
    code: np.ndarray,
    n100: np.ndarray,
    times: Times,
    timeline: dict[str, np.ndarray],
    latitude: np.ndarray,
    longitude: np.ndarray,
    outcomes: Outcomes,
    texts: Texts,
    requester: np.ndarray,
    authoriser: np.ndarray,
    description: dict[str, Labelled],
    relationship: np.ndarray,
    relationship_names: tuple[str, ...],
    behaviours: dict[str, Labelled],
    attributes: dict[str, Labelled],
    forces: tuple[str, ...],
) -> dict[str, Column]:
    """Every column of ``reports.csv`` in documented order, ready for the writer.

    An N100, cancelled or not, is written with an empty offence code, as the format requires.
    """
    offence = Labelled(np.where(n100, -1, code), CODES)
    status = Labelled(outcomes.status, STATUS_NAMES)
    # Sanity of the status/code pairing the importer insists on.
    assert not ((outcomes.status == TRANSFERRED) & (outcomes.code != C1)).any()
    assert not (
        (outcomes.status == CANCELLED) & ((outcomes.code == C1) | (outcomes.code == 0))
    ).any()
    assert not (
        ((outcomes.status == CRIME) | (outcomes.status == N100)) & (outcomes.code != 0)
    ).any()
    cancellation_code = Labelled(outcomes.code - 1, CODE_NAMES[1:])
    columns: dict[str, Column] = {
        "reference": references,
        "force": Labelled(force, forces),
        "reported_at": iso_times(times.reported_at),
        "occurred_from": iso_times(times.occurred_from),
        "occurred_to": iso_times(times.occurred_to),
        "latitude": np.round(latitude, 5),
        "longitude": np.round(longitude, 5),
        "offence_code": offence,
        "status": status,
        "cancellation_code": cancellation_code,
        "cancellation_rationale": texts.cancellation_rationale,
        "decided_at": iso_times(timeline["decided_at"]),
        "recording_rationale": texts.recording_rationale,
        "cancellation_evidence": texts.cancellation_evidence,
        "cancellation_requested_by": requester,
        "cancellation_requested_at": iso_times(timeline["cancellation_requested_at"]),
        "cancellation_authorised_by": authoriser,
        "cancellation_authorised_at": iso_times(timeline["cancellation_authorised_at"]),
        "complainant_informed_at": iso_times(timeline["complainant_informed_at"]),
        **description,
        "relationship": Labelled(relationship, relationship_names),  # -1: not recorded
    }
    for domain, values in behaviours.items():
        columns[f"mo.{domain}"] = values
    for name, values in attributes.items():
        columns[f"mo.{name}"] = values
    return columns
