"""The Spark session caselink runs on: started from installed parts only, quiet, and checked.

A session is started (or an active one with the same master reused) for a job and stopped
after it only if this module started it, so tests and long-running callers can share one
session. Nothing is fetched at run time: pyspark ships Spark's jars and Splink ships the jar of
its string-similarity functions, which is handed to the session by path.

What can go wrong before any work is done is checked here and said plainly, never left to a
hang: no Java runtime, a master URL that is malformed or does not answer.
"""

import logging
import os
import re
import shutil
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from caselink.domain.errors import InvalidRequest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"
# how long a standalone master may take to answer before a run is refused
CONNECT_SECONDS = 5.0
_LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
_LOCAL = re.compile(r"local(\[(\*|[1-9][0-9]*)(,[1-9][0-9]*)?\])?")
_STANDALONE = re.compile(r"spark://([^:/,]+):([0-9]+)")


class SparkUnavailable(InvalidRequest):
    """Spark cannot be used here: no pyspark, no Java, or a master that cannot be reached."""


class SparkRunFailed(InvalidRequest):
    """A Spark job failed; nothing of it was kept."""


def java_home() -> str | None:
    """Where the Java runtime is (JAVA_HOME, else the one ``java`` on the path resolves to)."""
    given = os.environ.get("JAVA_HOME")
    if given and (Path(given) / "bin" / "java").exists():
        return given
    found = shutil.which("java")
    return str(Path(found).resolve().parent.parent) if found else None


def check_master(master: str) -> None:
    """Refuse a master URL Spark would not understand, or a standalone master that does not
    answer within CONNECT_SECONDS (Spark itself would wait for it for minutes)."""
    if _LOCAL.fullmatch(master):
        return
    found = _STANDALONE.fullmatch(master)
    if found:
        host, port = found.group(1), int(found.group(2))
        try:
            with socket.create_connection((host, port), timeout=CONNECT_SECONDS):
                return
        except OSError as exc:
            raise SparkUnavailable(
                f"the Spark master {master} does not answer ({exc.strerror or exc}): "
                "check the URL and that the master is running, or use --spark-master local[*]"
            ) from exc
    if master.startswith(("yarn", "k8s://", "mesos://")):
        return
    raise SparkUnavailable(
        f"not a Spark master URL: {master!r} (use local[*], local[N], spark://host:port, "
        "yarn or k8s://...)"
    )


def _similarity_jar() -> str | None:
    # Splink's Jaro-Winkler and friends for Spark SQL, shipped inside the splink package
    try:
        from splink.backends.spark import similarity_jar_location
    except ImportError:
        return None
    path = similarity_jar_location()
    return path if Path(path).exists() else None


@contextmanager
def spark_session(
    master: str = DEFAULT_MASTER, *, app_name: str = "caselink"
) -> Iterator["SparkSession"]:
    """A Spark session on ``master``: the active one when it runs on that master, else a new
    one, stopped at the end. Refuses with SparkUnavailable when Spark cannot start."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailable("pyspark is not installed: pip install 'caselink[spark]'") from exc
    active = SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master == master:
        yield active
        return
    home = java_home()
    if home is None:
        raise SparkUnavailable(
            "Spark needs a Java runtime and none was found: install Debian's "
            "openjdk-17-jre-headless (`make java`) or set JAVA_HOME"
        )
    check_master(master)
    if active is not None:
        # one Spark context per process: Spark would hand back the running one, on its master
        raise SparkUnavailable(
            f"a Spark session on {active.sparkContext.master} is already running in this "
            f"process; {master} cannot be started beside it"
        )
    os.environ.setdefault("JAVA_HOME", home)
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", str(_shuffle_partitions(master)))
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={_LOG_CONFIG}")
    )
    if _LOCAL.fullmatch(master):
        # the workers are this interpreter: its venv has caselink, numba and pyarrow
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.pyspark.python", sys.executable)
        if "SPARK_DRIVER_MEMORY" not in os.environ:  # Spark's own setting wins
            memory = local_driver_memory()
            builder = builder.config("spark.driver.memory", memory).config(
                "spark.driver.maxResultSize", memory
            )
    jar = _similarity_jar()
    if jar:
        builder = builder.config("spark.jars", jar)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start: say why, without Spark's traceback
        raise SparkUnavailable(f"Spark could not start on {master}: {exc}") from exc
    session.sparkContext.setLogLevel("ERROR")
    logging.getLogger("py4j").setLevel(logging.ERROR)
    try:
        yield session
    finally:
        session.stop()


def machine_memory() -> int | None:
    """This machine's physical memory in bytes, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def local_driver_memory() -> str:
    """The heap a local master's one JVM is given: a quarter of this machine's memory, from
    1 GB to 32 GB. On a local master that JVM is the driver and the executor: it holds the
    tasks' results until the driver fetches them, and Spark's default of 1 GB lost a ten-year
    run's (TaskResultLost, about 9 million links from a task)."""
    total = machine_memory()
    if total is None:
        return "1g"
    return f"{max(1024, min(total // 4, 32 * 1024**3) // 1024**2)}m"


def local_cores(master: str) -> int | None:
    """The cores a local master runs tasks on; None for a cluster's master."""
    found = _LOCAL.fullmatch(master)
    if found is None:
        return None
    cores = found.group(2)
    return (os.cpu_count() or 2) if cores in (None, "*") else int(cores)


def _shuffle_partitions(master: str) -> int:
    # Spark's default of 200 shuffle partitions is for clusters; on one machine every empty
    # partition is a task to schedule
    cores = local_cores(master)
    return 200 if cores is None else max(2, 2 * cores)
