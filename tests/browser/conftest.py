"""A live caselink server (uvicorn in a thread, on a free port) over a SQLite store, and
Chromium driven by Playwright. Screenshots go to test-artifacts/browser/."""

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import insert, select

from caselink.bootstrap import App, build
from caselink.domain.roles import Role
from caselink.services import users
from caselink.services.context import Actor
from caselink.services.importing import Kind, import_file
from caselink.storage.tables import link_runs, link_series, report_links, reports
from caselink.web import create_app
from support.sample_files import report, write_persons, write_reports

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
PASSWORD = "correct horse battery staple"
USERS = {
    "officer": "olive",
    "registrar": "rita",
    "analyst": "ann",
    "inspector": "ian",
    "admin": "ada",
}
COMPLAINANT = ("Philippa", "Wrenfield")


def _seed(application: App, folder: Path) -> None:
    ctx = application.context
    for role, name in USERS.items():
        users.add_user(ctx, name, Role(role), PASSWORD, by="tests")
    users.add_user(ctx, "oscar", Role.OFFICER, PASSWORD, by="tests")
    rows = [
        report("B1"),
        report(
            "B2",
            latitude="51.30",
            longitude="0.60",
            reported_at="2024-04-02T22:00:00",
            decided_at="2024-04-03T09:00:00",
            occurred_from="2024-04-02T21:00:00",
            occurred_to="2024-04-02T21:30:00",
        ),
        report(
            "B3",
            status="cancelled",
            cancellation_code="C2",
            cancellation_rationale="CCTV shows the complainant elsewhere at the time.",
            cancellation_evidence="CCTV footage reviewed on 2024-03-20.",
            cancellation_authorised_by="rita",
            latitude="51.25",
            longitude="0.48",
            reported_at="2024-03-01T20:00:00",
            decided_at="2024-03-02T09:00:00",
            occurred_from="2024-03-01T19:00:00",
            occurred_to="2024-03-01T19:30:00",
        ),
    ]
    persons = [
        {
            "reference": "B1",
            "force": "Kent",
            "role": "complainant",
            "source_id": "c1",
            "forename": COMPLAINANT[0],
            "surname": COMPLAINANT[1],
            "date_of_birth": "1991-07-14",
        },
        {
            "reference": "B1",
            "force": "Kent",
            "role": "suspect",
            "source_id": "s1",
            "forename": "Gideon",
            "surname": "Marsh",
        },
    ]
    officer = Actor("olive", Role.OFFICER)
    import_file(ctx, officer, Kind.REPORTS, write_reports(folder / "reports.csv", rows))
    import_file(ctx, officer, Kind.PERSONS, write_persons(folder / "persons.csv", persons))
    # A linkage run written straight into storage: series 1 holds B1, B2 and the written-off B3.
    with ctx.db.unit_of_work() as uow:
        conn = uow.connection
        ids = dict(conn.execute(select(reports.c.reference, reports.c.id)).all())
        run = conn.execute(
            insert(link_runs).values(
                kind="run",
                created_at=ctx.clock(),
                created_by="ann",
                model_version="nb-1",
                settings="{}",
                figures="{}",
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(link_series),
            [{"run_id": run, "series_id": 1, "report_id": ids[r]} for r in ("B1", "B2", "B3")],
        )
        conn.execute(
            insert(report_links),
            [
                {
                    "run_id": run,
                    "report_id": ids["B1"],
                    "other_id": ids["B3"],
                    "rank": 1,
                    "score": 3.1,
                    "components": json.dumps({"distance": 1.8, "approach": 1.2}),
                },
                {
                    "run_id": run,
                    "report_id": ids["B1"],
                    "other_id": ids["B2"],
                    "rank": 2,
                    "score": 2.2,
                    "components": json.dumps({"distance": 1.1, "control": 0.9}),
                },
            ],
        )
        uow.commit()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a caselink server over a fresh seeded SQLite store."""
    folder = tmp_path_factory.mktemp("browser")
    application = build(database=str(folder / "caselink.db"))
    application.initialise()
    _seed(application, folder)
    port = _free_port()
    config = uvicorn.Config(
        create_app(application), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)
    application.context.db.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_as(server: str, browser: Browser) -> Iterator[Callable[..., Page]]:
    """A new browser context signed in as a role's user (and, when given, with a reason)."""
    contexts: list[Any] = []

    def sign_in(role: str, why: str | None = "investigating this report") -> Page:
        context = browser.new_context(base_url=server)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=name]", USERS[role])
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=signed-in]")
        if why:
            page.goto("/justification")
            page.fill("input[name=other]", why)
            page.click("main button[type=submit]")
        return page

    yield sign_in
    for context in contexts:
        context.close()


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    return shot
