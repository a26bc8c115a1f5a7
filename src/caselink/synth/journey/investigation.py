"""The investigation of each recorded crime, step by step, given how and when it ends.

A suspect identified, arrested (or interviewed voluntarily), interviewed and released on bail
or under investigation; a file to the Crown Prosecution Service (sometimes returned for more
work first); the CPS decision; the charge, the first hearing and the verdict; or no further
action, with its ground, now and then a Victims' Right to Review. A path that must be whole
(a charge needs its file, CPS decision and interview) is squeezed to fit between the
suspect's identification and the decision; other steps simply stop when the investigation
ends. Delays and shares are invented; the fates and their times come from
``investigation_fates``.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from caselink.synth.journey.fates import (
    CAUTION,
    CHARGE,
    DIVERSION,
    EVIDENTIAL,
    NEVER,
    NO_SUSPECT_COMPLETE,
    NO_SUSPECT_WITHDRAWN,
    OUTCOME_OF_FATE,
    PUBLIC_INTEREST,
    UNRESOLVED,
    WITHDRAWN,
    Fates,
)
from caselink.synth.journey.steps import CPS, EMPTY, Steps, details_json, json_field, labels
from caselink.synth.sampling import choice
from caselink.synth.writer import Labelled

# Chance the suspect is arrested (rather than interviewed voluntarily or not at all), by fate.
_ARRESTED = np.array([0.80, 0.45, 0.65, 0.50, 0.30, 0.50, 0.80, 0.40, 0.60, 0.0, 0.0])
VOLUNTARY_INTERVIEW = 0.5  # of suspects not arrested, where no interview is required
BAIL_SHARE = 0.25  # released on bail; the rest under investigation (after the 2017 reform)
CPS_NFA = {EVIDENTIAL: 0.35, PUBLIC_INTEREST: 0.25}  # NFA decided by the CPS, not the police
MORE_WORK = 0.3  # files returned by the CPS for more work before a charge
PENDING_FILE = 0.3  # unresolved investigations with a file at the CPS
VRR = {EVIDENTIAL: 0.10, PUBLIC_INTEREST: 0.10, WITHDRAWN: 0.02}
OVERTURNED = 0.12
RELEASES = ("bail", "under_investigation")
PURPOSES = ("advice", "charging_decision")
CPS_DECISIONS = ("charge", "nfa_evidential", "nfa_public_interest", "more_work")
ROUTES = ("charge", "summons")
VERDICTS = ("convicted_rape", "convicted_other", "acquitted", "discontinued")
_VERDICT_SHARES = np.array([[0.40, 0.17, 0.33, 0.10], [0.0, 0.60, 0.30, 0.10]])
_NFA_FATES = (WITHDRAWN, EVIDENTIAL, PUBLIC_INTEREST, NO_SUSPECT_WITHDRAWN, NO_SUSPECT_COMPLETE)
# Grounds of no further action by fate (the police's, then the CPS's where it decided).
_GROUNDS = (
    "victim does not support further action",
    "evidential difficulties: insufficient evidence to charge",
    "further investigation not in the public interest",
    "victim does not support action; suspect not identified",
    "investigation complete: no suspect identified",
    "CPS: no realistic prospect of conviction",
    "CPS: prosecution not in the public interest",
)
_GROUND_OF_FATE = {
    WITHDRAWN: 0,
    EVIDENTIAL: 1,
    PUBLIC_INTEREST: 2,
    NO_SUSPECT_WITHDRAWN: 3,
    NO_SUSPECT_COMPLETE: 4,
}
REOPENED_REASON = "Victims' Right to Review: decision overturned"

_SECOND = np.timedelta64(1, "s")
_HOUR = 3600.0
_DAY = 86400.0


def investigate(
    steps: Steps,
    fates: Fates,
    *,
    recorded: np.ndarray,
    rape: np.ndarray,
    person: pa.Array,
    rng: np.random.Generator,
) -> None:
    """Add every recorded crime's investigation, decision, outcome and court steps to ``steps``.

    ``person`` is the suspect's person record (``source_id``) on each report, null where the
    report names none.
    """
    n = len(recorded)
    rows = np.arange(n)
    fate = fates.fate
    ident = recorded & (fates.identified_at < NEVER)
    t_id = fates.identified_at
    end = fates.outcome_at  # the charge, the no-further-action decision, or the outcome

    def gap(median_s: float, sigma: float) -> np.ndarray:
        return np.maximum(np.exp(rng.normal(np.log(median_s), sigma, n)), 60.0)

    def at(start: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        return np.asarray(start + seconds.astype(np.int64) * _SECOND)

    cps_nfa = np.zeros(n, dtype=bool)
    for f, share in CPS_NFA.items():
        cps_nfa |= ident & (fate == f) & (rng.random(n) < share)
    cps_path = ident & ((fate == CHARGE) | cps_nfa)
    required = cps_path | (ident & ((fate == CAUTION) | (fate == DIVERSION)))
    arrested = ident & (rng.random(n) < _ARRESTED[fate])
    voluntary = ident & ~arrested & (required | (rng.random(n) < VOLUNTARY_INTERVIEW))

    g_arr = np.where(arrested, gap(3 * _DAY, 1.3), 0.0)
    g_int = np.where(arrested, gap(6 * _HOUR, 0.6), gap(25 * _DAY, 1.0))
    g_rel = np.where(arrested, gap(3 * _HOUR, 0.5), 0.0)
    more = cps_path & (rng.random(n) < np.where(fate == CHARGE, MORE_WORK, MORE_WORK * 0.6))
    b_dec = np.where(fate == CHARGE, gap(1 * _DAY, 0.8), gap(3 * _DAY, 0.8))
    b_cps = gap(45 * _DAY, 0.8)
    b_back = np.where(more, gap(20 * _DAY, 0.8), 0.0)
    b_first = np.where(more, gap(60 * _DAY, 0.6), 0.0)
    backward = np.where(cps_path, b_dec + b_cps + b_back + b_first, 0.0)
    span = ((np.minimum(end, NEVER) - t_id) / _SECOND).astype(np.float64)
    # A required path that does not fit is squeezed into nine tenths of the time there was.
    k = np.where(required, np.minimum(1.0, 0.9 * span / (g_arr + g_int + g_rel + backward)), 1.0)
    k = np.where(ident, np.maximum(k, 0.0), 1.0)

    t_arr = at(t_id, k * g_arr)
    t_int = at(t_arr, k * g_int)
    t_rel = at(t_int, k * g_rel)
    stop = end  # other steps stop where the investigation ends
    steps.add(
        "suspect_identified",
        rows[ident],
        t_id[ident],
        details=pc.coalesce(
            pc.binary_join_element_wise("{", json_field("person", person), "}", ""), EMPTY
        ).take(pa.array(rows[ident])),
    )
    arrest_rows = np.flatnonzero(arrested & (t_arr < stop))
    steps.add("arrested", arrest_rows, t_arr[arrest_rows])
    interview_rows = np.flatnonzero((arrested | voluntary) & (t_int < stop))
    steps.add("interviewed", interview_rows, t_int[interview_rows])
    release_rows = np.flatnonzero(arrested & (t_rel < stop))
    release = (rng.random(n) >= BAIL_SHARE).astype(np.int64)
    steps.add(
        "released",
        release_rows,
        t_rel[release_rows],
        details=Labelled(release[release_rows], labels("release", RELEASES)),
    )

    t_cps = at(end, -k * b_dec)
    t_file = at(t_cps, -k * b_cps)
    t_more = at(t_file, -k * b_back)
    t_first = at(t_more, -k * b_first)
    decision = np.where(
        fate == CHARGE, 0, np.where(fate == EVIDENTIAL, 1, np.where(fate == PUBLIC_INTEREST, 2, 3))
    )
    purposes = labels("purpose", PURPOSES)
    decisions = labels("decision", CPS_DECISIONS)
    m = np.flatnonzero(more)
    steps.add("file_to_cps", m, t_first[m], details=Labelled(np.zeros(len(m), np.int64), purposes))
    steps.add(
        "cps_decision",
        m,
        t_more[m],
        details=Labelled(np.full(len(m), 3), decisions),
        code=3,
        actor=CPS,
    )
    c = np.flatnonzero(cps_path)
    steps.add("file_to_cps", c, t_file[c], details=Labelled(np.ones(len(c), np.int64), purposes))
    steps.add(
        "cps_decision",
        c,
        t_cps[c],
        details=Labelled(decision[c], decisions),
        code=decision[c],
        actor=CPS,
    )
    _pending_files(steps, ident & (fate == UNRESOLVED), t_int, arrested | voluntary, rng)

    charged = np.flatnonzero(recorded & (fate == CHARGE))
    route = np.where(arrested, 0, 1)
    steps.add(
        "charged", charged, end[charged], details=Labelled(route[charged], labels("route", ROUTES))
    )
    closes = np.isin(fate, _NFA_FATES) & recorded
    nfa = np.flatnonzero(closes)
    ground = np.select(
        [fate == f for f in _GROUND_OF_FATE], list(_GROUND_OF_FATE.values()), default=0
    )
    ground = np.where(cps_nfa, np.where(fate == EVIDENTIAL, 5, 6), ground)
    steps.add(
        "no_further_action",
        nfa,
        end[nfa],
        details=Labelled(ground[nfa], labels("ground", _GROUNDS)),
    )
    decided = (fate == CHARGE) | closes
    outcome_at = np.where(decided, at(end, gap(2 * _HOUR, 1.0)), end)
    code = OUTCOME_OF_FATE[fate]
    out = np.flatnonzero(recorded & (code > 0))
    codes = [str(c) for c in range(23)]
    steps.add(
        "outcome",
        out,
        outcome_at[out],
        details=Labelled(code[out].astype(np.int64), labels("code", codes)),
        code=code[out],
    )

    hearing = at(end, gap(14 * _DAY, 0.7))
    steps.add("first_hearing", charged, hearing[charged])
    verdict = np.where(rape, choice(_VERDICT_SHARES[0], n, rng), choice(_VERDICT_SHARES[1], n, rng))
    verdict_at = at(hearing, gap(260 * _DAY, 0.5))
    steps.add(
        "verdict",
        charged,
        verdict_at[charged],
        details=Labelled(verdict[charged], labels("verdict", VERDICTS)),
    )
    _review(steps, ident & closes, fate, end, rng)


def _pending_files(
    steps: Steps,
    unresolved: np.ndarray,
    interviewed_at: np.ndarray,
    interviewed: np.ndarray,
    rng: np.random.Generator,
) -> None:
    # An open investigation with its file at the CPS: some for advice, some for a decision,
    # half of them already returned for more work.
    n = len(unresolved)
    rows = np.flatnonzero(unresolved & interviewed & (rng.random(n) < PENDING_FILE))
    file_at = (
        interviewed_at + (200 * _DAY * np.exp(rng.normal(0.0, 0.6, n))).astype(np.int64) * _SECOND
    )
    back_at = file_at + (45 * _DAY * np.exp(rng.normal(0.0, 0.7, n))).astype(np.int64) * _SECOND
    purpose = rng.integers(0, 2, n)
    steps.add(
        "file_to_cps",
        rows,
        file_at[rows],
        details=Labelled(purpose[rows], labels("purpose", PURPOSES)),
    )
    back = rows[rng.random(len(rows)) < 0.5]
    steps.add(
        "cps_decision",
        back,
        back_at[back],
        details=Labelled(np.full(len(back), 3), labels("decision", CPS_DECISIONS)),
        code=3,
        actor=CPS,
    )


def _review(
    steps: Steps,
    closed: np.ndarray,
    fate: np.ndarray,
    decided_at: np.ndarray,
    rng: np.random.Generator,
) -> None:
    # A victim may ask for a review of a decision not to prosecute a suspect; now and then
    # the decision is overturned and the investigation reopened.
    n = len(closed)
    share = np.zeros(n)
    for f, p in VRR.items():
        share[fate == f] = p
    rows = np.flatnonzero(closed & (rng.random(n) < share))

    def later(start: np.ndarray, median_days: float, sigma: float) -> np.ndarray:
        days = median_days * np.exp(rng.normal(0.0, sigma, len(start)))
        return np.asarray(start + (days * _DAY).astype(np.int64) * _SECOND)

    asked = later(decided_at[rows], 25.0, 0.7)
    answered = later(asked, 40.0, 0.6)
    overturned = rng.random(len(rows)) < OVERTURNED
    steps.add("vrr_requested", rows, asked)
    steps.add(
        "vrr_decided",
        rows,
        answered,
        details=Labelled(overturned.astype(np.int64), labels("result", ("upheld", "overturned"))),
    )
    steps.add(
        "reopened",
        rows[overturned],
        later(answered[overturned], 2.0, 0.5),
        details=details_json({"reason": REOPENED_REASON}),
    )
