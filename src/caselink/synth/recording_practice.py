"""How each force records and writes off reports: the calibrated heart of the dataset.

Each force gets a practice: its rape write-off rate (the published 2010/11 rate for the named
forces, the rest drawn so the national 11.7% holds), its share of N100s, of late recording
decisions and of cancellations left awaiting authorisation. Write-offs are then given out as
an exact quota per force, so the published rates come out at any scale; which reports are
written off, and which write-offs are wrong (about 20%, with about 22% of the wrong ones never
told to the complainant, as HMIC found in 2014), is random.
"""

from dataclasses import dataclass

import numpy as np

from caselink.synth.calibration import N_RAPE_CODES, Calibration, rape_write_off_targets
from caselink.synth.sampling import categorical, take_top_per_group, weighted_order
from caselink.synth.volumes import Slots

CRIME, N100, CANCELLED, TRANSFERRED = range(4)
STATUS_NAMES = ("crime", "n100", "cancelled", "transferred")
NO_CODE, C1, C2, C3, C4 = range(5)
CODE_NAMES = ("", "C1", "C2", "C3", "C4")
VALID, INVALID_GROUNDS, NO_INFORMATION = range(3)
SERVICE_POLICE = -2

WRONG_SHARE = 0.20  # HMIC 2014: 20% of sampled rape no-crime decisions were wrong
NOT_TOLD_SHARE = 0.22  # ... and in 22% of those the victim had not been told
VALID_NOT_TOLD_SHARE = 0.03  # invented: even right decisions sometimes go untold
WRONG_N100_SHARE = 0.25  # invented
N100_CANCELLED_SHARE = 0.12  # invented
GROUNDS_SHARE = 0.6  # invented: of wrong write-offs, those resting on invalid grounds
SERVICE_POLICE_SHARE = 0.15  # invented: of transfers, those to the Service Police
KENT = "Kent"  # records every allegation at report (DOMAIN.md §1)

# Reason-code mix of write-offs (C1..C4), invented: most rest on verifiable information.
_CODE_SHARES = np.array([0.12, 0.58, 0.16, 0.14])
_RECORD_AT_REPORT_CODE_SHARES = np.array([0.08, 0.72, 0.10, 0.10])
_N100_CODE_SHARES = np.array([0.10, 0.60, 0.0, 0.30])
# Wrong write-offs are likelier on AVI claims than on transfers or duplicates.
_WRONG_WEIGHT_BY_CODE = np.array([0.0, 0.6, 1.5, 0.7, 1.0])
# Reports by someone known to the complainant are written off more often than stranger ones.
_WRITE_OFF_WEIGHT_BY_RELATIONSHIP = np.array([0.8, 1.2, 1.2, 1.2, 1.0, 1.0, 1.0])


@dataclass(frozen=True, slots=True)
class Practice:
    """Per force: the write-off rates and the shares of N100s, late decisions and pending ones."""

    rape_write_off: np.ndarray
    other_write_off: np.ndarray
    n100_share: np.ndarray
    late_share: np.ndarray
    pending_share: np.ndarray
    wrong_weight: np.ndarray


def draw_practice(cal: Calibration, rng: np.random.Generator) -> Practice:
    """Draw every force's recording practice around the published and invented central values.

    Kent records at report: many write-offs, few N100s and few late decisions. The spreads are
    invented; the rape write-off rates are the published ones (see calibration).
    """
    n = len(cal.forces)
    kent = np.array([f == KENT for f in cal.forces])
    other = 0.05 * np.exp(rng.normal(0.0, 0.3, n))
    n100 = np.clip(0.04 * np.exp(rng.normal(0.0, 0.4, n)), 0.005, 0.12)
    late = rng.beta(2.0, 18.0, n)
    return Practice(
        rape_write_off=rape_write_off_targets(cal, rng),
        other_write_off=np.where(kent, 0.12, other),
        n100_share=np.where(kent, 0.01, n100),
        late_share=np.where(kent, 0.02, late),
        pending_share=rng.beta(2.0, 60.0, n),
        wrong_weight=np.exp(rng.normal(0.0, 0.45, n)),
    )


@dataclass(frozen=True, slots=True)
class Outcomes:
    """Per report: final status, reason code, whether the decision was right, and its extras.

    ``validity`` is VALID, INVALID_GROUNDS or NO_INFORMATION for write-offs and N100s (VALID
    for the rest); ``receiving`` is the force a C1 went to, SERVICE_POLICE, or -1.
    """

    status: np.ndarray
    code: np.ndarray
    validity: np.ndarray
    pending: np.ndarray
    told: np.ndarray
    late: np.ndarray
    receiving: np.ndarray

    @property
    def write_off(self) -> np.ndarray:
        return np.asarray((self.status == CANCELLED) | (self.status == TRANSFERRED))


