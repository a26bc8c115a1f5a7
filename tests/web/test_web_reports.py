"""Report pages and forms: record, list and filter, the report page, classify, cancel with the
rules shown inline, authorise and refuse, and the access log every read writes."""

from collections.abc import Callable
from typing import Any

from caselink.bootstrap import App
from caselink.domain.values import Status

Client = Callable[..., Any]
NEW = {
    "force": "Kent",
    "reference": "KW-1",
    "reported_at": "2024-06-01T21:30",
    "occurred_from": "2024-06-01T20:00",
    "latitude": "51.28",
    "longitude": "1.08",
    "offence_code": "19C",
    "relationship": "stranger",
    "offender_sex": "male",
    "offender_age_band": "25-34",
    "mo.approach": "blitz",
    "complainant_forename": "Rowena",
    "complainant_surname": "Featherstone",
    "narrative": "Account taken at the station.",
}


def _post(c: Any, url: str, csrf_of: Callable[..., str], **data: str) -> Any:
    return c.post(url, data={"csrf_token": csrf_of(c), **data})


def test_an_officer_records_a_report_with_its_event(
    app: App, signed_in: Client, csrf_of: Callable[..., str]
) -> None:
    c = signed_in("officer")
    page = _post(c, "/reports/new", csrf_of, **NEW)
    assert page.status_code == 200
    assert page.template.name == "report.html"
    report = page.context["report"]
    assert (report.force, report.reference, report.status) == ("Kent", "KW-1", Status.CRIME)
    assert [p.surname for p in report.persons] == ["Featherstone"]
    assert sorted(b.code for b in report.behaviours) == ["blitz"]
    kinds = [h["kind"] for h in page.context["history"]]
    assert kinds == ["recorded", "classified"]
    assert page.context["history"][0]["payload"]["source"] == "web"


def test_a_refused_new_report_keeps_everything_typed(
    app: App, signed_in: Client, csrf_of: Callable[..., str]
) -> None:
    c = signed_in("officer")
    page = _post(
        c, "/reports/new", csrf_of, **{**NEW, "latitude": "95", "reported_at": "yesterday"}
    )
    assert page.status_code == 422
    assert set(page.context["errors"]) == {"reported_at"}
    assert page.context["values"]["narrative"] == NEW["narrative"]
    page = _post(c, "/reports/new", csrf_of, **{**NEW, "latitude": "95"})
    assert page.status_code == 422
    assert "latitude" in page.context["errors"]
    assert page.context["values"]["complainant_surname"] == "Featherstone"
    assert page.context["values"]["mo.approach"] == "blitz"
    _post(c, "/reports/new", csrf_of, **NEW)
    again = _post(c, "/reports/new", csrf_of, **NEW)
    assert "already holds" in again.context["errors"]["reference"]


def test_the_list_filters_and_carries_no_names(store: App, signed_in: Client) -> None:
    c = signed_in("inspector")
    everything = c.get("/reports")
    assert [r.reference for r in everything.context["found"].items] == ["K3", "K2", "K1"]
    assert "Quartermaine" not in everything.text
    rape = c.get("/reports?offence=19C&force=Kent")
    assert [r.reference for r in rape.context["found"].items] == ["K3", "K1"]
    may = c.get("/reports?from=2024-04-01&to=2024-05-01")
    assert [r.reference for r in may.context["found"].items] == ["K3"]
    by_ref = c.get("/reports?q=k2")
    assert [r.reference for r in by_ref.context["found"].items] == ["K2"]
    bad = c.get("/reports?from=soon&status=nonsense")
    assert set(bad.context["errors"]) == {"from", "status"}
    linked = c.get("/reports?linked=1")
    assert linked.context["found"].items == []
    assert "No linkage run yet" in linked.text


def test_the_report_page_shows_persons_history_and_logs_the_read(
    store: App, signed_in: Client
) -> None:
    c = signed_in("officer", why="review of the investigation")
    page = c.get("/reports/Kent/K1")
    names = [(p.role.value, p.forename, p.surname) for p in page.context["report"].persons]
    assert ("complainant", "Jessamy", "Quartermaine") in names
    assert [h["kind"] for h in page.context["history"]][:1] == ["recorded"]
    assert page.context["page"].linkage is None  # officers do not see linkage
    with store.context.db.reader() as uow:
        entry = uow.access_log.recent(1)[0]
    assert (entry.actor, entry.force, entry.reference, entry.justification, entry.detail) == (
        "olive",
        "Kent",
        "K1",
        "review of the investigation",
        "full",
    )


def test_an_inspector_sees_the_report_pseudonymised(store: App, signed_in: Client) -> None:
    c = signed_in("inspector")
    page = c.get("/reports/Kent/K1")
    assert page.context["view"].pseudonymised
    complainants = [p for p in page.context["report"].persons if p.role.value == "complainant"]
    assert complainants
    assert all(p.forename is None and p.surname is None for p in complainants)
    assert "Jessamy" not in page.text
    assert "Quartermaine" not in page.text
    assert "Account given." not in page.text  # no narrative, not even in the history
    assert page.context["may_classify"] is False


