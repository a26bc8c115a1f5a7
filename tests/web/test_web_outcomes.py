"""The justice path in the web application: the attrition page's charts and tables for
registrars and inspectors (aggregates only), missed chances and the series' outcomes for
analysts, and the figures in the JSON API."""

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from caselink.bootstrap import App
from caselink.web.charts import FORCE_MARKER
from caselink.web.outcome_charts import NATIONAL_LINE

Client = Callable[..., Any]
Importer = Callable[..., None]
Headers = Callable[[str], dict[str, str]]
PREFERENCE = "prefers a female officer, calls after six"  # K1's attendance, in conftest.JOURNEY
CHARTS = ("charge-rate", "outcome16", "mix", "time-to-charge", "compliance", "referrals")


def test_the_attrition_page_has_every_chart_with_its_table(
    journeyed: App, signed_in: Client
) -> None:
    page = signed_in("registrar").get("/outcomes")
    assert page.status_code == 200
    national = {s["stage"]: s["count"] for s in page.context["attrition"]["national"]["stages"]}
    assert (national["recorded"], national["charged"]) == (2, 1)  # the rapes K1 and K3
    assert set(page.context["figure_json"]) == set(CHARTS)
    for key in CHARTS:
        assert f'data-plot="{key}-figure"' in page.text
        assert f'id="{key}-figure"' in page.text
    charge = json.loads(page.context["figure_json"]["charge-rate"])
    forces = charge["data"][-1]
    assert (forces["x"], forces["marker"]["color"]) == ([2], [FORCE_MARKER])  # K1, K3: rape
    assert forces["y"] == [0.5]
    outcome16 = json.loads(page.context["figure_json"]["outcome16"])
    assert outcome16["data"][-1]["y"] == [0.5]  # K3 of K1 and K3, both closed
    mix = json.loads(page.context["figure_json"]["mix"])
    assert [t["name"].split()[0] for t in mix["data"]] == ["1", "16"]
    km = json.loads(page.context["figure_json"]["time-to-charge"])
    line = km["data"][2]
    assert line["line"]["color"] == NATIONAL_LINE
    assert line["y"][0] == 1.0
    assert min(line["y"]) == 0.5
    assert km["data"][1]["fill"] == "tonexty"  # the 95% band
    assert [t["name"] for t in json.loads(page.context["figure_json"]["referrals"])["data"]] == [
        "SARC offered",
        "SARC accepted",
        "ISVA offered",
        "ISVA accepted",
    ]
    compliance = page.context["compliance"]["national"]
    assert (compliance["met_on_time"], compliance["overdue"]) == (1, 1)
    # the numbers under each chart
    for table in CHARTS:
        assert f'<table class="list" data-testid="{table}">' in page.text
    assert '<script src="/static/plotly.min.js">' in page.text


def test_an_inspector_sees_aggregates_and_nothing_that_names_anyone(
    journeyed: App, signed_in: Client
) -> None:
    page = signed_in("inspector").get("/outcomes")
    assert page.status_code == 200
    assert set(page.context["figure_json"]) == set(CHARTS)
    for never in ("K1", "K3", "Quartermaine", "Jessamy", "Blackwood", PREFERENCE, "/reports/"):
        # a name or reference as a word: a page's random CSRF token may hold "K3" by chance
        word = rf"(?<![\w-]){re.escape(never)}(?![\w-])" if never.isalnum() else re.escape(never)
        assert not re.search(word, page.text), never
    with journeyed.context.db.reader() as uow:
        assert uow.access_log.recent(5, "ian") == []  # aggregates: not a consultation


def test_filters_choose_the_offences_the_period_and_the_force_on_the_curve(
    journeyed: App, signed_in: Client
) -> None:
    c = signed_in("registrar")
    other = c.get("/outcomes?group=other")
    assert [u["unit"] for u in other.context["times"]["units"]] == ["Kent"]
    assert other.context["times"]["national"]["n"] == 1  # K2, the 20A
    later = c.get("/outcomes?from=2024-04-01&to=2024-12-31")
    assert later.context["times"]["national"]["n"] == 1  # K3, reported 1 May
    assert c.get("/outcomes?from=0001-01-01&to=9999-12-31").context["times"]["national"]["n"] == 2
    empty = c.get("/outcomes?from=2030-01-01")
    assert empty.context["figure_json"] == {}
    assert "No recorded crime in this period." in empty.text
    kent = c.get("/outcomes?force=Kent")
    assert kent.context["force"] == "Kent"
    names = [
        t.get("name", "") for t in json.loads(kent.context["figure_json"]["time-to-charge"])["data"]
    ]
    assert any(n.startswith("Kent") for n in names)
    bad = c.get("/outcomes?from=soon&group=everything&force=Atlantis")
    assert set(bad.context["errors"]) == {"from", "group"}
    assert bad.context["force"] is None


def test_only_registrars_and_inspectors_open_the_attrition_page(
    journeyed: App, signed_in: Client
) -> None:
    for role in ("officer", "analyst", "admin"):
        assert signed_in(role).get("/outcomes").status_code == 403
    menus = {
        role: dict(signed_in(role).get("/").context["nav"])
        for role in ("officer", "inspector", "analyst")
    }
    assert "Outcomes" in menus["inspector"]
    assert "Outcomes" not in menus["officer"]
    assert "Missed chances" in menus["analyst"]


