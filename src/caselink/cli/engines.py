"""The options that choose where an analysis runs: this machine, or Apache Spark."""

from enum import StrEnum
from typing import Annotated

import typer

from caselink.cli.output import refuse
from caselink.services.spark import DEFAULT_SPARK_MASTER as DEFAULT_MASTER


class Engine(StrEnum):
    local = "local"
    spark = "spark"


EngineOpt = Annotated[
    Engine,
    typer.Option(
        "--engine",
        help="where the work runs: local (this machine) or spark (Apache Spark, see "
        "docs/scaling.md)",
    ),
]
SparkMaster = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        help=f"the Spark master URL with --engine spark: local[N], spark://host:port, yarn, "
        f"k8s://... [default: {DEFAULT_MASTER}]",
        show_default=False,
    ),
]


def spark_master(engine: Engine, master: str | None, *, as_json: bool) -> str | None:
    """The master to run on, or None for this machine; a master without ``--engine spark``
    is refused rather than ignored."""
    if engine is Engine.spark:
        return master or DEFAULT_MASTER
    if master is not None:
        refuse("--spark-master needs --engine spark", as_json=as_json)
    return None
