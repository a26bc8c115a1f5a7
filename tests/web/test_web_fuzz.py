"""Every route of the web application, fuzzed: hostile path, query and form values, posted with a
valid session and CSRF token by every role (and bearer tokens for the JSON API), never answer a
server error. The routes are read from the application itself, so a route added later is fuzzed
without a line here; a form that reads its fields itself (``await request.form()``) gets the
field names every other route declares, and those of the report and step forms."""

import os
import warnings
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caselink.bootstrap import App
from caselink.web import create_app
from caselink.web.routes.report_pages import NEW_FIELDS
from caselink.web.step_form import STEP_FIELDS, input_name

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

Client = Callable[..., Any]
ROLES = ("officer", "registrar", "analyst", "inspector", "admin")
HUGE = "9" * 25
EXAMPLES_PER_ROUTE = 8
# Routes that serve files, not input: nothing to fuzz.
SKIPPED = {"/static/plotly.min.js", "/favicon.ico"}

HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "7",
    "²",
    "٣",
    HUGE,
    "-" + HUGE,
    "1e400",
    "nan",
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59-05:00",
    "0001-01-01T00:00+05:00",
    "K1",
    "K2",
    "Kent",
    "crime",
    "n100",
    "C4",
    "authorise",
    "refuse",
    "correct",
    "suspect",
    "arrested",
    "charged",
    "19C",
    "rape",
    "a\x00b",
    "=1+2",
    "../../etc",
    "%",
    "<script>",
    "x" * 3000,
]
# Query names the pages read from request.query_params themselves.
QUERY_NAMES = ["page", "from", "to", "status", "offence", "force", "q", "linked", "pending",
               "group", "next", "user"]  # fmt: skip
