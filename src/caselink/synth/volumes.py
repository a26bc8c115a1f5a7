"""How many reports of each offence code each force receives, from the Home Office volumes."""

from dataclasses import dataclass

import numpy as np

from caselink.synth.calibration import N_RAPE_CODES, Calibration
from caselink.synth.sampling import categorical, stochastic_round


@dataclass(frozen=True, slots=True)
class Slots:
    """One row per report: the recording force, the true offence code, and whether it is an N100.

    ``code`` indexes ``CODES``; an N100 keeps the rape code it would have had (its victim's age
    and sex, its acts) though it is written with an empty offence code.
    """

    force: np.ndarray
    code: np.ndarray
    n100: np.ndarray

    def __len__(self) -> int:
        return len(self.force)


def draw_slots(
    cal: Calibration,
    *,
    years: int,
    scale: float,
    n100_share: np.ndarray,
    rng: np.random.Generator,
) -> Slots:
    """Draw the report rows: the 2017/18 volumes times ``years`` times ``scale``, plus N100s.

    Rape-coded reports equal the published rape counts (which are net of write-offs, a small
    simplification documented in docs/synth.md); N100s come on top, ``n100_share[f]`` of each
    force's rape reports, with the rape code they would have carried drawn from its rape mix.
    """
    counts = stochastic_round(cal.volumes * (years * scale), rng)
    n_forces, n_codes = counts.shape
    force = np.repeat(np.repeat(np.arange(n_forces), n_codes), counts.ravel())
    code = np.repeat(np.tile(np.arange(n_codes), n_forces), counts.ravel())
    rape = counts[:, :N_RAPE_CODES]
    n100_counts = stochastic_round(rape.sum(axis=1) * n100_share, rng)
    n100_force = np.repeat(np.arange(n_forces), n100_counts)
    n100_code = categorical(rape[n100_force] + 1e-9, rng)
    force = np.concatenate([force, n100_force]).astype(np.int16)
    code = np.concatenate([code, n100_code]).astype(np.int16)
    n100 = np.concatenate(
        [np.zeros(len(code) - len(n100_force), bool), np.ones(len(n100_force), bool)]
    )
    order = rng.permutation(len(force))
    return Slots(force[order], code[order], n100[order])
