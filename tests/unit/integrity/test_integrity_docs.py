"""The statistics page documents every public name, so it cannot drift from the code."""

from pathlib import Path

import caselink.integrity as integrity

DOC = Path(__file__).resolve().parents[3] / "docs" / "integrity-statistics.md"


def test_every_public_name_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in integrity.__all__ if f"`{name}" not in text]
    assert missing == []
