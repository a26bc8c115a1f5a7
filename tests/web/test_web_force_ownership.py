"""Each force owns its records, over the web: every route that names a report answers a user of
another force as docs/web.md says (its summary, or 403), their own force as before; a national
analyst reads every force; and the request, grant and read show on the owning force's access
report, in pages and API alike."""

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from caselink.bootstrap import App
from caselink.domain.ownership import Home
from caselink.domain.roles import Role
from caselink.services import auth, users
from caselink.services import persons as persons_service
from caselink.services import repeat_suspects as suspects_service
from caselink.services.context import Actor
from caselink.services.importing import Kind, import_file
from caselink.storage.tables import person_entities, person_run_records, person_runs, persons
from caselink.web import create_app
from support.sample_files import report, write_persons, write_reports
from web.conftest import PASSWORD, TestClient
from web.test_web_permissions import ROUTE_MODULES, ROUTES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "web.md"
ROW = re.compile(r"^\| `(GET|POST) ([^`]+)` \| (summary|refused|open) \|\s*$")
# Users of a force, and of a national unit, each with their role.
HOMES = {
    "kate": (Role.OFFICER, Home(force="Kent")),
    "kris": (Role.REGISTRAR, Home(force="Kent")),
    "ken": (Role.ANALYST, Home(force="Kent")),
    "sam": (Role.REGISTRAR, Home(force="Surrey")),
    "sal": (Role.ADMIN, Home(force="Surrey")),
    "nat": (Role.ANALYST, Home(unit="SCAS")),
}
WHY = "checking a possible link to our series"


def foreign_rules() -> dict[tuple[str, str], str]:
    section = DOCS.read_text().split("## Another force's reports", 1)[1].split("\n## ", 1)[0]
    return {
        (m.group(1), m.group(2)): m.group(3)
        for line in section.splitlines()
        if (m := ROW.match(line))
    }


@pytest.fixture
def forces(store: App, tmp_path: Path) -> App:
    """The web store's Kent reports K1–K3, Surrey's S1, and users of both forces and SCAS."""
    ctx = store.context
    path = write_reports(tmp_path / "surrey.csv", [report("S1", force="Surrey")])
    import_file(ctx, Actor("olive", Role.OFFICER), Kind.REPORTS, path)
    for name, (role, home) in HOMES.items():
        users.add_user(ctx, name, role, PASSWORD, by="tests", home=home)
    return store


@pytest.fixture
def as_user(forces: App) -> Iterator[Callable[[str], TestClient]]:
    opened: list[TestClient] = []

    def open_as(name: str) -> TestClient:
        c = TestClient(create_app(forces))
        c.__enter__()
        opened.append(c)
        page = c.get("/login")
        answer = c.post(
            "/login",
            data={"name": name, "password": PASSWORD, "login_csrf": page.context["login_csrf"]},
        )
        assert answer.status_code == 200, answer.text
        c.post("/justification", data={"csrf_token": csrf(c), "other": WHY, "next": "/"})
        return c

    yield open_as
    for c in opened:
        c.__exit__(None, None, None)


def csrf(c: TestClient) -> str:
    token: str = c.get("/").context["csrf_token"]
    return token


def api(forces: App, name: str) -> dict[str, str]:
    issued = auth.issue_token(forces.context, name, by="tests")
    return {"Authorization": f"Bearer {issued.token}", "X-Justification": WHY}


def test_every_route_naming_a_report_has_a_rule_for_other_forces(app: App) -> None:
    served = {
        (method, route.path)
        for module in ROUTE_MODULES
        for route in module.router.routes
        for method in getattr(route, "methods", set()) or set()
        if "{force}" in route.path and method in ("GET", "POST")
    }
    assert served == set(foreign_rules())