def decide_outcomes(
    slots: Slots,
    relationship: np.ndarray,
    practice: Practice,
    neighbours: np.ndarray,
    kent: int,
    rng: np.random.Generator,
) -> Outcomes:
    """Decide every report's recording outcome, giving each force exactly its write-off quota.

    Rape-coded reports are written off at the force's rape rate and other sexual offences at its
    other rate (both rounded to whole reports); N100s are cancelled now and then. Within the
    quotas, reports by someone the complainant knows are likelier to be chosen.
    """
    n = len(slots)
    n_forces = len(practice.rape_write_off)
    force = slots.force.astype(np.int64)
    rape = (slots.code < N_RAPE_CODES) & ~slots.n100
    other = ~slots.n100 & ~rape
    keys = weighted_order(_WRITE_OFF_WEIGHT_BY_RELATIONSHIP[relationship], rng)
    written = np.zeros(n, dtype=bool)
    for eligible, rate in ((rape, practice.rape_write_off), (other, practice.other_write_off)):
        volume = np.bincount(force[eligible], minlength=n_forces)
        quota = np.rint(volume * rate).astype(np.int64)
        written |= take_top_per_group(force, keys, quota, eligible)
    written |= slots.n100 & (rng.random(n) < N100_CANCELLED_SHARE)

    shares = np.where((force == kent)[:, None], _RECORD_AT_REPORT_CODE_SHARES, _CODE_SHARES)
    shares = np.where(slots.n100[:, None], _N100_CODE_SHARES, shares)
    code = np.where(written, categorical(shares, rng) + 1, NO_CODE).astype(np.int8)
    status = np.where(slots.n100, N100, CRIME)
    status = np.where(written, np.where(code == C1, TRANSFERRED, CANCELLED), status).astype(np.int8)

    # Wrong write-offs: an exact national share, rape-related and other offences apart, leaning
    # towards forces with a heavier hand and towards AVI claims.
    group = np.where(rape | slots.n100, 0, 1)
    weight = practice.wrong_weight[force] * _WRONG_WEIGHT_BY_CODE[code]
    wrong_keys = weighted_order(weight, rng)
    wanted = np.rint(np.bincount(group[written], minlength=2) * WRONG_SHARE).astype(np.int64)
    wrong = take_top_per_group(group, wrong_keys, wanted, written)
    wrong_n100 = slots.n100 & ~written & (rng.random(n) < WRONG_N100_SHARE)
    grounds = rng.random(n) < GROUNDS_SHARE
    # A transfer or duplicate rests on a fact, not on grounds: when wrong, the fact is missing.
    grounds &= (code != C1) & (code != C3)
    # A wrong N100 is a rape report kept out of the rape count on grounds that are no grounds.
    grounds |= wrong_n100
    validity = np.where(
        wrong | wrong_n100, np.where(grounds, INVALID_GROUNDS, NO_INFORMATION), VALID
    )

    needs_authority = written & (rape | slots.n100)
    pending = needs_authority & (rng.random(n) < practice.pending_share[force])
    applied = written & ~pending
    told = applied & (rng.random(n) >= VALID_NOT_TOLD_SHARE)
    wrong_applied = wrong & applied
    quiet = np.rint(wrong_applied.sum() * NOT_TOLD_SHARE).astype(np.int64)
    quiet_keys = rng.random(n)
    untold = take_top_per_group(
        np.zeros(n, dtype=np.int64), quiet_keys, np.array([quiet]), wrong_applied
    )
    told = np.where(wrong_applied, ~untold, told)

    late = rng.random(n) < practice.late_share[force]
    receiving = np.full(n, -1, dtype=np.int64)
    transfers = np.flatnonzero((code == C1) & (validity == VALID))
    service = rng.random(len(transfers)) < SERVICE_POLICE_SHARE
    nearby = neighbours[force[transfers], rng.integers(0, neighbours.shape[1], len(transfers))]
    receiving[transfers] = np.where(service, SERVICE_POLICE, nearby)
    return Outcomes(
        status=status,
        code=code,
        validity=validity.astype(np.int8),
        pending=pending,
        told=told,
        late=late,
        receiving=receiving,
    )
