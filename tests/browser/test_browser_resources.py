"""Every resource a page asks for is there: signing in and each role's home page load without
a single 4xx or 5xx answer, the favicon included.

Headless Chromium does not fetch a page's icon itself, so the test fetches it from the page the
way a desktop browser does: the icon the page links to, or /favicon.ico when it links none."""

from playwright.sync_api import Browser, Response

from browser.conftest import PASSWORD, USERS

ICON = """() => {
  const link = document.querySelector("link[rel~=icon]");
  const url = link ? link.href : new URL("/favicon.ico", location.href).href;
  return fetch(url).then(a => [url, a.status, a.headers.get("content-type")]);
}"""


def test_no_page_asks_for_a_missing_resource(server: str, browser: Browser) -> None:
    failed: list[str] = []
    seen: list[str] = []
    icons: set[tuple[str, int, str]] = set()
    for role, name in USERS.items():
        context = browser.new_context(base_url=server)

        def record(response: Response, role: str = role) -> None:
            seen.append(response.url)
            if response.status >= 400:
                failed.append(f"{role}: {response.status} {response.url}")

        context.on("response", record)
        try:
            page = context.new_page()
            page.goto("/login")
            icons.add(tuple(page.evaluate(ICON)))
            page.fill("input[name=name]", name)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("[data-testid=signed-in]")
            page.goto("/")
            page.wait_for_load_state("networkidle")
            icons.add(tuple(page.evaluate(ICON)))
        finally:
            context.close()
    assert any(url.endswith("/static/style.css") for url in seen)  # responses were recorded
    failed += [f"{status} {url}" for url, status, _ in icons if status >= 400]
    assert failed == []
    assert {kind for _, _, kind in icons} == {"image/svg+xml"}
