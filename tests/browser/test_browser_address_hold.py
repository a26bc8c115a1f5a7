"""A network address held back after too many failed sign-ins, in Chromium: whoever signs in
from it is told so, even with the right password; the administrator sees it on the users page,
releases it, and the next sign-in from it gets in."""

from collections.abc import Callable

from playwright.sync_api import Browser, Page

PASSWORD = "correct horse battery staple"  # every test user's (tests/browser/conftest.py)
FAILURES = 30  # CASELINK_ADDRESS_FAILURES' default


def try_sign_in(page: Page, name: str, password: str) -> str:
    page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    return page.locator("main").inner_text()


def test_an_administrator_releases_an_address_held_back(
    open_as: Callable[..., Page],
    browser: Browser,
    server: str,
    screenshot: Callable[[Page, str], None],
) -> None:
    ada = open_as("admin", why=None)  # signed in before the address she shares is held back
    sprayer = browser.new_context(base_url=server).new_page()
    for i in range(FAILURES):  # guesses at names, none of them anyone's: no account locks
        try_sign_in(sprayer, f"guess{i}", "Summer2024!")
    refused = try_sign_in(sprayer, "olive", PASSWORD)
    assert "too many failed sign-ins from your network address" in refused
    screenshot(sprayer, "address-hold-1-refused")

    ada.goto("/admin/users")
    held = ada.locator("[data-testid=held-addresses]")
    assert held.is_visible()
    row = held.locator("tbody tr")
    assert row.count() == 1
    assert row.locator("td").nth(0).inner_text() == "127.0.0.1"
    assert row.locator("td").nth(1).inner_text() == str(FAILURES)
    screenshot(ada, "address-hold-2-users-page")
    row.locator("button", has_text="Release").click()
    ada.wait_for_url("**/admin/users")
    assert ada.locator("[data-testid=held-addresses]").count() == 0
    assert "No network address is held back." in ada.locator("main").inner_text()

    try_sign_in(sprayer, "olive", PASSWORD)
    assert sprayer.locator("[data-testid=signed-in]").is_visible()
    ada.goto("/admin/access-log")
    assert (
        "released sign-ins from 127.0.0.1 (30 failed sign-in(s))"
        in ada.locator("main").inner_text()
    )
    sprayer.context.close()
