"""The victim's journey of every report, with its ground truth: ``journey.csv`` and the truth.

From first contact to the data's end (the reporting period plus two years of follow-up): the
first response and support offered (``first_response``), the investigation and its outcome for
recorded crimes (``investigation_fates``, ``investigation``), and the victim told of each key
decision as the Victims' Code requires, or late, or not at all (``victims_code``). Written-off
reports and N100s get the first response and support only (and the telling of a cancellation
that ``reports.csv`` records). Drawn from its own random stream, so the other files of a seed
are the same with or without it.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from caselink.synth.calibration import N_RAPE_CODES, PREFIXES
from caselink.synth.journey.fates import draw_fates, link_series
from caselink.synth.journey.first_response import respond
from caselink.synth.journey.investigation import investigate
from caselink.synth.journey.steps import Steps, StepTable, details_json, iso_z
from caselink.synth.journey.victims_code import (
    DECISIONS,
    HOW,
    HOW_SHARES,
    OUTLIER_NAMES,
    UpdatePractice,
    Updates,
    draw_update_practice,
    draw_updates,
)
from caselink.synth.recording_practice import CANCELLED, CRIME, N100, TRANSFERRED
from caselink.synth.sampling import choice
from caselink.synth.writer import Labelled, numbered, write_table

FOLLOW_UP_YEARS = 2  # the journey is followed this long after the reporting period ends
CANCELLATION = "cancellation"  # the decision named when a victim is told of a write-off
TOLD_OF = (*DECISIONS, CANCELLATION)
WRITTEN_OFF, NOT_RECORDED, NO_SUSPECT = range(3)
MISSED_WHY = ("written_off", "n100", "no_suspect")


@dataclass(frozen=True, slots=True)
class JourneyReports:
    """What the journey is drawn from, per report (rows of ``reports.csv``) and per offender.

    ``status`` uses the recording-practice codes; ``suspect`` is the source_id of the
    report's suspect person record (null where none is named); ``of_report`` and ``repeat``
    are the offender truth; ``n100`` marks N100s, cancelled ones included.
    """

    force: np.ndarray
    code: np.ndarray
    n100: np.ndarray
    status: np.ndarray
    reported_at: np.ndarray
    occurred: np.ndarray
    authorised_at: np.ndarray
    informed_at: np.ndarray
    named: np.ndarray
    misnamed: np.ndarray
    solved: np.ndarray
    suspect: pa.Array
    of_report: np.ndarray
    repeat: np.ndarray

    @property
    def recorded(self) -> np.ndarray:
        return np.asarray(self.status == CRIME)

    @property
    def written_off(self) -> np.ndarray:
        return np.asarray((self.status == CANCELLED) | (self.status == TRANSFERRED))

    @property
    def rape(self) -> np.ndarray:
        """Rape reports: a rape code, or an N100 (which keeps the code it would have had)."""
        return np.asarray(self.code < N_RAPE_CODES)


@dataclass(frozen=True, slots=True)
class Journey:
    """The journey drawn: every step, the Victims' Code duties, each force's practice in
    meeting them, and the missed chances of the series (per report: -1 or a MISSED_WHY index,
    and the row of the series' first charged report)."""

    as_at: np.datetime64
    steps: StepTable
    duties: Updates
    practice: UpdatePractice
    missed: np.ndarray
    charged_row: np.ndarray


def draw_journey(
    reports: JourneyReports,
    forces: tuple[str, ...],
    as_at: np.datetime64,
    rng: np.random.Generator,
) -> Journey:
    """Draw the journey of every report up to ``as_at`` (see the module docstring)."""
    n = len(reports.force)
    prefixes = [PREFIXES[f] for f in forces]
    steps = Steps(n, as_at)
    first = respond(
        steps,
        reported_at=reports.reported_at,
        occurred=reports.occurred,
        force=reports.force,
        rape=reports.rape,
        prefixes=prefixes,
        rng=rng,
    )
    recorded = reports.recorded
    fates = draw_fates(
        recorded=recorded,
        rape=reports.rape,
        named=reports.named,
        misnamed=reports.misnamed,
        solved=reports.solved,
        seen_at=first.seen_at,
        rng=rng,
    )
    fates = link_series(
        fates,
        recorded=recorded,
        seen_at=first.seen_at,
        of_report=reports.of_report,
        repeat=reports.repeat,
        as_at=as_at,
        rng=rng,
    )
    investigate(steps, fates, recorded=recorded, rape=reports.rape, person=reports.suspect, rng=rng)
    steps.drop_after_outcome()

    practice = draw_update_practice(np.bincount(reports.force, minlength=len(forces)), rng)
    report, kind, decided = steps.of_kinds(DECISIONS)
    declined_rows, _, declined_at = steps.of_kinds(("updates_declined",))
    declined = np.full(n, np.datetime64("NaT", "s"))
    declined[declined_rows] = declined_at
    duties = draw_updates(decided, reports.force[report], declined[report], practice, rng)
    _tell(steps, report, kind, decided, duties.told_at, duties.how)
    cancelled = reports.written_off & ~np.isnat(reports.authorised_at)
    cancelled &= ~np.isnat(reports.informed_at)
    rows = np.flatnonzero(cancelled)
    how = choice(HOW_SHARES, n, rng)
    _tell(
        steps,
        rows,
        np.full(len(rows), TOLD_OF.index(CANCELLATION)),
        reports.authorised_at[rows],
        reports.informed_at[rows],
        how[rows],
    )

    oic_names = [f"{p}-DC" for p in prefixes]
    oic = numbered(Labelled(reports.force, oic_names), rng.integers(1000, 10000, n), 4, "")
    table = steps.table(oic, first.officer)
    missed, charged_row = missed_chances(table, reports)
    return Journey(as_at, table, duties, practice, missed, charged_row)


def _tell(
    steps: Steps,
    report: np.ndarray,
    decision: np.ndarray,
    decided: np.ndarray,
    told_at: np.ndarray,
    how: np.ndarray,
) -> None:
    # victim_updated names the decision and its time exactly as the decision's own step has it.
    opening = Labelled(
        decision, [details_json({"decision": d, "decision_at": ""})[:-2] for d in TOLD_OF]
    )
    closing = Labelled(how, [details_json({"how": h}).replace("{", '",', 1) for h in HOW])
    details = pc.binary_join_element_wise(
        opening.to_arrow(), iso_z(decided), closing.to_arrow(), ""
    )
    steps.add("victim_updated", report, told_at, details=details, code=decision)


def missed_chances(table: StepTable, reports: JourneyReports) -> tuple[np.ndarray, np.ndarray]:
    """Per report, why it is a missed chance (a MISSED_WHY index, or -1), and the row of the
    first report of its series to be charged (-1 where the series has none).

    A missed chance is a report of a repeat offender, written off, an N100 or with no suspect
    identified by the data's end, while another report of the same offender led to a charge.
    """
    n = len(reports.force)
    charged_at = table.first("charged", n)
    charged = np.flatnonzero(~np.isnat(charged_at))
    of_charged = reports.of_report[charged]
    order = np.lexsort((charged, charged_at[charged], of_charged))
    first = np.full(len(reports.repeat), -1, dtype=np.int64)
    firsts = (
        order[np.r_[True, of_charged[order][1:] != of_charged[order][:-1]]] if len(order) else order
    )
    first[of_charged[firsts]] = charged[firsts]
    charged_row = first[reports.of_report]
    series = np.bincount(reports.of_report, minlength=len(reports.repeat))[reports.of_report] > 1
    why = np.select(
        [
            reports.written_off,
            reports.status == N100,
            reports.recorded & ~table.has("suspect_identified", n),
        ],
        [WRITTEN_OFF, NOT_RECORDED, NO_SUSPECT],
        default=-1,
    )
    another = series & (charged_row >= 0) & (charged_row != np.arange(n))
    missed = np.where(another, why, -1)
    return missed, np.where(series, charged_row, -1)


@dataclass(frozen=True, slots=True)
class JourneyFiles:
    """Where the journey and its truth were written, and how many rows each has."""

    journey_csv: Path
    missed_chances_csv: Path
    update_practice_csv: Path
    steps: int
    missed_chances: int


def write_journey(
    journey: Journey,
    out_dir: Path,
    *,
    force: np.ndarray,
    references: pa.Array,
    offender_id: pa.Array,
    forces: tuple[str, ...],
) -> JourneyFiles:
    """Write ``journey.csv`` and the truth beside it: ``truth/missed_chances.csv`` and
    ``truth/victim_update_practice.csv``."""
    paths = (
        out_dir / "journey.csv",
        out_dir / "truth" / "missed_chances.csv",
        out_dir / "truth" / "victim_update_practice.csv",
    )
    steps = write_table(paths[0], journey.steps.columns(force, references, forces))
    rows = np.flatnonzero(journey.missed >= 0)
    other = journey.charged_row[rows]
    names = Labelled(force, forces)
    missed = write_table(
        paths[1],
        {
            "reference": references.take(pa.array(rows)),
            "force": names[rows],
            "offender_id": offender_id.take(pa.array(rows)),
            "why": Labelled(journey.missed[rows], MISSED_WHY),
            "charged_reference": references.take(pa.array(other)),
            "charged_force": names[other],
        },
    )
    practice = journey.practice
    write_table(
        paths[2],
        {
            "force": list(forces),
            "on_time_share": np.round(practice.on_time, 4),
            "never_share": np.round(practice.never, 4),
            "outlier": Labelled(practice.outlier.astype(np.int64), OUTLIER_NAMES),
        },
    )
    return JourneyFiles(*paths, steps=steps, missed_chances=missed)
