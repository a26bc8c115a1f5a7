"""The victim's journey in Chromium: an officer records a referral, an arrest and the update
that meets its Victims' Code duty on the report page; a step the rules refuse is shown with its
rule and changes nothing; the officer's home page lists the victims still to be told."""

from collections.abc import Callable

from playwright.sync_api import Page, expect

Opener = Callable[..., Page]
Shot = Callable[[Page, str], None]
FORM = "[data-testid=step-form]"


def _open_form(page: Page, step: str) -> None:
    page.click("details.step-form summary")
    page.select_option(f"{FORM} select[name=step]", step)


def test_an_officer_records_a_referral_and_meets_a_duty(open_as: Opener, screenshot: Shot) -> None:
    page = open_as("officer")
    page.goto("/reports/Kent/B2")
    expect(page.locator("[data-testid=journey]")).to_contain_text("No step recorded")
    _open_form(page, "referral")
    # only the chosen kind's fields are shown
    expect(page.locator("[data-step-fields=referral]")).to_be_visible()
    expect(page.locator("[data-step-fields=outcome]")).to_be_hidden()
    page.fill(f"{FORM} input[name=at]", "2024-04-03T10:00")
    page.select_option("select[name='referral.service']", "sarc")
    page.select_option("select[name='referral.answer']", "accepted")
    screenshot(page, "step-form")
    page.click(f"{FORM} button[type=submit]")
    steps = page.locator("[data-testid=journey-steps]")
    expect(steps).to_contain_text("Referral to support")
    expect(steps).to_contain_text("SARC")
    expect(page.locator("[data-testid=history]")).to_contain_text("referral")

    _open_form(page, "arrested")
    page.fill(f"{FORM} input[name=at]", "2024-04-04T09:00")
    page.click(f"{FORM} button[type=submit]")
    duty = page.locator("[data-testid=duties] tr", has_text="Suspect arrested")
    expect(duty).to_contain_text("overdue")

    _open_form(page, "victim_updated")
    told_of = page.locator("select[name='victim_updated.told_of'] option").nth(1)
    expect(told_of).to_contain_text("Suspect arrested")
    page.select_option("select[name='victim_updated.told_of']", told_of.get_attribute("value"))
    page.select_option("select[name='victim_updated.how']", "phone")
    page.fill(f"{FORM} input[name=at]", "2024-04-04T15:00")
    page.click(f"{FORM} button[type=submit]")
    expect(duty.locator(".badge")).to_have_text("met")
    expect(duty).to_contain_text("(phone)")
    screenshot(page, "duty-met")


def test_a_refused_step_shows_its_rule_and_keeps_the_form(
    open_as: Opener, screenshot: Shot
) -> None:
    page = open_as("officer")
    page.goto("/reports/Kent/B1")
    _open_form(page, "charged")
    page.fill(f"{FORM} input[name=at]", "2024-03-10T10:00")
    page.select_option("select[name='charged.route']", "charge")
    page.click(f"{FORM} button[type=submit]")
    error = page.locator("[data-testid=step-error]")
    expect(error).to_contain_text("INV-1")
    expect(error).to_contain_text("needs an earlier arrest")
    expect(page.locator(f"{FORM} select[name=step]")).to_have_value("charged")
    expect(page.locator("select[name='charged.route']")).to_have_value("charge")
    expect(page.locator(f"{FORM} input[name=at]")).to_have_value("2024-03-10T10:00")
    expect(page.locator("[data-testid=journey]")).to_contain_text("No step recorded")
    screenshot(page, "step-refused")


def test_the_officers_home_page_lists_the_victims_to_tell(
    open_as: Opener, screenshot: Shot
) -> None:
    page = open_as("officer")
    page.goto("/")
    duties = page.locator("[data-testid=my-duties]")
    expect(duties).to_contain_text("Kent B5")
    expect(duties).to_contain_text("overdue")
    screenshot(page, "my-duties")
    duties.locator("a", has_text="Kent B5").click()
    expect(page.locator("h1")).to_contain_text("Kent B5")
    expect(page.locator("[data-testid=duties] tr", has_text="Suspect arrested")).to_contain_text(
        "overdue"
    )
