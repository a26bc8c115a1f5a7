"""One local Spark session for every Spark test, and the synthetic data they compare on.

Spark needs a Java runtime; without one these tests skip, except under CI=true, where they must
run (the Makefile's ``java`` target installs it).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from caselink.linkage.spark.session import java_home, spark_session
from caselink.synth import generate

MASTER = "local[2]"


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """The Spark session of this test process (local[2], no UI, quiet), stopped at the end."""
    if java_home() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Spark tests need a Java runtime under CI=true: run `make java`")
        pytest.skip("no Java runtime for Spark")
    with spark_session(MASTER, app_name="caselink-tests") as session:
        yield session


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic national dataset (files), generated once."""
    out = tmp_path_factory.mktemp("synth")
    generate(out, scale=0.003, seed=5)
    return out
