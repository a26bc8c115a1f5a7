"""Integrity pages: the funnel and trend with plotly figures, the audit workbench and verdicts."""

import json
from collections.abc import Callable
from typing import Any

from caselink.bootstrap import App
from caselink.domain.roles import Role
from caselink.domain.rules.cancellation import CancellationCode
from caselink.services import integrity_audit, recording
from caselink.services.context import Actor


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
