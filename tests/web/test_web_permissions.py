"""docs/web.md's route table is the truth: every route, for every role, answers as it says."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from caselink.bootstrap import App
from caselink.web import create_app
from caselink.web.routes import (
    access_api,
    access_pages,
    admin_pages,
    api,
    decision_pages,
    integrity_pages,
    journey_api,
    journey_pages,
    linkage_pages,
    outcome_pages,
    outcomes_api,
    person_pages,
    report_pages,
    session_pages,
)

ROUTE_MODULES = (
    access_api,
    access_pages,
    admin_pages,
    api,
    decision_pages,
    integrity_pages,
    journey_api,
    journey_pages,
    linkage_pages,
    outcome_pages,
    outcomes_api,
    person_pages,
    report_pages,
    session_pages,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "web.md"
ROLES = ("officer", "registrar", "analyst", "inspector", "admin")
ROW = re.compile(r"^\| `(GET|POST) ([^`]+)` \|(.*)\|\s*$")
PARAMS = {
    "{force}": "Kent",
    "{reference}": "K1",
    "{sample_id}": "1",
    "{series_id}": "1",
    "{person_id}": "1",
    "{request_id}": "1",
    "{name}": "nobody",  # an administrator's action on no one: 404, not a change to the store
    "{token_id}": "999",
}


def documented() -> list[tuple[str, str, dict[str, bool]]]:
    rows = []
    section = DOCS.read_text().split("## Pages and who may use them", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        m = ROW.match(line)
        if m:
            cells = [c.strip() for c in m.group(3).split("|")]
            assert len(cells) == len(ROLES), line
            rows.append(
                (m.group(1), m.group(2), {r: bool(c) for r, c in zip(ROLES, cells, strict=True)})
            )
    return rows


ROUTES = documented()


def test_the_table_covers_every_route_of_the_application(app: App) -> None:
    open_routes = {
        ("GET", "/login"),
        ("POST", "/login"),
        ("GET", "/healthz"),
        ("POST", "/logout"),
        ("GET", "/justification"),
        ("POST", "/justification"),
        ("GET", "/static/plotly.min.js"),
        ("GET", "/favicon.ico"),
    }
    routes = list(create_app(app).routes)
    for module in ROUTE_MODULES:  # included routers are wrapped: read their own route lists
        routes.extend(module.router.routes)
    served = {
        (method, route.path)
        for route in routes
        for method in getattr(route, "methods", set()) or set()
        if method in ("GET", "POST") and not route.path.startswith(("/api/docs", "/api/v1/openapi"))
    }
    table = {(m, path) for m, path, _ in ROUTES}
    assert served - open_routes == table


def _url(path: str) -> str:
    for name, value in PARAMS.items():
        path = path.replace(name, value)
    return path


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_documented(
    store: App,
    role: str,
    signed_in: Callable[..., Any],
    csrf_of: Callable[..., str],
    token_for: Callable[[str], dict[str, str]],
) -> None:
    page = signed_in(role)
    headers = {**token_for(role), "X-Justification": "permission check"}
    wrong = []
    for method, path, allowed in ROUTES:
        url = _url(path)
        if path.startswith("/api/"):
            answer = page.request(method, url, headers=headers)
        elif method == "POST":
            answer = page.post(url, data={"csrf_token": csrf_of(page)})
        else:
            answer = page.get(url)
        refused = answer.status_code == 403
        if refused == allowed[role] or answer.status_code >= 500:
            wrong.append(f"{method} {path}: {answer.status_code}")
    assert wrong == []


def test_the_api_says_401_without_a_valid_token(store: App, client: Any) -> None:
    for method, path, _ in ROUTES:
        if path.startswith("/api/"):
            assert client.request(method, _url(path)).status_code == 401
            bad = {"Authorization": "Bearer clk_not-a-token"}
            assert client.request(method, _url(path), headers=bad).status_code == 401
