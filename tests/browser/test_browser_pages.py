"""The web application in Chromium: every role signs in; an officer records a report and is
refused an invalid cancellation with the form kept; a registrar authorises one; an analyst sees
a series with a written-off member; an inspector never reaches a complainant's name."""

import re
from collections.abc import Callable, Sequence
from typing import Any

from playwright.sync_api import Page, expect

from caselink.web.charts import FLAGGED_MARKER, FORCE_MARKER

Opener = Callable[..., Page]
Shot = Callable[[Page, str], None]
Chart = Callable[[Page, str, Sequence[str], str], Any]
ROLES = ("officer", "registrar", "analyst", "inspector", "admin")
COMPLAINANT = ("Philippa", "Wrenfield")


def test_every_role_signs_in_to_its_own_home_page(open_as: Opener, screenshot: Shot) -> None:
    menus = {}
    for role in ROLES:
        page = open_as(role, why=None)
        page.goto("/")
        expect(page.locator("h1")).to_contain_text(role.capitalize())
        menus[role] = page.locator("header nav a").all_inner_texts()
        screenshot(page, f"home-{role}")
    assert "New report" in menus["officer"]
    assert "Cancellation queue" in menus["registrar"]
    assert "Series" in menus["analyst"]
    assert "Integrity" in menus["inspector"]
    assert "New report" not in menus["inspector"]
    assert menus["admin"] == ["Access log", "Users"]


def test_an_officer_records_a_report(open_as: Opener, screenshot: Shot) -> None:
    page = open_as("officer")
    page.goto("/reports/new")
    page.select_option("select[name=force]", "Kent")
    page.fill("input[name=reference]", "BR-100")
    page.fill("input[name=reported_at]", "2024-06-01T21:30")
    page.fill("input[name=latitude]", "51.28")
    page.fill("input[name=longitude]", "1.08")
    page.select_option("select[name=offence_code]", "19C")
    page.fill("input[name=complainant_forename]", "Imogen")
    page.fill("input[name=complainant_surname]", "Ashcombe")
    page.fill("textarea[name=narrative]", "Account taken at the station.")
    screenshot(page, "record-form")
    page.click("form.form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Kent BR-100")
    expect(page.locator("h1 .badge")).to_have_text("crime")
    expect(page.locator("[data-testid=persons]")).to_contain_text("Ashcombe")
    expect(page.locator("[data-testid=history]")).to_contain_text("recorded")
    screenshot(page, "recorded-report")


def test_an_invalid_cancellation_shows_the_rule_and_keeps_the_form(
    open_as: Opener, screenshot: Shot
) -> None:
    page = open_as("officer")
    page.goto("/reports/Kent/B2")
    page.click("text=Cancel or transfer")
    page.select_option("select[name=code]", "C2")
    page.fill("textarea[name=rationale]", "victim withdrew support")
    page.fill("textarea[name=evidence]", "Email from the complainant on 3 June.")
    page.click("[data-testid=cancel-form] button[type=submit]")
    error = page.locator("[data-testid=rationale-error]")
    expect(error).to_contain_text("withdrew support")
    expect(error).to_contain_text("CAN-2")
    expect(page.locator("textarea[name=rationale]")).to_have_value("victim withdrew support")
    expect(page.locator("textarea[name=evidence]")).to_have_value(
        "Email from the complainant on 3 June."
    )
    expect(page.locator("select[name=code]")).to_have_value("C2")
    screenshot(page, "cancellation-refused")


