"""One local Spark session for every Spark test, and the synthetic data they compare on.

Spark needs a Java runtime; without one these tests skip, except under CI=true, where they must
run (the Makefile's ``java`` target installs it).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pytest

from caselink.linkage.spark.session import java_home, spark_session
from caselink.synth import generate

TEXT = pa.string()
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


def person_records(out: Path) -> pa.Table:
    """The synthetic persons.csv as person resolution's input records."""
    names = [
        "reference",
        "force",
        "role",
        "source_id",
        "forename",
        "surname",
        "aliases",
        "date_of_birth",
        "address",
        "postcode",
        "phone",
        "identifier",
    ]
    t = pcsv.read_csv(
        out / "persons.csv",
        convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(names, TEXT)),
    )
    given = t["date_of_birth"]
    iso = pc.if_else(pc.match_substring_regex(given, r"^\d{4}-\d{2}-\d{2}$"), given, None)
    return pa.table(
        {
            "person_id": pa.array(range(1, t.num_rows + 1), pa.int64()),
            "role": t["role"],
            "source_id": t["source_id"],
            "forename": t["forename"],
            "surname": t["surname"],
            "aliases": t["aliases"],
            "dob_as_given": given,
            "dob": pc.strptime(iso, format="%Y-%m-%d", unit="s").cast(pa.date32()),
            "address": t["address"],
            "postcode": t["postcode"],
            "phone": t["phone"],
            "identifiers": t["identifier"],
            "force": t["force"],
        }
    )
