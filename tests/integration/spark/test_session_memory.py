"""A local master's one JVM gets room for the tasks' results: a quarter of the machine's memory,
not Spark's 1 GB, which lost a ten-year run's results; Spark's own setting still wins."""

import os

import pytest

from caselink.linkage.spark.session import local_driver_memory


def test_a_local_session_gets_a_quarter_of_the_machine(spark: object) -> None:
    if "SPARK_DRIVER_MEMORY" in os.environ:
        pytest.skip("SPARK_DRIVER_MEMORY is set here, and wins")
    conf = spark.sparkContext.getConf()  # type: ignore[attr-defined]
    assert conf.get("spark.driver.memory") == local_driver_memory()
    assert conf.get("spark.driver.maxResultSize") == local_driver_memory()
    megabytes = int(local_driver_memory().removesuffix("m"))
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 1024**2
    assert 1024 <= megabytes <= 32 * 1024
    assert megabytes == max(1024, min(total // 4, 32 * 1024))
