"""How each recorded crime's investigation ends, and when: its fate and Home Office outcome.

A report whose suspect is known ends in a charge, the victim's withdrawal of support (outcome
16), evidential difficulties (15), a public-interest decision (21) and, rarely, the other
outcomes; one with no suspect ends with the victim not supporting action (14) or the
investigation complete (18). Some investigations run past the data's end (no outcome yet:
censored). The shares are set so that recorded rapes reproduce the 2017/18 picture of
DOMAIN.md §8 — about 4% charged, outcome 16 about 40% of outcomes, a median of about 390 days
from report to charge, most withdrawals within 30 days; the rest is invented.

Series: once one report of a repeat offender leads to a charge, the offender's other open
reports are linked to it now and then — a suspect identified, more often a charge. The ones
that are not (and written-off reports of the series) are the missed chances.
"""

from dataclasses import dataclass

import numpy as np

from caselink.synth.sampling import categorical

(
    CHARGE,
    WITHDRAWN,
    EVIDENTIAL,
    PUBLIC_INTEREST,
    OTHER_BODY,
    DIVERSION,
    CAUTION,
    DIED,
    UNRESOLVED,
    NO_SUSPECT_WITHDRAWN,
    NO_SUSPECT_COMPLETE,
) = range(11)
# The Home Office outcome type each fate closes with (-1: none, still under investigation).
OUTCOME_OF_FATE = np.array([1, 16, 15, 21, 20, 22, 3, 5, -1, 14, 18], dtype=np.int16)
# Days from the suspect's identification (or, with none, from when the victim was first seen)
# to the outcome: log-normal median and spread.
_FATE_DAYS = np.array(
    [
        [440.0, 0.50],
        [13.0, 1.3],
        [230.0, 0.8],
        [180.0, 0.8],
        [40.0, 1.0],
        [150.0, 0.7],
        [90.0, 0.7],
        [250.0, 1.0],
        [np.inf, 0.0],
        [18.0, 1.2],
        [75.0, 0.9],
    ]
)
# Other sexual offences are simpler cases: charged and closed sooner.
_OTHER_DAYS_FACTOR = np.array([0.5, 1.0, 0.7, 0.8, 1.0, 0.8, 0.8, 1.0, 1.0, 1.0, 1.0])
# Fate shares with a suspect identified, for rapes and for other sexual offences.
_IDENTIFIED = np.array(
    [
        [0.046, 0.455, 0.332, 0.028, 0.02, 0.004, 0.0, 0.004, 0.111, 0.0, 0.0],
        [0.15, 0.40, 0.24, 0.05, 0.03, 0.03, 0.03, 0.005, 0.065, 0.0, 0.0],
    ]
)
# ... and with none.
_NO_SUSPECT = np.array(
    [
        [0.0, 0.0, 0.0, 0.0, 0.04, 0.0, 0.0, 0.0, 0.14, 0.49, 0.33],
        [0.0, 0.0, 0.0, 0.0, 0.04, 0.0, 0.0, 0.0, 0.08, 0.40, 0.48],
    ]
)
MISNAMED_CHARGE_FACTOR = 0.5  # the wrong person named is charged less often
NAMED_HOURS = 4.0  # a suspect named by the victim is identified within hours
SOLVED_DAYS = 45.0  # one found by the investigation, weeks later

SERIES_CHARGE = 0.5  # an identified suspect's open report is charged with the series
SERIES_LINK = 0.45  # an open report with no suspect is linked to the charged series
SERIES_LINK_CHARGE = 0.55  # ... and then charged (otherwise evidential difficulties)

_SECOND = np.timedelta64(1, "s")
_DAY = 86400.0
NEVER = np.datetime64("9999-12-31T00:00:00", "s")


@dataclass(frozen=True, slots=True)
class Fates:
    """Per report (recorded crimes; others keep UNRESOLVED and NEVER): the fate, when the
    suspect was identified (NEVER: not identified), when the outcome comes (NEVER: none; it
    may lie past the data's end), and whether the series brought the charge."""

    fate: np.ndarray
    identified_at: np.ndarray
    outcome_at: np.ndarray
    linked: np.ndarray


