"""The layers of DESIGN.md hold: import-linter's contracts are kept (a wrong arrow fails here)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is part of the dev dependencies"
    result = subprocess.run(
        [lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_no_module_is_named_after_nothing() -> None:
    odd = [
        p for p in (ROOT / "src").rglob("*.py") if p.stem in {"utils", "misc", "helpers", "common"}
    ]
    assert odd == []