def test_a_registrar_authorises_a_cancellation(open_as: Opener, screenshot: Shot) -> None:
    officer = open_as("officer")
    officer.goto("/reports/Kent/B1/cancel")
    officer.select_option("select[name=code]", "C4")
    officer.fill("textarea[name=rationale]", "Recorded twice by the control room in error.")
    officer.fill("textarea[name=evidence]", "Control room audit of 4 June found a keying error.")
    officer.click("[data-testid=cancel-form] button[type=submit]")
    expect(officer.locator("[data-testid=history]")).to_contain_text("cancellation requested")

    registrar = open_as("registrar")
    registrar.goto("/queue")
    expect(registrar.locator("[data-testid=queue]")).to_contain_text("B1")
    screenshot(registrar, "queue")
    registrar.click("[data-testid=queue] >> text=Decide")
    expect(registrar.locator("[data-testid=pending]")).to_contain_text("keying error")
    registrar.fill("textarea[name=note]", "Keying error confirmed.")
    registrar.click("button[value=authorise]")
    expect(registrar.locator("main")).to_contain_text("the queue is empty")
    registrar.goto("/reports/Kent/B1")
    expect(registrar.locator("h1 .badge")).to_have_text("cancelled")
    screenshot(registrar, "authorised")


def test_an_analyst_sees_a_series_with_a_written_off_member(
    open_as: Opener, screenshot: Shot
) -> None:
    page = open_as("analyst")
    page.goto("/linkage/series")
    expect(page.locator("[data-testid=series-list]")).to_contain_text("1")
    page.click("[data-testid=series-list] a")
    expect(page.locator("[data-testid=written-off-count]")).to_contain_text("written off")
    expect(page.locator("[data-testid=members]")).to_contain_text("B3")
    assert page.locator("svg.map circle").count() == 3
    assert page.locator("svg.map .written-off").count() >= 1
    assert page.locator("svg.network line").count() >= 2
    screenshot(page, "series")
    page.goto("/reports?linked=1")
    expect(page.locator("[data-testid=report-list]")).to_contain_text("B3")


def test_the_funnel_is_drawn_by_the_plotly_the_app_serves(
    open_as: Opener, screenshot: Shot, chart: Chart, server: str
) -> None:
    page = open_as("inspector")
    asked: list[str] = []
    broken: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.on("response", lambda r: broken.extend([r.url] if r.status >= 400 else []))
    # a request the browser cancels itself (its icon, when a load is cut short) is no fault of
    # the page; one it could not make (no network for a CDN, say) is
    page.on(
        "requestfailed",
        lambda r: broken.extend([] if r.failure == "net::ERR_ABORTED" else [r.url]),
    )
    page.goto("/integrity")
    # the forces' markers are on the screen, not merely in the page
    chart(page, "[data-plot=funnel-figure]", [FORCE_MARKER, FLAGGED_MARKER], "integrity-funnel")
    assert any(re.search(r"plotly[^/]*\.js", url) for url in asked)
    assert [url for url in asked if not url.startswith(server)] == []
    assert broken == []
    screenshot(page, "funnel")


def test_an_inspector_never_reaches_a_complainants_name(open_as: Opener, screenshot: Shot) -> None:
    page = open_as("inspector")
    seen: list[str] = []
    for url in (
        "/",
        "/reports",
        "/reports?q=B1",
        "/reports/Kent/B1",
        "/reports/Kent/B3",
        "/integrity",
        "/integrity/trends",
        "/linkage/series",
        "/linkage/series/1",
        "/persons/1",
        "/persons/2",
        "/admin/access-log",
        "/api/v1/reports/Kent/B1",
        "/api/v1/reports/Kent/B1/links",
        "/reports/Kent/B1/decide",
    ):
        answer = page.goto(url)
        assert answer is not None
        seen.append(f"{url} {answer.status}")
        text = page.content()
        for part in COMPLAINANT:
            assert part not in text, f"{url} shows {part}"
        assert "1991-07-14" not in text
    page.goto("/reports/Kent/B1")
    expect(page.locator("[data-testid=pseudonymised]")).to_be_visible()
    expect(page.locator("[data-testid=persons]")).to_contain_text("complainant")
    screenshot(page, "inspector-report")
    assert any(re.search(r"/persons/1 403", s) for s in seen)
    assert any(re.search(r"/api/v1/reports/Kent/B1 401", s) for s in seen)  # no session in the API
