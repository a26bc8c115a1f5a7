"""First response to every report: attendance, the needs assessment and referrals to support.

A rape report is attended within hours (a non-recent offence now and then by appointment, a
day or two later), mostly by a specially trained (SOIT) officer, at a share that differs by
force; the victim may state preferences, has their needs assessed, and is offered a Sexual
Assault Referral Centre (SARC) and an Independent Sexual Violence Adviser (ISVA), each of which
they may accept or decline — a decline is a valid answer (DOMAIN.md §8). A few victims decline
updates altogether. Every share and delay here is invented; docs/synth.md lists them.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from caselink.synth.journey.steps import ATTENDING, Steps, details_json, labels
from caselink.synth.sampling import categorical, choice
from caselink.synth.writer import Labelled, numbered

FORENSIC_WINDOW_DAYS = 7  # a SARC examination can still find evidence (invented round figure)
ATTENDED = (0.97, 0.90)  # rape reports, other reports
BOOKED_NON_RECENT = 0.4  # non-recent offences attended by appointment, days later
TRAINED_SHARE = (14.0, 3.5)  # Beta parameters of a force's share of rapes attended by SOIT
TRAINED_OTHER = 0.45  # ... and the fraction of that share for other sexual offences
PREFERENCES = (0.20, 0.08)
NEEDS_ASSESSED = (0.90, 0.75)
UPDATES_DECLINED = 0.03

SARC, ISVA, OTHER_SERVICE = range(3)
SERVICES = ("sarc", "isva", "other")
ACCEPTED, DECLINED, NOT_APPROPRIATE = range(3)
ANSWERS = ("accepted", "declined", "not_appropriate")
# Chance a SARC is offered: recent rape, non-recent rape, recent other offence, other.
_SARC_OFFERED = np.array([0.92, 0.62, 0.45, 0.12])
# Answers (accepted, declined, not appropriate) to each offer, in the same four cases.
_SARC_ANSWERS = np.array(
    [[0.64, 0.25, 0.11], [0.30, 0.24, 0.46], [0.40, 0.35, 0.25], [0.30, 0.35, 0.35]]
)
_ISVA_OFFERED = (0.88, 0.45)
_ISVA_ANSWERS = np.array([0.62, 0.33, 0.05])
_OTHER_OFFERED = 0.15
_OTHER_ANSWERS = np.array([0.70, 0.30, 0.0])

_PREFERENCES = (
    "female officer",
    "male officer",
    "contact by phone only",
    "no visits at home",
    "contact after 5pm",
    "interpreter: Polish",
    "interpreter: Urdu",
    "registered intermediary",
)
_PREFERENCE_SHARES = [0.45, 0.06, 0.14, 0.10, 0.10, 0.05, 0.04, 0.06]
_NEEDS = (
    "emotional support",
    "safety planning",
    "mental health support",
    "housing",
    "interpreter",
    "support for a child in the household",
    "hearing impairment",
    "no additional needs",
)
_NEEDS_SHARES = [0.30, 0.15, 0.15, 0.05, 0.04, 0.06, 0.02, 0.23]
_SARC_NOT_APPROPRIATE = ("outside the forensic window", "examined at hospital before reporting")
_ISVA_NOT_APPROPRIATE = ("already supported by another service",)
_OTHER_SERVICES = (
    "Victim Support",
    "local rape crisis centre",
    "domestic abuse service",
    "children's advocacy service",
)

_SECOND = np.timedelta64(1, "s")
_HOUR = 3600.0
_DAY = 86400.0
_NAT = np.datetime64("NaT", "s")


@dataclass(frozen=True, slots=True)
class FirstResponse:
    """Per report: when the victim was first seen (first contact where not attended), when
    they declined updates (NaT: never), and the attending officer (attended or not)."""

    seen_at: np.ndarray
    declined_at: np.ndarray
    officer: pa.Array


def _after(
    start: np.ndarray, median_s: float, sigma: float, rng: np.random.Generator
) -> np.ndarray:
    """``start`` plus a log-normal delay (median in seconds), at least a minute."""
    delay = np.maximum(np.exp(rng.normal(np.log(median_s), sigma, len(start))), 60.0)
    return np.asarray(start + delay.astype(np.int64) * _SECOND)


def respond(
    steps: Steps,
    *,
    reported_at: np.ndarray,
    occurred: np.ndarray,
    force: np.ndarray,
    rape: np.ndarray,
    prefixes: Sequence[str],
    rng: np.random.Generator,
) -> FirstResponse:
    """Add every report's first-response and support steps to ``steps``.

    ``rape`` marks rape reports (rape-coded or N100, written off or not); ``prefixes`` are the
    forces' reference prefixes, which officers' numbers carry. Returns what later steps
    depend on: when each victim was first seen, whether they declined updates, the officer.
    """
    n = len(reported_at)
    rows = np.arange(n)
    other = (~rape).astype(np.int64)
    recent = (reported_at - occurred) < np.timedelta64(FORENSIC_WINDOW_DAYS, "D")

    attended = rng.random(n) < np.array(ATTENDED)[other]
    soon = _after(reported_at, 1.0 * _HOUR, 0.8, rng)
    same_day = _after(reported_at, 4.0 * _HOUR, 0.8, rng)
    booked = _after(reported_at, 2.0 * _DAY, 0.8, rng)
    later = rng.random(n) < BOOKED_NON_RECENT
    attended_at = np.where(recent, soon, np.where(later, booked, same_day))
    share = rng.beta(*TRAINED_SHARE, len(prefixes))[force]
    trained = rng.random(n) < np.where(rape, share, share * TRAINED_OTHER)
    preference = np.where(
        rng.random(n) < np.array(PREFERENCES)[other],
        choice(_PREFERENCE_SHARES, n, rng),
        -1,
    )
    attended_labels = [
        details_json({"trained_officer": t} | ({"preferences": p} if p else {}))[1:]
        for t in ("false", "true")
        for p in ("", *_PREFERENCES)
    ]
    tail = Labelled(trained * (len(_PREFERENCES) + 1) + preference + 1, attended_labels)
    ranks = [f"{p}-{r}" for p in prefixes for r in ("PC", "DC")]
    officer = numbered(Labelled(force * 2 + trained, ranks), rng.integers(1000, 10000, n), 4, "")
    details = pc.binary_join_element_wise('{"officer":"', officer, '",', tail.to_arrow(), "")
    steps.add(
        "attended",
        rows,
        np.where(attended, attended_at, _NAT),
        details=details,
        actor=ATTENDING,
    )
    seen_at = np.where(attended, attended_at, reported_at)

    needs = np.where(
        rng.random(n) < np.array(NEEDS_ASSESSED)[other], _after(seen_at, 20 * _HOUR, 1.0, rng), _NAT
    )
    steps.add(
        "needs_assessed",
        rows,
        needs,
        details=Labelled(choice(_NEEDS_SHARES, n, rng), labels("needs", _NEEDS)),
    )

    case = np.where(rape, np.where(recent, 0, 1), np.where(recent, 2, 3))
    offered = rng.random(n) < _SARC_OFFERED[case]
    answer = categorical(_SARC_ANSWERS[case], rng)
    reason = np.where(recent, 1, 0)
    at = _after(seen_at, 1.5 * _HOUR, 0.8, rng)
    _refer(steps, SARC, offered, answer, (reason, _SARC_NOT_APPROPRIATE), at)
    offered = rng.random(n) < np.array(_ISVA_OFFERED)[other]
    answer = choice(_ISVA_ANSWERS, n, rng)
    at = _after(seen_at, 2 * _DAY, 1.0, rng)
    _refer(steps, ISVA, offered, answer, (np.zeros(n, np.int64), _ISVA_NOT_APPROPRIATE), at)
    offered = rng.random(n) < _OTHER_OFFERED
    answer = choice(_OTHER_ANSWERS, n, rng)
    which = rng.integers(0, len(_OTHER_SERVICES), n)
    at = _after(seen_at, 5 * _DAY, 1.0, rng)
    _refer(steps, OTHER_SERVICE, offered, answer, (which, _OTHER_SERVICES), at)

    declined = rng.random(n) < UPDATES_DECLINED
    declined_at = np.where(declined, _after(seen_at, 10 * _DAY, 1.0, rng), _NAT)
    steps.add("updates_declined", rows, declined_at)
    return FirstResponse(seen_at=seen_at, declined_at=declined_at, officer=officer)


def _refer(
    steps: Steps,
    service: int,
    offered: np.ndarray,
    answer: np.ndarray,
    variant: tuple[np.ndarray, Sequence[str]],
    at: np.ndarray,
) -> None:
    # One referral step per offer. ``variant`` picks, per report, the text the details need:
    # an "other" service's description, or the reason a service was not appropriate.
    which, texts = variant
    labels_: list[str] = []
    for a in ANSWERS:
        for text in texts:
            fields = {"service": SERVICES[service], "answer": a}
            if a == ANSWERS[NOT_APPROPRIATE]:
                fields["reason"] = text if service != OTHER_SERVICE else "not needed"
            if service == OTHER_SERVICE:
                fields["description"] = text
            labels_.append(details_json(fields))
    rows = np.flatnonzero(offered)
    steps.add(
        "referral",
        rows,
        at[rows],
        details=Labelled(answer[rows] * len(texts) + which[rows], labels_),
        code=service * 10 + answer[rows],
    )
