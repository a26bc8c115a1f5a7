"""The entry point: generate the synthetic national dataset and its ground truth into a folder."""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from caselink.synth import offence_families as fam
from caselink.synth.behaviours import code_behaviours, load_taxonomy, true_behaviours
from caselink.synth.calibration import N_RAPE_CODES, load_calibration
from caselink.synth.descriptions import age_band_of, describe, victim_attributes
from caselink.synth.geography import Geography, around, build_geography
from caselink.synth.journey.assembly import (
    FOLLOW_UP_YEARS,
    JourneyReports,
    draw_journey,
    write_journey,
)
from caselink.synth.journey.figures import JourneyFigures, journey_figures
from caselink.synth.name_pools import build_pools
from caselink.synth.offenders import Offenders, assign_offenders, scatter_around_anchor
from caselink.synth.persons_table import build_persons
from caselink.synth.rationales import write_texts
from caselink.synth.recording_practice import (
    C3,
    CODE_NAMES,
    CRIME,
    NO_INFORMATION,
    STATUS_NAMES,
    VALID,
    decide_outcomes,
    draw_practice,
)
from caselink.synth.reports_table import (
    make_references,
    officers,
    recording_timeline,
    report_columns,
)
from caselink.synth.solving import name_and_solve
from caselink.synth.timing import DAY, SECOND, Times, draw_times, period
from caselink.synth.volumes import draw_slots
from caselink.synth.writer import Labelled, numbered, write_table

UNKNOWN_LOCATION_SHARE = 0.03  # invented: online and non-recent offences without a place
UNKNOWN_RELATIONSHIP_SHARE = 0.04  # invented


@dataclass(frozen=True, slots=True)
class SynthSummary:
    """What ``generate`` wrote: the counts, the headline rate, and the path of every file."""

    out_dir: Path
    reports: int
    rape_reports: int  # reports carrying a rape offence code (19C-19H)
    n100_reports: int  # N100s, cancelled ones included
    persons: int  # person records
    identities: int  # distinct true people behind them
    offenders: int  # distinct true offenders
    repeat_offenders: int  # offenders with more than one report
    series_reports: int  # reports by repeat offenders
    solved_reports: int  # reports listed in offenders.csv
    write_offs: int  # cancelled or transferred reports, pending ones included
    wrong_write_offs: int
    pending_authorisations: int
    rape_write_off_rate: float  # (cancelled + transferred with a rape code) / rape-coded reports
    reports_csv: Path
    persons_csv: Path
    offenders_csv: Path
    report_offenders_csv: Path
    person_identities_csv: Path
    write_off_validity_csv: Path
    journey_csv: Path
    missed_chances_csv: Path
    victim_update_practice_csv: Path
    journey: JourneyFigures  # the figures the journey reproduces, with targets