def _call(
    c: TestClient, method: str, path: str, headers: dict[str, str], force: str, reference: str
) -> Any:
    url = path.replace("{force}", force).replace("{reference}", reference)
    if path.startswith("/api/"):
        return c.request(method, url, headers=headers)
    if method == "POST":
        return c.post(url, data={"csrf_token": csrf(c)})
    return c.get(url)


@pytest.mark.parametrize("name", ["kate", "kris", "ken"])
def test_a_force_user_meets_another_forces_report_as_documented(
    forces: App, as_user: Callable[[str], TestClient], name: str
) -> None:
    role = HOMES[name][0].value
    allowed = {(m, p): rule[role] for m, p, rule in ROUTES}
    c, headers = as_user(name), api(forces, name)
    wrong = []
    for (method, path), rule in foreign_rules().items():
        if not allowed[(method, path)]:
            continue  # the role's own limits answer first, as test_web_permissions checks
        theirs = _call(c, method, path, headers, "Surrey", "S1")
        ours = _call(c, method, path, headers, "Kent", "K1")
        shows_summary = theirs.status_code == 200 and 'data-testid="summary-only"' in theirs.text
        if rule == "summary" and not shows_summary:
            wrong.append(f"{method} {path} on Surrey: {theirs.status_code}, not its summary")
        if rule == "refused" and theirs.status_code != 403:
            wrong.append(f"{method} {path} on Surrey: {theirs.status_code}, not 403")
        if rule == "open" and (theirs.status_code == 403 or theirs.status_code >= 500):
            wrong.append(f"{method} {path} on Surrey: {theirs.status_code}")
        if ours.status_code == 403 or ours.status_code >= 500:
            wrong.append(f"{method} {path} on Kent: {ours.status_code}")
    assert wrong == []


def test_a_national_analyst_reads_every_force(forces: App, as_user: Callable[..., Any]) -> None:
    c = as_user("nat")
    page = c.get("/reports/Surrey/S1")
    assert page.status_code == 200
    assert 'data-testid="summary-only"' not in page.text
    assert c.get("/api/v1/reports/Surrey/S1", headers=api(forces, "nat")).status_code == 200


def test_ask_grant_read_and_the_owning_forces_access_report(
    forces: App, as_user: Callable[..., Any]
) -> None:
    ken = as_user("ken")
    summary = ken.get("/reports/Surrey/S1")
    assert 'data-testid="ask-access"' in summary.text
    assert "Jessamy" not in summary.text
    asked = ken.post(
        "/access-requests",
        data={"csrf_token": csrf(ken), "force": "Surrey", "reference": "S1", "reason": WHY},
    )
    assert 'data-testid="request-pending"' in asked.text

    kris = as_user("kris")  # Kent's registrar does not decide for Surrey
    assert 'data-testid="waiting"' not in kris.get("/access-requests").text
    sam = as_user("sam")
    waiting = sam.get("/access-requests")
    request_id = re.search(r'data-testid="decide-(\d+)"', waiting.text)
    assert request_id is not None
    refused = kris.post(
        f"/access-requests/{request_id.group(1)}",
        data={"csrf_token": csrf(kris), "decision": "grant", "days": "3"},
    )
    assert refused.status_code == 403
    granted = sam.post(
        f"/access-requests/{request_id.group(1)}",
        data={"csrf_token": csrf(sam), "decision": "grant", "days": "3"},
    )
    assert granted.status_code == 200

    full = ken.get("/reports/Surrey/S1")
    assert full.status_code == 200
    assert 'data-testid="summary-only"' not in full.text
    log = as_user("sal").get("/admin/access-log").text
    assert "ken" in log
    assert "S1" in log
    # Surrey's access report holds Surrey's records only (K1 as a word: the page's random
    # CSRF token may hold the letters by chance)
    assert not re.search(r"(?<![\w-])K1(?![\w-])", log)


