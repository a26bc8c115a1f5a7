"""A small synthetic national dataset, generated once and imported into each test's database."""

from pathlib import Path

import pytest

from caselink.domain.roles import Role
from caselink.services.context import Actor, Context
from caselink.services.importing import Kind, import_file
from caselink.synth import SynthSummary, generate

SMALL_SCALE = 0.03
SMALL_SEED = 5


@pytest.fixture(scope="session")
def small_synth(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(tmp_path_factory.mktemp("integrity-synth"), scale=SMALL_SCALE, seed=SMALL_SEED)


@pytest.fixture
def loaded(ctx: Context, small_synth: SynthSummary) -> Context:
    """The test's database with the small synthetic dataset's reports and persons imported."""
    registrar = Actor("rita", Role.REGISTRAR)
    import_file(ctx, registrar, Kind.REPORTS, small_synth.reports_csv)
    import_file(ctx, registrar, Kind.PERSONS, small_synth.persons_csv)
    return ctx


def truth_path(summary: SynthSummary) -> Path:
    return summary.write_off_validity_csv
