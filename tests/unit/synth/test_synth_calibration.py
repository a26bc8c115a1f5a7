"""The calibration tables load, and the write-off targets reproduce the published rates."""

import numpy as np
import pytest

from caselink.domain.forces import FORCES
from caselink.synth.calibration import (
    N_RAPE_CODES,
    PREFIXES,
    load_calibration,
    rape_write_off_targets,
)


def test_volumes_are_the_home_office_totals() -> None:
    cal = load_calibration()
    assert cal.forces == FORCES
    assert cal.volumes.sum() == pytest.approx(151_120)
    assert cal.volumes[:, :N_RAPE_CODES].sum() == pytest.approx(54_045)
    assert set(PREFIXES) == set(FORCES)
    assert len(set(PREFIXES.values())) == len(FORCES)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_targets_keep_named_rates_and_the_national_one(seed: int) -> None:
    cal = load_calibration()
    targets = rape_write_off_targets(cal, np.random.default_rng(seed))
    volume = cal.rape_volumes
    assert (targets * volume).sum() / volume.sum() == pytest.approx(0.117)
    assert targets[cal.forces.index("Kent")] == pytest.approx(0.30)
    assert targets[cal.forces.index("Gloucestershire")] == pytest.approx(0.024)
    assert targets[cal.forces.index("Surrey")] == pytest.approx(0.257)
    assert (targets > 0).all()
    assert (targets < 0.31).all()
