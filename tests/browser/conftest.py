"""A live caselink server (uvicorn in a thread, on a free port) over a SQLite store, and
Chromium driven by Playwright. Screenshots go to test-artifacts/browser/.

The store: Kent's B1 (with a complainant and a suspect), B2 and B3 (written off) in a linked
series; and, with their victims' journeys, Kent's B4 (charged: outcome 1) and B5 (outcome 16;
the victim never told of the arrest) and Essex's E6 (outcome 18), B4 and E6 in a second series
across the two forces. The role users are national; Kent's analyst kay and Essex's registrar
sue and administrator eda belong to their forces.
"""

import csv
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Locator, Page, sync_playwright
from sqlalchemy import insert, select

from browser.pixels import Pixels, decode_png
from caselink.bootstrap import App, build
from caselink.domain.ownership import Home
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
FORCE_USERS = (
    ("kay", Role.ANALYST, "Kent"),
    ("sue", Role.REGISTRAR, "Essex"),
    ("eda", Role.ADMIN, "Essex"),
)
COMPLAINANT = ("Philippa", "Wrenfield")
MARKER_PIXELS = 20  # a 9-pixel marker has about 60; a 3-pixel line a few hundred


def _seed(application: App, folder: Path) -> None:
    ctx = application.context
    for role, name in USERS.items():
        users.add_user(ctx, name, Role(role), PASSWORD, by="tests")
    users.add_user(ctx, "oscar", Role.OFFICER, PASSWORD, by="tests")
    for name, role, force in FORCE_USERS:
        users.add_user(ctx, name, role, PASSWORD, by="tests", home=Home(force=force))
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
    rows += [report("B4"), report("B5"), report("E6", force="Essex")]
    officer = Actor("olive", Role.OFFICER)
    import_file(ctx, officer, Kind.REPORTS, write_reports(folder / "reports.csv", rows))
    import_file(ctx, officer, Kind.PERSONS, write_persons(folder / "persons.csv", persons))
    import_file(ctx, officer, Kind.JOURNEY, _journey_file(folder / "journey.csv"))
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
            [{"run_id": run, "series_id": 1, "report_id": ids[r]} for r in ("B1", "B2", "B3")]
            + [{"run_id": run, "series_id": 2, "report_id": ids[r]} for r in ("B4", "E6")],
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


# (force, reference, step, at, details)
JOURNEY = [
    ("Kent", "B4", "attended", "2024-03-08T01:00:00Z", {"trained_officer": "true"}),
    ("Kent", "B4", "referral", "2024-03-08T02:00:00Z", {"service": "sarc", "answer": "accepted"}),
    ("Kent", "B4", "referral", "2024-03-08T03:00:00Z", {"service": "isva", "answer": "declined"}),
    ("Kent", "B4", "suspect_identified", "2024-03-09T10:00:00Z", {}),
    ("Kent", "B4", "arrested", "2024-03-11T10:00:00Z", {}),
    ("Kent", "B4", "victim_updated", "2024-03-11T15:00:00Z",
     {"decision": "arrested", "decision_at": "2024-03-11T10:00:00Z", "how": "phone"}),
    ("Kent", "B4", "file_to_cps", "2024-04-01T10:00:00Z", {"purpose": "charging_decision"}),
    ("Kent", "B4", "cps_decision", "2024-05-01T10:00:00Z", {"decision": "charge"}),
    ("Kent", "B4", "charged", "2024-05-02T10:00:00Z", {"route": "charge"}),
    ("Kent", "B4", "victim_updated", "2024-05-02T16:00:00Z",
     {"decision": "charged", "decision_at": "2024-05-02T10:00:00Z", "how": "in_person"}),
    ("Kent", "B4", "outcome", "2024-05-02T17:00:00Z", {"code": "1"}),
    ("Kent", "B5", "attended", "2024-03-08T04:00:00Z", {"trained_officer": "true"}),
    ("Kent", "B5", "referral", "2024-03-08T05:00:00Z", {"service": "sarc", "answer": "accepted"}),
    ("Kent", "B5", "arrested", "2024-03-12T10:00:00Z", {}),
    ("Kent", "B5", "outcome", "2024-06-03T10:00:00Z", {"code": "16"}),
    ("Essex", "E6", "attended", "2024-03-08T06:00:00Z", {"trained_officer": "false"}),
    ("Essex", "E6", "outcome", "2024-04-20T10:00:00Z", {"code": "18"}),
]  # fmt: skip


def _journey_file(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("force", "reference", "step", "at", "actor", "details"))
        for force, reference, step, at, details in JOURNEY:
            writer.writerow((force, reference, step, at, "olive", json.dumps(details)))
    return path


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
        page.fill("input[name=name]", USERS.get(role, role))  # a role, or a user's name
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


def pixels_of(element: Locator, name: str) -> Pixels:
    """Screenshot one element (saved as plot-NAME.png) and read its pixels."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return decode_png(element.screenshot(path=str(ARTIFACTS / f"plot-{name}.png")))


def assert_drawn(pixels: Pixels, colours: Sequence[str], name: str) -> None:
    """Fail when the image is all white, or when no colour of `colours` (a trace's marker, line
    or bar colour) covers at least a marker's worth of pixels."""
    assert not pixels.blank(), f"{name}: the chart is an empty white box"
    found = {colour: pixels.count(colour) for colour in colours}
    assert max(found.values()) >= MARKER_PIXELS, f"{name}: no pixel has a trace colour {found}"


def plot_drawn(page: Page, selector: str, colours: Sequence[str], name: str) -> Pixels:
    """Screenshot a plotly chart's box and fail unless it is drawn in one of `colours`.

    Waiting for plotly's elements is not enough: they can all be in the page while a
    stylesheet paints the plot over, so the test looks at what Chromium drew.
    """
    plot = page.locator(selector)
    plot.locator(".cartesianlayer .trace").first.wait_for(state="attached", timeout=15000)
    pixels = pixels_of(plot, name)
    assert_drawn(pixels, colours, name)
    return pixels


def element_drawn(element: Locator, colours: Sequence[str], name: str) -> Pixels:
    """Screenshot any drawing (an SVG of our own) and fail unless it is drawn in `colours`."""
    pixels = pixels_of(element, name)
    assert_drawn(pixels, colours, name)
    return pixels


@pytest.fixture
def chart() -> Callable[[Page, str, Sequence[str], str], Pixels]:
    """Check a plotly chart on a page is drawn: see plot_drawn."""
    return plot_drawn


@pytest.fixture
def drawn() -> Callable[[Locator, Sequence[str], str], Pixels]:
    """Check an element is drawn in its colours: see element_drawn."""
    return element_drawn


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    return shot