def test_an_invalid_cancellation_is_refused_inline_with_the_form_still_filled(
    store: App, signed_in: Client, csrf_of: Callable[..., str]
) -> None:
    c = signed_in("officer")
    form = {
        "code": "C2",
        "rationale": "victim withdrew support",
        "evidence": "Statement of 3 June withdrawing the complaint.",
    }
    page = _post(c, "/reports/Kent/K1/cancel", csrf_of, **form)
    assert page.status_code == 422
    assert page.template.name == "cancel.html"
    assert "CAN-2" in page.context["errors"]["rationale"]
    assert "withdrew support" in page.context["errors"]["rationale"]
    assert {k: page.context["values"][k] for k in form} == form
    with store.context.db.reader() as uow:
        report = uow.reports.get("Kent", "K1")
    assert report is not None
    assert report.cancellations == []


def test_a_rape_cancellation_waits_for_a_registrar_who_authorises_it(
    store: App, signed_in: Client, csrf_of: Callable[..., str]
) -> None:
    officer = signed_in("officer")
    asked = _post(
        officer,
        "/reports/Kent/K1/cancel",
        csrf_of,
        code="C4",
        rationale="Recorded twice in error by the control room.",
        evidence="Control room audit of 4 June shows a keying error.",
    )
    assert asked.template.name == "report.html"
    assert asked.context["report"].pending_cancellation is not None
    registrar = signed_in("registrar")
    queue = registrar.get("/queue")
    assert [(r.reference, r.code) for r in queue.context["rows"]] == [("K1", "C4")]
    form = registrar.get("/reports/Kent/K1/decide")
    assert form.context["pending"].rationale.startswith("Recorded twice")
    done = _post(
        registrar,
        "/reports/Kent/K1/decide",
        csrf_of,
        decision="authorise",
        expected_version=form.context["values"]["expected_version"],
    )
    assert done.template.name == "queue.html"
    assert done.context["rows"] == []
    with store.context.db.reader() as uow:
        report = uow.reports.get("Kent", "K1")
    assert report is not None
    assert report.status is Status.CANCELLED


def test_refusing_needs_a_note_and_keeps_the_report(
    store: App, signed_in: Client, csrf_of: Callable[..., str]
) -> None:
    officer = signed_in("officer")
    _post(
        officer,
        "/reports/Kent/K1/cancel",
        csrf_of,
        code="C4",
        rationale="Recorded in error.",
        evidence="Keying error found by the control room audit.",
    )
    registrar = signed_in("registrar")
    empty = _post(registrar, "/reports/Kent/K1/decide", csrf_of, decision="refuse", note=" ")
    assert empty.status_code == 422
    assert "note" in empty.context["errors"]
    refused = _post(
        registrar,
        "/reports/Kent/K1/decide",
        csrf_of,
        decision="refuse",
        note="No evidence of a keying error.",
    )
    assert refused.template.name == "queue.html"
    with store.context.db.reader() as uow:
        report = uow.reports.get("Kent", "K1")
    assert report is not None
    assert report.status is Status.CRIME


def test_a_stale_form_is_refused_as_a_conflict(
    store: App, signed_in: Client, csrf_of: Callable[..., str]
) -> None:
    c = signed_in("officer")
    form = c.get("/reports/Kent/K3/classify")
    version = form.context["values"]["expected_version"]
    _post(
        c,
        "/reports/Kent/K3/classify",
        csrf_of,
        decision="crime",
        offence_code="19D",
        expected_version=version,
    )
    stale = _post(
        c,
        "/reports/Kent/K3/classify",
        csrf_of,
        decision="crime",
        offence_code="19E",
        expected_version=version,
    )
    assert stale.status_code == 422
    assert "someone changed it" in stale.context["errors"][""]


def test_officer_adds_a_person_and_records_the_complainant_was_told(
    store: App, signed_in: Client, csrf_of: Callable[..., str]
) -> None:
    c = signed_in("officer")
    page = _post(
        c,
        "/reports/Kent/K2/persons",
        csrf_of,
        role="witness",
        forename="Ada",
        surname="Lovelace",
        date_of_birth="1985-12-10",
    )
    assert ("witness", "Lovelace") in [
        (p.role.value, p.surname) for p in page.context["report"].persons
    ]
    _post(
        c,
        "/reports/Kent/K2/cancel",
        csrf_of,
        code="C1",
        rationale="Offence happened in Essex.",
        evidence="Essex Police accepted the transfer.",
    )
    told = _post(c, "/reports/Kent/K2/inform", csrf_of, how="by phone")
    assert told.context["report"].status is Status.TRANSFERRED
    assert told.context["report"].cancellations[-1].complainant_informed_at is not None


def test_dashboards_by_role(store: App, signed_in: Client) -> None:
    assert signed_in("officer").get("/").context["board"].figures["awaiting_decision"] == []
    registrar = signed_in("registrar").get("/").context["board"].figures
    assert registrar["pending"] == 0
    assert registrar["rape_reports"] == 2
    assert signed_in("analyst").get("/").context["board"].figures["linkage_run"] is None
    admin = signed_in("admin").get("/").context["board"].figures
    assert admin["users"] == 7
    assert set(admin) == {"users", "recent_access"}
