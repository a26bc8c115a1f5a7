"""The layers of docs/architecture.md hold: import-linter's contracts are kept (a wrong arrow
fails here), the page names every package and service module, services reach the database
only through the unit of work, and the Arrow tables storage hands linkage are the ones it reads."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "caselink"
ARCHITECTURE = ROOT / "docs" / "architecture.md"


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


def _parts() -> list[str]:
    """Every top-level package and module of caselink, the two linkage engines and every service
    module, named as architecture.md names them: ``cli/``, ``bootstrap.py``,
    ``services/recording.py``."""
    top = [
        f"{p.name}/" for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    ] + [p.name for p in PACKAGE.glob("*.py") if p.stem not in {"__init__", "__main__"}]
    engines = [
        f"linkage/{p.name}/"
        for p in (PACKAGE / "linkage").iterdir()
        if p.is_dir() and (p / "__init__.py").exists()
    ]
    services = [
        f"services/{p.relative_to(PACKAGE / 'services').as_posix()}"
        for p in (PACKAGE / "services").rglob("*.py")
        if p.stem != "__init__"
    ]
    return sorted(top + engines + services)


def test_the_parts_are_found() -> None:
    parts = _parts()
    for expected in ("cli/", "web/", "bootstrap.py", "config.py", "linkage/offences/"):
        assert expected in parts
    assert "services/recording.py" in parts


def test_architecture_names_every_package_and_service_module() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    missing = [part for part in _parts() if f"`{part}`" not in text]
    assert missing == [], f"docs/architecture.md does not name {missing}"


def test_no_service_holds_a_connection() -> None:
    # Services use the unit of work's repositories and read side, never a connection or engine.
    reaching = re.compile(r"\.connection\b|\bdb\.engine\b|\bConnection\b")
    found = [
        f"{p.name}:{n}"
        for p in sorted((PACKAGE / "services").glob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if reaching.search(line.split("#", 1)[0])
    ]
    assert found == []


def test_storage_hands_linkage_the_tables_it_reads() -> None:
    # Storage and linkage may not import each other (docs/architecture.md), so each spells out
    # the Arrow tables that pass between them through the services; the two must agree.
    from caselink.linkage.offences import frame
    from caselink.linkage.persons import preparation, resolution
    from caselink.storage.persons import rows, verdicts

    assert rows.PERSON_RECORD_SCHEMA.equals(preparation.PERSON_RECORD_SCHEMA)
    assert verdicts.PAIR_LABEL_SCHEMA.equals(resolution.PAIR_LABEL_SCHEMA)
    assert rows.SUSPECT_ENTITY_SCHEMA.equals(frame.PERSONS_SCHEMA)