# Plausible values, so a request gets past the first check to the code behind it; each example
# then replaces some of them with hostile ones.
BASELINE = {
    "force": "Kent",
    "reference": "K9",
    "reported_at": "2024-06-01T21:30",
    "occurred_from": "2024-06-01T20:00",
    "offence_code": "20A",
    "narrative": "Account taken.",
    "step": "arrested",  # at no given time: now, so no two examples post the very same step
    "decision": "crime",
    "code": "C4",
    "rationale": "Recorded in error: keyed twice by the control room.",
    "evidence": "The control room log.",
    "verdict": "correct",
    "role": "suspect",
    "surname": "Smith",
    "how": "phone",
    "note": "Agreed.",
    "reason": "Reviewed.",
    "other": "crime data integrity audit",
    "next": "/",
    "name": "olive",
    "password": "not the password",
}
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def routes_of(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """(path, route) for every route of the app, through included routers however nested."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from routes_of(inner.routes, prefix + getattr(context, "prefix", ""))


def app_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    found = {
        (method, path): route
        for path, route in routes_of(list(app.routes))
        for method in route.methods
        if method in ("GET", "POST") and path not in SKIPPED
    }
    return [(method, path, found[method, path]) for method, path in sorted(found)]


def declared(route: APIRoute) -> tuple[list[str], list[str], list[str]]:
    """The names of a route's path, query and body parameters, its dependencies' included."""
    found: tuple[set[str], set[str], set[str]] = (set(), set(), set())

    def walk(dependant: Any) -> None:
        for names, params in zip(
            found,
            (dependant.path_params, dependant.query_params, dependant.body_params),
            strict=True,
        ):
            names.update(p.alias for p in params)
        for sub in dependant.dependencies:
            walk(sub)

    walk(route.dependant)
    return sorted(found[0]), sorted(found[1]), sorted(found[2])


def field_pool(routes: list[tuple[str, str, APIRoute]]) -> list[str]:
    names = {n for _, _, r in routes for n in declared(r)[1] + declared(r)[2]}
    names |= set(NEW_FIELDS) | {"mo.approach", "step", "at", "expected_version", "page"}
    names |= {input_name(k.value, f.name) for k, fields in STEP_FIELDS.items() for f in fields}
    return sorted(names)


def path_value(name: str) -> st.SearchStrategy[str]:
    if name.endswith("_id"):
        return st.one_of(
            st.sampled_from(["1", "7", "0", "-1", HUGE, "²"]),
            st.integers(min_value=-(2**70), max_value=2**70).map(str),
        )
    if name == "force":
        return st.one_of(st.just("Kent"), st.text(min_size=1, max_size=12))
    if name == "reference":
        return st.one_of(st.sampled_from(["K1", "K2", "K3"]), st.text(min_size=1, max_size=12))
    return st.text(min_size=1, max_size=12)


@pytest.fixture
def clients(linked: App, signed_in: Client) -> dict[str, Any]:
    """A signed-in client per role (with a justification given), and one signed in as nobody."""
    opened = {role: signed_in(role) for role in ROLES}
    anonymous = TestClient(create_app(linked))
    anonymous.__enter__()
    opened["nobody"] = anonymous
    yield opened
    anonymous.__exit__(None, None, None)


def test_no_route_answers_a_server_error(
    linked: App,
    clients: dict[str, Any],
    csrf_of: Callable[[Any], str],
    token_for: Callable[[str], dict[str, str]],
) -> None:
    routes = app_routes(create_app(linked))
    assert len(routes) > 30, "the routes of the app were not found"
    fuzz = Fuzz(clients, csrf_of, token_for, field_pool(routes))
    for method, path, route in routes:
        fuzz.route(method, path, *declared(route))
    # the roles that may use a route were found for most: the fuzz reached the code behind them
    assert sum(1 for roles in fuzz.admitted.values() if roles) > len(routes) // 2


class Fuzz:
    """Requests to one route after another, as every role, with hostile values."""

    def __init__(
        self,
        clients: dict[str, Any],
        csrf_of: Callable[[Any], str],
        token_for: Callable[[str], dict[str, str]],
        pool: list[str],
    ) -> None:
        self.clients, self.pool = clients, pool
        self.csrf = {role: csrf_of(c) for role, c in clients.items() if role != "nobody"}
        self.tokens = {role: token_for(role) for role in ROLES}
        self.admitted: dict[tuple[str, str], list[str]] = {}

    def send(
        self,
        role: str,
        method: str,
        path: str,
        url: str,
        query: dict[str, str],
        form: dict[str, str],
    ) -> Any:
        if path.startswith("/api/"):
            client = self.clients["nobody"]
            headers = {**self.tokens[role], "X-Justification": "crime data integrity audit"}
            if method == "GET":
                return client.get(url, params=query, headers=headers)
            return client.post(url, params=query, json=form, headers=headers)
        # Signing in is fuzzed by nobody; signing out too, so no role's session ends midway.
        nobody = path in ("/login", "/logout")
        client = self.clients["nobody" if nobody else role]
        if method == "GET":
            return client.get(url, params=query)
        if path == "/login":
            token = {"login_csrf": client.get("/login").context["login_csrf"]}
        else:
            token = {"csrf_token": self.csrf[role]}
        return client.post(url, params=query, data={**BASELINE, **form, **token})

    def route(
        self,
        method: str,
        path: str,
        path_names: list[str],
        query_names: list[str],
        body_names: list[str],
    ) -> None:
        plain = {n: {"force": "Kent", "reference": "K1"}.get(n, "1") for n in path_names}
        url = fill(path, plain)
        # the roles not refused outright: examples are drawn from them, so they reach the code
        admitted = [
            role
            for role in ROLES
            if self.send(role, method, path, url, {}, {}).status_code not in (401, 403)
        ]
        self.admitted[method, path] = admitted
        form_names = body_names or (self.pool if method == "POST" else [])

        @settings(
            max_examples=EXAMPLES_PER_ROUTE,
            database=None,
            # the same examples on every CI run, so a red run is a change's doing; new ones here
            derandomize=os.environ.get("CI") == "true",
            suppress_health_check=list(HealthCheck),
        )
        @given(
            role=st.sampled_from(admitted or list(ROLES)),
            in_path=st.fixed_dictionaries({n: path_value(n) for n in path_names}),
            query=st.dictionaries(st.sampled_from(query_names or QUERY_NAMES), values, max_size=4),
            form=st.dictionaries(st.sampled_from(form_names or ["x"]), values, max_size=6),
        )
        def one_request(
            role: str, in_path: dict[str, str], query: dict[str, str], form: dict[str, str]
        ) -> None:
            url = fill(path, in_path)
            answer = self.send(role, method, path, url, query, form)
            assert answer.status_code < 500, (method, url, query, form, answer.text[:300])

        one_request()


def fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path
