"""Integrity pages: the funnel and trend with plotly figures, the audit workbench and verdicts."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from caselink.bootstrap import App
from caselink.cli.integrity import integrity_app
from caselink.domain.roles import Role
from caselink.domain.rules.cancellation import CancellationCode
from caselink.services import recording
from caselink.services.context import Actor
from caselink.services.importing import Kind, import_file
from caselink.services.integrity import audit as integrity_audit
from support.funnel_store import write_spread_reports


def test_funnel_and_trend_pages_carry_their_figures(
    store: App, signed_in: Callable[..., Any]
) -> None:
    c = signed_in("inspector")
    funnel = c.get("/integrity")
    assert [u.unit for u in funnel.context["funnel"].units] == ["Kent"]
    figure = json.loads(funnel.context["figure_json"])
    assert figure["data"][-1]["x"] == [2]
    assert '<script src="/static/plotly.min.js">' in funnel.text
    assert c.get("/static/plotly.min.js").headers["content-type"].startswith("text/javascript")
    trend = c.get("/integrity/trends?force=Kent")
    assert [p.period for p in trend.context["chart"].points] == ["2024Q1", "2024Q2"]
    assert c.get("/integrity/trends?force=Gwent").context["chart"] is None


def test_the_audit_workbench_records_a_registrars_verdict(
    store: App, signed_in: Callable[..., Any], csrf_of: Callable[..., str]
) -> None:
    registrar = signed_in("registrar")
    assert "caselink integrity sample" in registrar.get("/integrity/audits").text
    ctx = store.context
    recording.cancel(
        ctx,
        Actor("olive", Role.OFFICER),
        "Kent",
        "K1",
        code=CancellationCode.C4,
        rationale="Recorded in error.",
        evidence="Keying error in the control room.",
    )
    recording.authorise(ctx, Actor("rita", Role.REGISTRAR), "Kent", "K1")
    drawn = integrity_audit.draw_sample(ctx, Actor("rita", Role.REGISTRAR), seed=1, size=5)
    sample_id = drawn.sample_id
    page = registrar.get(f"/integrity/audits/{sample_id}")
    assert [(i.reference, i.verdict) for i in page.context["view"].items] == [("K1", None)]
    assert page.context["may_judge"] is True
    judged = registrar.post(
        f"/integrity/audits/{sample_id}/verdict",
        data={
            "csrf_token": csrf_of(registrar),
            "force": "Kent",
            "reference": "K1",
            "verdict": "wrong",
            "reason": "No verifiable keying error on file.",
        },
    )
    assert [(i.reference, i.verdict) for i in judged.context["view"].items] == [("K1", "wrong")]
    assert judged.context["view"].sample.wrong == 1
    inspector = signed_in("inspector").get(f"/integrity/audits/{sample_id}")
    assert inspector.context["may_judge"] is False


def test_the_command_line_the_api_and_the_page_flag_the_same_forces_by_the_same_method(
    app: App,
    tmp_path: Path,
    signed_in: Callable[..., Any],
    client: Any,
    token_for: Callable[[str], dict[str, str]],
) -> None:
    registrar = Actor("rita", Role.REGISTRAR)
    import_file(app.context, registrar, Kind.REPORTS, write_spread_reports(tmp_path / "s.csv"))
    env = {"CASELINK_DATABASE_URL": app.database_url, "CASELINK_USER": "ian"}
    result = CliRunner().invoke(integrity_app, ["funnel", "--json"], env=env)
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    api = client.get("/api/v1/integrity/funnel", headers=token_for("inspector")).json()
    page = signed_in("inspector").get("/integrity")
    shown = page.context["figure"].result.to_dict()

    def flagged(doc: dict[str, Any]) -> dict[str, str]:
        return {u["unit"]: u["flag"] for u in doc["units"] if u["flag"]}

    def notes(doc: dict[str, Any]) -> dict[str, str]:
        return {u["unit"]: u["note"] for u in doc["units"] if u["note"]}

    assert flagged(cli) == flagged(api) == flagged(shown) == {"Kent": "high"}
    assert cli["method"] == api["method"] == shown["method"] == "additive"
    assert cli["method_name"] == api["method_name"] == shown["method_name"]
    assert (
        notes(cli)
        == notes(api)
        == notes(shown)
        == {
            "Gloucestershire": "outside the binomial limits; inside the limits allowing for "
            "overdispersion"
        }
    )
    text = " ".join(page.text.split())
    assert api["method_name"] in text
    row = text.split("<td>Gloucestershire</td>", 1)[1].split("</tr>", 1)[0]
    assert "outside the binomial limits; inside the limits allowing for overdispersion" in row