def generate(
    out_dir: Path,
    *,
    years: int = 1,
    scale: float = 1.0,
    seed: int = 0,
    start: date = date(2017, 4, 1),
    progress: Callable[[int, int], None] | None = None,
) -> SynthSummary:
    """Generate ``years`` of national reports at ``scale`` (1.0 = 2017/18 volumes) into ``out_dir``.

    Writes ``reports.csv``, ``persons.csv`` and ``offenders.csv`` in the caselink CSV format
    (docs/formats.md), ``journey.csv`` (every report's journey, followed two years past the
    period) and the ground truth under ``truth/``: every report's true offender, every person
    record's true identity, whether each write-off and N100 was right, the missed chances of
    series and how each force keeps victims informed. The same arguments give byte-identical
    files. ``progress(done, total)`` is called between
    stages, in reports. The generative model is described in docs/synth.md.
    """
    if years < 1:
        raise ValueError("years must be at least 1")
    if not scale > 0:
        raise ValueError("scale must be positive")
    # The journey has a stream of its own, so the files before it are the same with or without it.
    streams = np.random.SeedSequence(seed).spawn(17)
    rng = [np.random.default_rng(s) for s in streams[:16]]
    cal = load_calibration()
    practice = draw_practice(cal, rng[0])
    geo = build_geography(cal, rng[1])
    slots = draw_slots(cal, years=years, scale=scale, n100_share=practice.n100_share, rng=rng[2])
    n = len(slots)

    def tick(fraction: float) -> None:
        if progress is not None:
            progress(int(n * fraction), n)

    tick(0.0)
    family = fam.FAMILY_OF_CODE[slots.code].astype(np.int64)
    force = slots.force.astype(np.int64)
    offenders = assign_offenders(slots, geo, rng[3])
    relationship = offenders.relationship.astype(np.int64)
    outcomes = decide_outcomes(
        slots, relationship, practice, geo.neighbours(3), cal.forces.index("Kent"), rng[4]
    )
    original = _originals(
        force, slots.code, outcomes.status, outcomes.code, outcomes.validity, rng[5]
    )
    # A duplicate with no original to name (a force with no standing crime, at tiny scales)
    # cannot be a valid C3: it becomes one that names nothing.
    orphans = (outcomes.code == C3) & (outcomes.validity == VALID) & (original < 0)
    outcomes.validity[orphans] = NO_INFORMATION
    dup = np.flatnonzero(original >= 0)
    of_report = offenders.of_report.copy()
    of_report[dup] = of_report[original[dup]]
    offenders = dataclasses.replace(offenders, of_report=of_report)
    relationship[dup] = relationship[original[dup]]
    tick(0.15)

    times = draw_times(family, offenders, start, years, rng[6])
    times = _copy_times(times, dup, original[dup], period(start, years)[1], rng[6])
    victim_male, victim_age = victim_attributes(slots.code, rng[7])
    victim_male[dup], victim_age[dup] = victim_male[original[dup]], victim_age[original[dup]]
    references = make_references(force, times.reported_at, cal.forces)
    latitude, longitude = _locations(
        force, offenders, outcomes.receiving, dup, original, geo, rng[8]
    )
    tick(0.3)

    taxonomy = load_taxonomy()
    truth = true_behaviours(taxonomy, family, relationship, of_report, offenders.repeat, rng[9])
    for matrix in truth.values():
        matrix[dup] = matrix[original[dup]]
    coded = code_behaviours(taxonomy, truth, rng[9])
    description = describe(offenders, relationship, rng[10])
    timeline = recording_timeline(times.reported_at, outcomes, rng[11])
    texts = write_texts(outcomes, slots.n100, references.to_pylist(), original, cal.forces, rng[11])
    rape_coded = (slots.code < N_RAPE_CODES) & ~slots.n100
    requester, authoriser = officers(force, outcomes, rape_coded | slots.n100, cal.forces, rng[11])
    shown_relationship = np.where(rng[12].random(n) < UNKNOWN_RELATIONSHIP_SHARE, -1, relationship)
    columns = report_columns(
        references=references,
        force=force,
        code=slots.code,
        n100=slots.n100,
        times=times,
        timeline=timeline,
        latitude=latitude,
        longitude=longitude,
        outcomes=outcomes,
        texts=texts,
        requester=requester,
        authoriser=authoriser,
        description=description,
        relationship=shown_relationship,
        relationship_names=fam.RELATIONSHIPS,
        behaviours=coded.columns,
        attributes={
            "victim_age_band": age_band_of(victim_age),
            "victim_sex": Labelled(victim_male.astype(np.int64), ["female", "male"]),
        },
        forces=cal.forces,
    )
    tick(0.55)

    named, misnamed, solved = name_and_solve(offenders, relationship, rng[13])
    start_day = np.datetime64(start, "D")
    persons = build_persons(
        force=force,
        references=references,
        offenders=offenders,
        named=named,
        misnamed=misnamed,
        original=original,
        victim_male=victim_male,
        victim_age=victim_age,
        occurred=times.occurred,
        start_day=start_day,
        pools=build_pools(seed),
        forces=cal.forces,
        rng=rng[14],
    )
    tick(0.75)

    out_dir = Path(out_dir)
    paths = {
        "reports": out_dir / "reports.csv",
        "persons": out_dir / "persons.csv",
        "offenders": out_dir / "offenders.csv",
        "report_offenders": out_dir / "truth" / "report_offenders.csv",
        "person_identities": out_dir / "truth" / "person_identities.csv",
        "write_off_validity": out_dir / "truth" / "write_off_validity.csv",
    }
    write_table(paths["reports"], columns)
    write_table(paths["persons"], persons.columns)
    force_names = Labelled(force, cal.forces)
    offender_id = numbered(
        Labelled(np.zeros(n, np.int64), ["OFF"]), offenders.label[of_report], 7, ""
    )
    solved_rows = pa.array(np.flatnonzero(solved))
    write_table(
        paths["offenders"],
        {
            "offender_id": offender_id.take(solved_rows),
            "reference": references.take(solved_rows),
            "force": force_names[np.flatnonzero(solved)],
        },
    )
    write_table(
        paths["report_offenders"],
        {"reference": references, "force": force_names, "offender_id": offender_id},
    )
    write_table(
        paths["person_identities"],
        {"source_id": persons.columns["source_id"], "identity_id": persons.identity},
    )
    audited = np.flatnonzero(outcomes.write_off | slots.n100)
    write_table(
        paths["write_off_validity"],
        {
            "reference": references.take(pa.array(audited)),
            "force": force_names[audited],
            "status": Labelled(outcomes.status[audited], STATUS_NAMES),
            "cancellation_code": Labelled(outcomes.code[audited] - 1, CODE_NAMES[1:]),
            "valid": outcomes.validity[audited] == VALID,
            "pending": outcomes.pending[audited],
            "why": np.array(texts.why, dtype=object)[audited],
        },
    )
    tick(0.85)

    facts = JourneyReports(
        force=force,
        code=slots.code,
        n100=slots.n100,
        status=outcomes.status,
        reported_at=times.reported_at,
        occurred=times.occurred,
        authorised_at=timeline["cancellation_authorised_at"],
        informed_at=timeline["complainant_informed_at"],
        named=named,
        misnamed=misnamed,
        solved=solved,
        suspect=persons.suspect,
        of_report=of_report,
        repeat=offenders.repeat,
    )
    as_at = period(start, years + FOLLOW_UP_YEARS)[1]
    journey = draw_journey(facts, cal.forces, as_at, np.random.default_rng(streams[16]))
    journey_files = write_journey(
        journey,
        out_dir,
        force=force,
        references=references,
        offender_id=offender_id,
        forces=cal.forces,
    )
    tick(1.0)

    rape_written = rape_coded & outcomes.write_off
    counts = np.bincount(of_report, minlength=offenders.count)
    return SynthSummary(
        out_dir=out_dir,
        reports=n,
        rape_reports=int(rape_coded.sum()),
        n100_reports=int(slots.n100.sum()),
        persons=len(persons.identity),
        identities=persons.identities,
        offenders=int((counts > 0).sum()),
        repeat_offenders=int((counts > 1).sum()),
        series_reports=int((counts[of_report] > 1).sum()),
        solved_reports=int(solved.sum()),
        write_offs=int(outcomes.write_off.sum()),
        wrong_write_offs=int((outcomes.write_off & (outcomes.validity != VALID)).sum()),
        pending_authorisations=int(outcomes.pending.sum()),
        rape_write_off_rate=float(rape_written.sum() / max(int(rape_coded.sum()), 1)),
        reports_csv=paths["reports"],
        persons_csv=paths["persons"],
        offenders_csv=paths["offenders"],
        report_offenders_csv=paths["report_offenders"],
        person_identities_csv=paths["person_identities"],
        write_off_validity_csv=paths["write_off_validity"],
        journey_csv=journey_files.journey_csv,
        missed_chances_csv=journey_files.missed_chances_csv,
        victim_update_practice_csv=journey_files.update_practice_csv,
        journey=journey_figures(journey, facts, journey_files.missed_chances),
    )


