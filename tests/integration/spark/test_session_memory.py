"""A local master is sized by this machine: its one JVM gets a quarter of the memory, not
Spark's 1 GB, which lost a ten-year run's results (Spark's own setting still wins), and its
tasks may hold as many reports as another quarter holds, so each core scores one tile."""

import os

import pytest

from caselink.linkage.spark.session import local_driver_memory, machine_memory
from caselink.services.spark import (
    DEFAULT_TILE_REPORTS,
    MAX_TASK_REPORTS,
    TASK_BYTES_PER_REPORT,
    SparkOptions,
    task_reports_for,
    tiles_for,
)


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


def test_a_local_master_sizes_its_tasks_by_this_machines_memory() -> None:
    total = machine_memory()
    assert total is not None
    per_task = max(MAX_TASK_REPORTS, total // 4 // 2 // TASK_BYTES_PER_REPORT)
    assert task_reports_for("local[2]") == per_task
    # ten years on two cores: a tile a core where the memory holds it, never a tile too large
    assert tiles_for("local[2]", 1_532_880) == min(per_task, 766_440)
    assert tiles_for("local[2]", 153_290) == 76_645
    # a cluster's executors are not this machine: the fixed defaults
    assert task_reports_for("spark://spark.example:7077") == MAX_TASK_REPORTS
    assert tiles_for("spark://spark.example:7077", 1_532_880) == DEFAULT_TILE_REPORTS
    assert SparkOptions(master="local[2]").task_reports == per_task
    assert SparkOptions(master="local[2]", max_task_reports=50).task_reports == 50
