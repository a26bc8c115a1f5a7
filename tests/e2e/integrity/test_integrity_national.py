"""On a national synthetic dataset (scale 0.3): Kent is flagged above its 99.8% funnel limit;
Gloucestershire is below the binomial limits but inside the limits allowing for overdispersion
(the default), and the JSON, the Rich table and the HTML report say the same."""

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caselink.bootstrap import build
from caselink.cli.integrity import integrity_app
from caselink.domain.roles import Role
from caselink.services import users
from caselink.services.context import Actor
from caselink.services.importing import Kind, import_file
from caselink.services.integrity.report import build_report, summary_of
from caselink.synth import generate

Run = Callable[..., tuple[int, str]]
UNIT_KEYS = {
    "unit",
    "events",
    "total",
    "rate",
    "lower95",
    "upper95",
    "lower998",
    "upper998",
    "flag",
    "compared_flag",
    "note",
}
DISAGREE = "outside the binomial limits; inside the limits allowing for overdispersion"


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("national")
    summary = generate(folder / "data", scale=0.3, seed=2017)
    db = str(folder / "caselink.db")
    application = build(database=db)
    application.initialise()
    ctx = application.context
    users.add_user(ctx, "ian", Role.INSPECTOR, "inspector-password", by="tests")
    import_file(ctx, Actor("rita", Role.REGISTRAR), Kind.REPORTS, summary.reports_csv)
    ctx.db.engine.dispose()
    return db, summary.write_off_validity_csv


@pytest.fixture
def run(national: tuple[str, Path]) -> Run:
    def invoke(*args: str) -> tuple[int, str]:
        env = {"CASELINK_DATABASE_URL": national[0], "CASELINK_USER": "ian", "COLUMNS": "200"}
        result = CliRunner().invoke(integrity_app, list(args), env=env)
        return result.exit_code, result.output

    return invoke


def test_kent_high_and_gloucestershire_low_in_json_rich_and_html(run: Run, tmp_path: Path) -> None:
    code, out = run("funnel", "--json")
    assert code == 0
    doc = json.loads(out)
    units = {u["unit"]: u for u in doc["units"]}
    assert all(set(u) >= UNIT_KEYS for u in doc["units"])
    assert len(units) == 44
    assert doc["method"] == "additive"
    assert units["Kent"]["flag"] == "high"
    assert units["Gloucestershire"]["flag"] is None
    assert units["Gloucestershire"]["compared_flag"] == "low"
    assert units["Gloucestershire"]["note"] == DISAGREE
    assert 0.10 < doc["national_rate"] < 0.13
    flagged = {name: u["flag"] for name, u in units.items() if u["flag"]}
    notes = {name: u["note"] for name, u in units.items() if u["note"]}

    code, table = run("funnel")
    assert code == 0
    rows = {
        cells[0]: cells
        for line in table.splitlines()
        if line.startswith("│") and len(cells := [c.strip() for c in line[1:-1].split("│")]) == 8
    }
    assert {name: cells[6] for name, cells in rows.items() if cells[6]} == flagged
    assert {name: cells[7] for name, cells in rows.items() if cells[7]} == notes
    kent = units["Kent"]
    assert rows["Kent"][3] == f"{kent['rate'] * 100:.1f}%"

    html_path, png = tmp_path / "report.html", tmp_path / "funnel.png"
    code, _ = run("report", "--out", str(html_path), "--png", str(png))
    assert code == 0
    html = html_path.read_text()
    assert f"Kent&#39;s rape write-off rate, {kent['rate'] * 100:.1f}% (" in html
    assert re.search(r"Kent&#39;s rape write-off rate, [^<]* is above the 99.8% limit", html)
    assert f"Gloucestershire: {DISAGREE}." in html
    assert "Limits: limits allowing for overdispersion (additive, τ² = " in html
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name, flag in flagged.items():
        assert f'<td class="{flag}">{flag}</td>' in html.split(f"<tr><td>{name}</td>", 1)[1][:600]
    code, out = run("funnel", "--method", "binomial", "--json")
    binomial = {u["unit"]: u for u in json.loads(out)["units"]}
    assert binomial["Gloucestershire"]["flag"] == "low"
    assert binomial["Gloucestershire"]["note"] == DISAGREE


def test_the_report_is_self_contained(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    assert run("report", "--out", str(path))[0] == 0
    html = path.read_text()
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", html)
    assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", html)
    assert "Plotly.newPlot" in html
    assert len(html) > 1_000_000  # plotly.min.js is embedded, not fetched


def test_demo_summary_and_screening_beat_random_audit(national: tuple[str, Path]) -> None:
    application = build(database=national[0])
    try:
        summary = summary_of(build_report(application.context, truth=national[1]))
    finally:
        application.context.db.engine.dispose()
    assert "Kent" in [f.force for f in summary.high]
    assert summary.method == "additive"
    assert summary.notes["Gloucestershire"] == DISAGREE
    assert any(
        line.startswith(f"  {DISAGREE}: ") and "Gloucestershire" in line for line in summary.lines()
    )
    assert summary.screening is not None
    at = {s.n: s for s in summary.screening.at}
    assert set(at) == {100, 500, 1000}
    for s in at.values():
        assert s.ranked.precision > s.random.precision_upper
        assert s.p_value < 1e-6
    assert any("Kent" in line for line in summary.lines())
