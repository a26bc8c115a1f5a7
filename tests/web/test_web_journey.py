"""The victim's journey in the web application: the timeline and duties on the report page, the
step form (rules refused inline, nothing changed), the officer's duties on the home page, and
the journey and duties in the JSON API."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from caselink.bootstrap import App
from caselink.storage.tables import events, journey_steps

Client = Callable[..., Any]
Csrf = Callable[..., str]
Headers = Callable[[str], dict[str, str]]
WHY = {"X-Justification": "victim care review"}
PREFERENCE = "prefers a female officer, calls after six"  # K1's attendance, in conftest.JOURNEY


def _count(app: App, table: Any) -> int:
    with app.context.db.reader() as uow:
        return int(uow.connection.execute(select(func.count()).select_from(table)).scalar_one())


def _version(app: App, reference: str) -> int:
    with app.context.db.reader() as uow:
        report = uow.reports.get("Kent", reference)
    assert report is not None
    return report.version


def _step(c: Any, csrf_of: Csrf, reference: str, **fields: str) -> Any:
    return c.post(f"/reports/Kent/{reference}/journey", data={"csrf_token": csrf_of(c), **fields})


def test_the_report_page_shows_the_journey_beside_the_history(
    journeyed: App, signed_in: Client
) -> None:
    page = signed_in("officer").get("/reports/Kent/K1")
    trail = page.context["journey"]
    assert [t.kind for t in trail.timeline] == [
        "attended",
        "referral",
        "suspect_identified",
        "arrested",
        "victim_updated",
        "file_to_cps",
        "cps_decision",
        "charged",
        "outcome",
    ]
    assert trail.outcome == "1"
    assert page.context["outcome_title"]
    assert [(d.decision, d.state.value) for d in trail.duties] == [
        ("arrested", "met"),
        ("charged", "overdue"),
    ]
    assert [f.rule.id for f in trail.findings] == ["VC-1"]
    assert page.context["may_record_step"] is True
    # the form offers the report's own decisions to tell the victim of, duties first
    told = dict(page.context["told_of"])
    assert "charged|2024-05-02T10:00:00+00:00" in told
    assert "overdue" in told["charged|2024-05-02T10:00:00+00:00"]
    assert PREFERENCE in page.text  # an officer sees what the victim asked for
    assert 'data-testid="journey"' in page.text
    assert 'data-testid="history"' in page.text


def test_the_journey_read_is_logged_before_the_report(journeyed: App, signed_in: Client) -> None:
    signed_in("analyst", why="series review").get("/reports/Kent/K1")
    with journeyed.context.db.reader() as uow:
        latest = uow.access_log.recent(2)
    assert [(e.actor, e.reference, e.detail) for e in latest] == [
        ("ann", "K1", "full"),
        ("ann", "K1", "journey"),
    ]


def test_an_officer_records_a_referral_an_arrest_and_the_update(
    journeyed: App, signed_in: Client, csrf_of: Csrf
) -> None:
    c = signed_in("officer")
    done = _step(
        c,
        csrf_of,
        "K2",
        step="referral",
        at="2024-03-08T09:30",
        **{"referral.service": "isva", "referral.answer": "accepted", "arrested.ignored": "x"},
    )
    assert done.status_code == 200
    assert done.url.path == "/reports/Kent/K2"
    (referral,) = done.context["journey"].timeline
    assert (referral.kind, referral.details) == (
        "referral",
        {"service": "isva", "answer": "accepted"},
    )
    assert referral.at == datetime(2024, 3, 8, 9, 30, tzinfo=UTC)

    arrested = _step(c, csrf_of, "K2", step="arrested", at="2024-03-09T10:00")
    [duty] = arrested.context["journey"].duties
    assert (duty.decision, duty.state.value) == ("arrested", "overdue")
    told_of = arrested.context["told_of"][0][0]
    assert told_of == "arrested|2024-03-09T10:00:00+00:00"
    told = _step(
        c,
        csrf_of,
        "K2",
        step="victim_updated",
        at="2024-03-09T16:00",
        **{"victim_updated.told_of": told_of, "victim_updated.how": "phone"},
    )
    [duty] = told.context["journey"].duties
    assert (duty.state.value, duty.told_how) == ("met", "phone")


def test_a_step_the_rules_refuse_is_shown_and_changes_nothing(
    journeyed: App, signed_in: Client, csrf_of: Csrf
) -> None:
    c = signed_in("registrar")
    version, steps, logged = _version(journeyed, "K2"), _count(journeyed, journey_steps), None
    logged = _count(journeyed, events)
    refused = _step(
        c,
        csrf_of,
        "K2",
        step="charged",
        at="2024-03-10T10:00",
        **{"charged.route": "charge"},
    )
    assert refused.status_code == 422
    assert refused.template.name == "report.html"
    assert "INV-1" in refused.context["step_errors"][""]
    assert "needs an earlier arrest" in refused.context["step_errors"][""]
    assert refused.context["step_values"]["charged.route"] == "charge"
    assert refused.context["step_values"]["at"] == "2024-03-10T10:00"
    assert 'data-testid="step-error"' in refused.text
    outcome = _step(c, csrf_of, "K2", step="outcome", **{"outcome.code": "16"})
    assert "OUT-1" in outcome.context["step_errors"][""]
    unknown = _step(c, csrf_of, "K2", step="teleported")
    assert "not a step of the journey" in unknown.context["step_errors"][""]
    no_step = _step(c, csrf_of, "K2")
    assert "step" in no_step.context["step_errors"]
    bad_time = _step(c, csrf_of, "K2", step="arrested", at="yesterday")
    assert "at" in bad_time.context["step_errors"]
    stale = _step(c, csrf_of, "K2", step="arrested", at="2024-03-09T10:00", expected_version="1")
    assert stale.status_code == 422
    assert "someone changed it" in stale.context["step_errors"][""]
    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert "JNY-1" in _step(c, csrf_of, "K2", step="arrested", at=future).context["step_errors"][""]
    assert _version(journeyed, "K2") == version
    assert _count(journeyed, journey_steps) == steps
    assert _count(journeyed, events) == logged


def test_the_step_form_needs_its_csrf_token_and_a_recording_role(
    journeyed: App, signed_in: Client, csrf_of: Csrf
) -> None:
    steps = _count(journeyed, journey_steps)
    officer = signed_in("officer")
    forged = officer.post("/reports/Kent/K2/journey", data={"step": "arrested"})
    assert forged.status_code == 403
    for role in ("inspector", "analyst"):
        c = signed_in(role)
        assert _step(c, csrf_of, "K2", step="arrested").status_code == 403
        page = c.get("/reports/Kent/K1")
        assert page.context["may_record_step"] is False
        assert 'data-testid="step-form"' not in page.text
    assert _step(officer, csrf_of, "NOPE", step="arrested").status_code == 404
    assert _count(journeyed, journey_steps) == steps


def test_an_inspector_sees_the_journey_without_what_it_says_of_the_victim(
    journeyed: App, signed_in: Client, client: Any, token_for: Headers
) -> None:
    page = signed_in("inspector").get("/reports/Kent/K1")
    assert page.context["journey"].pseudonymised
    assert "preferences" not in page.context["journey"].timeline[0].details
    # nor in the history, where the imported journey's event holds every step's details
    assert PREFERENCE not in page.text
    assert "Quartermaine" not in page.text
    for url in ("/api/v1/reports/Kent/K1", "/api/v1/reports/Kent/K1/journey"):
        answer = client.get(url, headers={**token_for("inspector"), **WHY})
        assert answer.status_code == 200
        assert PREFERENCE not in answer.text
    assert (
        PREFERENCE
        in client.get("/api/v1/reports/Kent/K1", headers={**token_for("analyst"), **WHY}).text
    )


def test_the_home_page_lists_the_duties_due_today_and_overdue(
    journeyed: App, signed_in: Client
) -> None:
    for role in ("officer", "registrar"):
        page = signed_in(role).get("/")
        [duty] = page.context["duties"]
        assert (duty.reference, duty.decision, duty.overdue) == ("K1", "charge", True)
        assert duty.overdue_days > 300
        assert 'href="/reports/Kent/K1#journey"' in page.text
    for role in ("analyst", "inspector", "admin"):
        assert signed_in(role).get("/").context["duties"] is None


def test_a_home_page_with_no_duty_says_so(store: App, signed_in: Client) -> None:
    page = signed_in("officer").get("/")
    assert page.context["duties"] == []
    assert "every victim has been told" in page.text


# -- the API ------------------------------------------------------------------------------------


def test_the_journey_api_reads_and_logs(journeyed: App, client: Any, token_for: Headers) -> None:
    answer = client.get("/api/v1/reports/Kent/K1/journey", headers={**token_for("officer"), **WHY})
    assert answer.status_code == 200
    doc = answer.json()
    assert [t["step"] for t in doc["timeline"]][:2] == ["attended", "referral"]
    assert [(d["decision"], d["state"]) for d in doc["duties"]] == [
        ("arrested", "met"),
        ("charged", "overdue"),
    ]
    assert doc["outcome"] == "1"
    assert doc["findings"][0]["rule"] == "VC-1"
    with journeyed.context.db.reader() as uow:
        entry = uow.access_log.recent(1)[0]
    assert (entry.actor, entry.reference, entry.detail) == ("olive", "K1", "journey")
    bare = client.get("/api/v1/reports/Kent/K1/journey", headers=token_for("officer"))
    assert bare.status_code == 400
    admin = client.get("/api/v1/reports/Kent/K1/journey", headers={**token_for("admin"), **WHY})
    assert admin.status_code == 403
    missing = client.get(
        "/api/v1/reports/Kent/NOPE/journey", headers={**token_for("officer"), **WHY}
    )
    assert missing.status_code == 404


def test_a_step_posted_to_the_api_is_recorded_or_refused_with_its_rule(
    journeyed: App, client: Any, token_for: Headers
) -> None:
    url = "/api/v1/reports/Kent/K2/journey"
    officer = token_for("officer")
    version = _version(journeyed, "K2")
    arrested = client.post(
        url, headers=officer, json={"step": "arrested", "at": "2024-03-09T10:00:00Z"}
    )
    assert arrested.status_code == 201, arrested.text
    assert arrested.json()["version"] == version + 1
    late = client.post(
        url,
        headers=officer,
        json={
            "step": "victim_updated",
            "at": "2024-03-14T10:00:00+00:00",
            "details": {"decision": "arrested", "decision_at": "2024-03-09T10:00:00Z"},
            "expected_version": version + 1,
        },
    )
    assert late.status_code == 201
    assert [f["rule"] for f in late.json()["findings"]] == ["VC-1"]  # late: recorded, flagged

    steps = _count(journeyed, journey_steps)
    verdict = client.post(
        url, headers=officer, json={"step": "verdict", "details": {"verdict": "acquitted"}}
    )
    assert verdict.status_code == 422
    assert "INV-2" in verdict.json()["detail"]
    stale = client.post(
        url, headers=officer, json={"step": "interviewed", "expected_version": version}
    )
    assert stale.status_code == 409
    assert "someone changed it" in stale.json()["detail"]
    naive = client.post(
        url, headers=officer, json={"step": "interviewed", "at": "2024-03-10T10:00:00"}
    )
    assert naive.status_code == 422
    assert "offset" in naive.json()["detail"]
    for body in (
        {"step": "interviewed", "at": "0001-01-01T00:00:00+01:00"},
        {"step": "reopened", "details": {"reason": "new\x00evidence"}},
        {"step": "interviewed", "colour": "blue"},
    ):
        assert client.post(url, headers=officer, json=body).status_code == 422
    refused = client.post(url, headers=token_for("inspector"), json={"step": "interviewed"})
    assert refused.status_code == 403
    assert "may not record" in refused.json()["detail"]
    assert _count(journeyed, journey_steps) == steps


def test_the_duties_api_lists_open_duties_oldest_first(
    journeyed: App, client: Any, token_for: Headers
) -> None:
    doc = client.get("/api/v1/duties", headers=token_for("registrar")).json()
    assert [(d["reference"], d["decision"], d["overdue"]) for d in doc["duties"]] == [
        ("K1", "charged", True)
    ]
    early = client.get(
        "/api/v1/duties?due_before=2024-05-01T00:00:00", headers=token_for("officer")
    )
    assert early.json() == {"duties": []}
    elsewhere = client.get("/api/v1/duties?force=Essex", headers=token_for("officer"))
    assert elsewhere.json() == {"duties": []}
    far = client.get(
        "/api/v1/duties?due_before=9999-12-31T23:59:59-12:00", headers=token_for("officer")
    )
    assert far.status_code == 422
    assert client.get("/api/v1/duties", headers=token_for("analyst")).status_code == 403
