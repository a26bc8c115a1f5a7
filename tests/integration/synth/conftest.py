"""One synthetic dataset shared by the generator's integration tests (small scale, fixed seed)."""

import pytest

from caselink.synth import generate
from integration.synth.synth_dataset import SCALE, SEED, Dataset, load


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return load(generate(tmp_path_factory.mktemp("synth"), scale=SCALE, seed=SEED))