def _originals(
    force: np.ndarray,
    code: np.ndarray,
    status: np.ndarray,
    reason: np.ndarray,
    validity: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """For each valid C3, the report it duplicates: a standing crime of the same force and code.

    Falls back to any standing crime of the force; a C3 with none at all keeps -1.
    """
    original = np.full(len(force), -1, dtype=np.int64)
    dups = np.flatnonzero((reason == C3) & (validity == VALID))
    if len(dups) == 0:
        return original
    crime = np.flatnonzero(status == CRIME)
    key = force[crime] * 100 + code[crime]
    order = np.argsort(key, kind="stable")
    crime, key = crime[order], key[order]
    by_force = force[crime]
    force_order = np.argsort(by_force, kind="stable")
    for i in dups.tolist():
        k = force[i] * 100 + code[i]
        lo, hi = np.searchsorted(key, k), np.searchsorted(key, k, side="right")
        if hi == lo:
            f_sorted = by_force[force_order]
            lo, hi = (
                np.searchsorted(f_sorted, force[i]),
                np.searchsorted(f_sorted, force[i], "right"),
            )
            if hi == lo:
                continue
            original[i] = crime[force_order[lo + rng.integers(0, hi - lo)]]
        else:
            original[i] = crime[lo + rng.integers(0, hi - lo)]
    return original


def _copy_times(
    times: Times, dup: np.ndarray, orig: np.ndarray, end: np.datetime64, rng: np.random.Generator
) -> Times:
    # A duplicate is the same offence reported again, hours to days after the first report.
    # A duplicate recorded in the period follows its original within the time the period has
    # left: near the end the lag is drawn over what remains, not piled on the last minute.
    occurred = times.occurred.copy()
    o_from = times.occurred_from.copy()
    o_to = times.occurred_to.copy()
    reported = times.reported_at.copy()
    occurred[dup], o_from[dup], o_to[dup] = occurred[orig], o_from[orig], o_to[orig]
    left = ((end - reported[orig]) / SECOND - 1).astype(np.float64) / DAY
    high = np.minimum(10.0, left)
    low = np.minimum(2 / 24, high / 2)
    later = (rng.uniform(low, high) * DAY).astype(np.int64) * SECOND
    reported[dup] = reported[orig] + later
    return Times(occurred, o_from, o_to, reported)


def _locations(
    force: np.ndarray,
    offenders: Offenders,
    receiving: np.ndarray,
    dup: np.ndarray,
    original: np.ndarray,
    geo: Geography,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    # Where each offence happened: in its force area; a repeat offender's near their anchor; a
    # transferred one in the receiving force's area (a Service Police transfer stays in the
    # force's own area: the base is in it); a duplicate where its original happened.
    where = offenders.loc_force.copy()
    moved = receiving >= 0
    where[moved] = receiving[moved]
    lat, lon = geo.sample(where, rng)
    series = np.flatnonzero(offenders.repeat[offenders.of_report] & ~moved)
    lat[series], lon[series] = scatter_around_anchor(offenders, series, rng)
    lat[dup], lon[dup] = around(lat[original[dup]], lon[original[dup]], 0.03, rng)
    unknown = rng.random(len(force)) < UNKNOWN_LOCATION_SHARE
    lat[unknown] = np.nan
    lon[unknown] = np.nan
    return lat, lon