# -- analysts: missed chances and the series' outcomes ------------------------------------------


def _linked_journeys(linked: App, tmp_path: Path, add_journey: Importer) -> App:
    """Series 7 holds K1 (written off), K2 (closed with outcome 18) and K3 (a suspect)."""
    add_journey(
        linked,
        tmp_path / "journey.csv",
        [
            ("K2", "outcome", "2024-03-20T10:00:00Z", {"code": "18"}),
            ("K3", "suspect_identified", "2024-05-02T10:00:00Z", {}),
            ("K3", "outcome", "2024-05-20T10:00:00Z", {"code": "16"}),
        ],
    )
    return linked


def test_an_analyst_sees_missed_chances_and_each_members_outcome(
    linked: App, tmp_path: Path, signed_in: Client, add_journey: Importer
) -> None:
    _linked_journeys(linked, tmp_path, add_journey)
    analyst = signed_in("analyst")
    page = analyst.get("/outcomes/missed-chances")
    assert page.status_code == 200
    chances = page.context["chances"]
    assert sorted((c["reference"], c["reason"]) for c in chances) == [
        ("K1", "written_off"),
        ("K2", "no_suspect_outcome"),
    ]
    assert {m["reference"] for c in chances for m in c["members_with_suspects"]} == {"K3"}
    assert page.context["may_open_series"] is True
    assert 'href="/linkage/series/7"' in page.text
    series = analyst.get("/linkage/series/7")
    assert {m.reference: m.outcome for m in series.context["view"].members} == {
        "K1": None,
        "K2": "18",
        "K3": "16",
    }
    assert "16 — " in series.text
    inspector = signed_in("inspector").get("/outcomes/missed-chances")
    assert inspector.status_code == 200
    assert inspector.context["may_open_series"] is False
    assert signed_in("officer").get("/outcomes/missed-chances").status_code == 403


def test_missed_chances_before_a_linkage_run_say_so(store: App, signed_in: Client) -> None:
    page = signed_in("analyst").get("/outcomes/missed-chances")
    assert page.context["doc"]["link_run"] is None
    assert "caselink link run" in page.text


# -- the API ------------------------------------------------------------------------------------


def test_the_figures_in_the_api(journeyed: App, client: Any, token_for: Headers) -> None:
    inspector = token_for("inspector")
    attrition = client.get("/api/v1/attrition", headers=inspector)
    assert attrition.status_code == 200
    doc = attrition.json()
    assert doc["figure"] == "attrition"
    assert doc["funnels"]["charge_rate"]["units"][0]["unit"] == "Kent"
    mix = client.get("/api/v1/outcomes/mix?group=rape", headers=inspector).json()
    assert {o["outcome"]: o["count"] for o in mix["national"]} == {"1": 1, "16": 1}
    times = client.get("/api/v1/outcomes/time-to-charge", headers=inspector).json()
    assert times["national"]["curve"]["survival"][0] == 1.0
    compliance = client.get("/api/v1/outcomes/compliance?force=kent", headers=inspector).json()
    assert compliance["scope"]["forces"] == ["Kent"]
    assert {r["service"] for r in compliance["referrals"]["national"]} == {"sarc", "isva"}
    scoped = client.get(
        "/api/v1/attrition?reported_from=2024-04-01&reported_to=9999-12-31", headers=inspector
    )
    assert scoped.status_code == 200
    assert scoped.json()["scope"]["reported_from"] == "2024-04-01"
    for text in (attrition.text, json.dumps(mix), json.dumps(times), json.dumps(compliance)):
        assert "K1" not in text
        assert "Quartermaine" not in text
    assert client.get("/api/v1/attrition?force=Atlantis", headers=inspector).status_code == 422
    assert client.get("/api/v1/attrition?group=everything", headers=inspector).status_code == 422
    backwards = "/api/v1/attrition?reported_from=2024-05-01&reported_to=2024-04-01"
    assert client.get(backwards, headers=inspector).status_code == 400
    for role in ("officer", "analyst"):
        assert client.get("/api/v1/attrition", headers=token_for(role)).status_code == 403


def test_missed_chances_in_the_api(
    linked: App, tmp_path: Path, client: Any, token_for: Headers, add_journey: Importer
) -> None:
    _linked_journeys(linked, tmp_path, add_journey)
    doc = client.get("/api/v1/outcomes/missed-chances", headers=token_for("analyst")).json()
    assert sorted(c["reference"] for c in doc["chances"]) == ["K1", "K2"]
    assert doc["counts"]["chances"] == 2
    one = client.get("/api/v1/outcomes/missed-chances?limit=1", headers=token_for("analyst"))
    assert len(one.json()["chances"]) == 1
    assert one.json()["counts"]["chances"] == 2
    assert (
        client.get("/api/v1/outcomes/missed-chances", headers=token_for("officer")).status_code
        == 403
    )
