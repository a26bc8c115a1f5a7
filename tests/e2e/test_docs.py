"""Docs cannot drift: every command, option and setting is documented."""

from pathlib import Path
from typing import Any

import pytest
import typer

from caselink.cli.app import app
from caselink.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def commands(group: Any, path: tuple[str, ...] = ("caselink",)) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if hasattr(group, "commands"):
        for name, command in group.commands.items():
            found.extend(commands(command, (*path, name)))
    else:
        found.append((" ".join(path), group))
    return found


ALL = commands(typer.main.get_command(app))


@pytest.mark.parametrize(("path", "command"), ALL, ids=[p for p, _ in ALL])
def test_every_command_and_option_is_in_the_cli_reference(path: str, command: Any) -> None:
    # The reference is docs/cli.md, with one docs/cli-<area>.md page per area of commands.
    text = "\n".join(p.read_text() for p in sorted(DOCS.glob("cli*.md")))
    heading = next((line for line in text.splitlines() if line.startswith(f"## `{path}")), None)
    assert heading is not None, f"docs/cli*.md have no section for `{path}`"
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option" and "--help" not in param.opts:
            assert any(f"`{o}" in section for o in param.opts), (
                f"`{path}` option {param.opts[0]} is undocumented"
            )


def test_every_setting_is_in_the_configuration_reference() -> None:
    text = (DOCS / "configuration.md").read_text()
    for name in Settings.model_fields:
        assert f"`CASELINK_{name.upper()}`" in text, f"setting {name} is undocumented"
