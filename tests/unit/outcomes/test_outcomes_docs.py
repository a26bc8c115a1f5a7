"""The outcomes statistics page documents every public name, so it cannot drift from the code."""

from pathlib import Path

import caselink.outcomes as outcomes

DOC = Path(__file__).resolve().parents[3] / "docs" / "outcomes-statistics.md"


def test_every_public_name_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in outcomes.__all__ if f"`{name}" not in text]
    assert missing == []
