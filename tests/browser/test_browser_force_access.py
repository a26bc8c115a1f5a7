"""Reading another force's report in Chromium: Kent's analyst meets Essex's report in a series as
its summary, asks for access with a reason, Essex's registrar grants it, the analyst opens it in
full, and the read shows on Essex's access report."""

from collections.abc import Callable

from playwright.sync_api import Page

WHY = "E6 shares the approach of our series"


def test_ask_grant_open_and_the_owning_force_sees_it(
    open_as: Callable[..., Page], screenshot: Callable[[Page, str], None]
) -> None:
    kay = open_as("kay")
    kay.goto("/linkage/series/2")
    kay.click("text=Essex E6")
    summary = kay.locator("[data-testid=summary-only]")
    assert summary.is_visible()
    assert "belongs to Essex" in summary.inner_text()
    assert kay.locator("[data-testid=report-summary]").is_visible()
    kay.fill("textarea[name=reason]", WHY)
    screenshot(kay, "force-access-1-summary")
    kay.click("text=Ask Essex for access")
    assert kay.locator("[data-testid=request-pending]").is_visible()

    sue = open_as("sue")
    sue.goto("/access-requests")
    waiting = sue.locator("[data-testid=waiting]")
    assert "kay" in waiting.inner_text()
    assert WHY in waiting.inner_text()
    screenshot(sue, "force-access-2-registrar")
    sue.click("[data-testid=waiting] button[value=grant]")
    sue.wait_for_url("**/access-requests")
    assert sue.locator("[data-testid=waiting]").count() == 0  # decided: nothing waits

    kay.goto(kay.url)
    assert kay.locator("[data-testid=summary-only]").count() == 0
    assert kay.locator("h1").first.inner_text().startswith("Essex E6")
    assert "Account given." in kay.locator("main").inner_text()  # its narrative: in full
    screenshot(kay, "force-access-3-full")

    eda = open_as("eda")
    eda.goto("/admin/access-log")
    log = eda.locator("main").inner_text()
    assert "kay" in log
    assert "E6" in log
    assert "B4" not in log  # Essex's access report holds Essex's reports only
    screenshot(eda, "force-access-4-access-report")