def test_the_api_asks_and_decides_too(forces: App) -> None:
    with TestClient(create_app(forces)) as c:
        ken, sam, kris = api(forces, "ken"), api(forces, "sam"), api(forces, "kris")
        assert c.get("/api/v1/reports/Surrey/S1", headers=ken).status_code == 403
        made = c.post(
            "/api/v1/access-requests",
            json={"force": "Surrey", "reference": "S1", "reason": WHY},
            headers=ken,
        )
        assert made.status_code == 201, made.text
        number = made.json()["id"]
        decision = f"/api/v1/access-requests/{number}/decision"
        assert c.post(decision, json={"grant": True}, headers=kris).status_code == 403
        answer = c.post(decision, json={"grant": True, "days": 2}, headers=sam)
        assert answer.json()["state"] == "granted"
        assert c.get("/api/v1/reports/Surrey/S1", headers=ken).status_code == 200
        assert [r["id"] for r in c.get("/api/v1/access-requests", headers=ken).json()] == [number]


@pytest.fixture
def one_person_two_forces(forces: App, tmp_path: Path) -> tuple[App, int]:
    """Kent K1's suspect and a Surrey S1 suspect resolved to one person (entity E1)."""
    ctx = forces.context
    row = {"reference": "S1", "force": "Surrey", "role": "suspect", "source_id": "s9"}
    row |= {"forename": "Dorian", "surname": "Blackwood"}
    path = write_persons(tmp_path / "p.csv", [row])
    import_file(ctx, Actor("olive", Role.OFFICER), Kind.PERSONS, path)
    with ctx.db.unit_of_work() as uow:
        conn = uow.connection
        ids = [
            int(i)
            for i in conn.execute(
                select(persons.c.id).where(persons.c.surname == "Blackwood").order_by(persons.c.id)
            ).scalars()
        ]
        run = conn.execute(
            insert(person_runs).values(
                created_at=ctx.clock(), created_by="ann", threshold=0.9, model="{}", figures="{}"
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(person_entities),
            [
                {"run_id": run, "person_id": i, "entity_id": "E1", "match_probability": 0.99}
                for i in ids
            ],
        )
        conn.execute(
            insert(person_run_records),
            [{"run_id": run, "first_id": i, "last_id": i} for i in ids],
        )
        uow.commit()
    return forces, ids[0]


def test_a_person_page_shows_what_the_reader_may_read_and_counts_the_rest(
    one_person_two_forces: tuple[App, int], as_user: Callable[..., Any]
) -> None:
    store, kent_suspect = one_person_two_forces
    page = as_user("ken").get(f"/persons/{kent_suspect}")
    assert page.status_code == 200
    assert "Surrey S1" not in page.text
    assert 'data-testid="elsewhere"' in page.text
    assert "Surrey (1)" in page.text
    national = as_user("nat").get(f"/persons/{kent_suspect}").text
    assert "Surrey S1" in national
    assert 'data-testid="elsewhere"' not in national
    ken = Actor("ken", Role.ANALYST, Home(force="Kent"))
    view = persons_service.show(store.context, ken, "E1", why=WHY)
    assert [(r.force, r.reference) for r in view.records] == [("Kent", "K1")]
    assert view.elsewhere == {"Surrey": 1}


def test_a_repeat_suspect_is_named_only_from_reports_the_reader_may_read(
    one_person_two_forces: tuple[App, int],
) -> None:
    store, _ = one_person_two_forces
    ctx = store.context
    kent = suspects_service.repeat_suspects(
        ctx, Actor("ken", Role.ANALYST, Home(force="Kent")), why=WHY
    )
    assert [s.name for s in kent.suspects] == ["Dorian Blackwood"]
    essex = Actor("eve", Role.ANALYST, Home(force="Essex"))
    unnamed = suspects_service.repeat_suspects(ctx, essex, why=WHY).suspects
    assert [(s.label, s.name, s.entity_id) for s in unnamed] == [("person 1", None, None)]
    assert {r.force for r in unnamed[0].reports} == {"Kent", "Surrey"}  # the reports still show
