"""The --engine and --spark-master options: a master without Spark is refused, not ignored."""

import pytest
from typer.testing import CliRunner

from caselink.cli.app import app


@pytest.mark.parametrize(
    "command", [["link", "run"], ["persons", "resolve"]], ids=["link run", "persons resolve"]
)
def test_a_spark_master_needs_the_spark_engine(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--spark-master", "local[1]", "--json"])
    assert result.exit_code == 1
    assert "--spark-master needs --engine spark" in result.output


def test_an_unknown_engine_is_refused() -> None:
    result = CliRunner().invoke(app, ["link", "run", "--engine", "hadoop"])
    assert result.exit_code == 2
    assert "hadoop" in result.output


def test_a_task_limit_below_one_report_is_refused() -> None:
    result = CliRunner().invoke(
        app, ["link", "run", "--engine", "spark", "--max-task-reports", "0"]
    )
    assert result.exit_code == 2
    assert "--max-task-reports" in result.output