def _days(days: np.ndarray) -> np.ndarray:
    return np.asarray((np.minimum(days, 1e7) * _DAY).astype(np.int64) * _SECOND)


def _lognormal_days(median: np.ndarray, sigma: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.asarray(median * np.exp(rng.normal(0.0, 1.0, len(median)) * sigma))


def draw_fates(
    *,
    recorded: np.ndarray,
    rape: np.ndarray,
    named: np.ndarray,
    misnamed: np.ndarray,
    solved: np.ndarray,
    seen_at: np.ndarray,
    rng: np.random.Generator,
) -> Fates:
    """Draw every recorded crime's fate and its times, before any series is linked.

    A suspect is identified when the victim named one (within hours) or the offender was
    found (weeks later); ``rape`` marks rape-coded reports.
    """
    n = len(recorded)
    group = np.where(rape, 0, 1)
    identified = recorded & (named | solved)
    hours = np.exp(rng.normal(np.log(NAMED_HOURS * 3600.0), 1.0, n)).astype(np.int64)
    found = _days(_lognormal_days(np.full(n, SOLVED_DAYS), np.full(n, 1.0), rng))
    identified_at = np.where(named, seen_at + np.maximum(hours, 60) * _SECOND, seen_at + found)
    identified_at = np.where(identified, identified_at, NEVER)

    shares = np.where(identified[:, None], _IDENTIFIED[group], _NO_SUSPECT[group])
    wrong = identified & misnamed
    shares[wrong, CHARGE] *= MISNAMED_CHARGE_FACTOR
    fate = np.where(recorded, categorical(shares, rng), UNRESOLVED).astype(np.int8)
    median = _FATE_DAYS[fate, 0] * np.where(rape, 1.0, _OTHER_DAYS_FACTOR[fate])
    days = _lognormal_days(median, _FATE_DAYS[fate, 1], rng)
    start = np.where(identified, identified_at, seen_at)
    outcome_at = np.where(np.isinf(days), NEVER, start + _days(days))
    outcome_at = np.where(recorded, outcome_at, NEVER)
    return Fates(fate, identified_at, outcome_at, np.zeros(n, dtype=bool))


def link_series(
    fates: Fates,
    *,
    recorded: np.ndarray,
    seen_at: np.ndarray,
    of_report: np.ndarray,
    repeat: np.ndarray,
    as_at: np.datetime64,
    rng: np.random.Generator,
) -> Fates:
    """Charge more of a repeat offender's reports once one of them is charged.

    Reports of the offender still open when the first charge comes (by the data's end) are
    taken up: with a suspect identified, charged now and then; with none, linked to the
    charged suspect now and then and then mostly charged.
    """
    n = len(recorded)
    fate = fates.fate.copy()
    identified_at = fates.identified_at.copy()
    outcome_at = fates.outcome_at.copy()
    charged = recorded & (fate == CHARGE) & (outcome_at <= as_at)
    first = np.full(len(repeat), NEVER)
    np.minimum.at(first, of_report[charged], outcome_at[charged])
    first_charge = first[of_report]
    open_then = (
        recorded
        & repeat[of_report]
        & (first_charge <= as_at)
        & ~charged
        & (outcome_at > first_charge)
    )
    identified = identified_at < NEVER

    def after(median_days: float) -> np.ndarray:
        return _days(_lognormal_days(np.full(n, median_days), np.full(n, 0.6), rng))

    take_up = open_then & identified & (rng.random(n) < SERIES_CHARGE)
    charge_at = np.maximum(first_charge, identified_at) + after(50.0)
    fate[take_up] = CHARGE
    outcome_at[take_up] = charge_at[take_up]

    link = open_then & ~identified & (rng.random(n) < SERIES_LINK)
    # A report made after the charge is linked to it once it is made.
    linked_at = np.maximum(first_charge, seen_at) + after(15.0)
    identified_at[link] = linked_at[link]
    charge = link & (rng.random(n) < SERIES_LINK_CHARGE)
    fate[link] = np.where(charge[link], CHARGE, EVIDENTIAL)
    outcome_at[link] = np.where(
        charge[link], linked_at[link] + after(60.0)[link], linked_at[link] + after(120.0)[link]
    )
    return Fates(fate, identified_at, outcome_at, take_up | link)
