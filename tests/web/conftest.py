"""The web application over the shared `app` fixture: a test client per role, signed in, and a
small store of reports with persons (and, for the journey's pages, K1's and K3's journeys)."""

import csv
import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from caselink.bootstrap import App
from caselink.domain.roles import Role
from caselink.services import auth, recording
from caselink.services.context import Actor
from caselink.services.importing import Kind, import_file
from caselink.storage.tables import (
    link_runs,
    link_series,
    person_entities,
    person_run_records,
    person_runs,
    persons,
    report_links,
    reports,
)
from caselink.web import create_app
from support.sample_files import report, write_persons, write_reports

with warnings.catch_warnings():
    # Starlette's test client warns that it will move to httpx2, which is not installed here.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery staple"
ROLES = {
    "officer": "olive",
    "registrar": "rita",
    "analyst": "ann",
    "inspector": "ian",
    "admin": "ada",
}
COMPLAINANT = ("Jessamy", "Quartermaine")  # a name that appears nowhere else on a page
PREFERENCE = "prefers a female officer, calls after six"  # free text only she should be known by


@pytest.fixture
def store(app: App, tmp_path: Path) -> App:
    """Three Kent reports (K1 a rape crime with a complainant and a suspect, K2, K3)."""
    reports = write_reports(
        tmp_path / "reports.csv",
        [
            report("K1"),
            report("K2", offence_code="20A"),
            report("K3", reported_at="2024-05-01T10:00:00", decided_at="2024-05-01T12:00:00"),
        ],
    )
    persons = write_persons(
        tmp_path / "persons.csv",
        [
            {
                "reference": "K1",
                "force": "Kent",
                "role": "complainant",
                "source_id": "p1",
                "forename": COMPLAINANT[0],
                "surname": COMPLAINANT[1],
                "date_of_birth": "1990-02-03",
            },
            {
                "reference": "K1",
                "force": "Kent",
                "role": "suspect",
                "source_id": "p2",
                "forename": "Dorian",
                "surname": "Blackwood",
            },
        ],
    )
    actor = Actor("olive", Role.OFFICER)
    import_file(app.context, actor, Kind.REPORTS, reports)
    import_file(app.context, actor, Kind.PERSONS, persons)
    return app


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with TestClient(create_app(app)) as c:
        yield c


def _sign_in(c: TestClient, name: str, password: str = PASSWORD) -> Any:
    page = c.get("/login")
    return c.post(
        "/login",
        data={"name": name, "password": password, "login_csrf": page.context["login_csrf"]},
    )


@pytest.fixture
def sign_in() -> Callable[..., Any]:
    """Post the login form (with its CSRF cookie) as a user; returns the response."""
    return _sign_in


@pytest.fixture
def csrf_of() -> Callable[[TestClient], str]:
    """The CSRF token of a signed-in client's session."""
    return _csrf


@pytest.fixture
def signed_in(app: App) -> Iterator[Callable[[str], TestClient]]:
    """A client signed in as a role's user, with a justification given."""
    opened: list[TestClient] = []

    def open_as(role: str, why: str | None = "investigating this report") -> TestClient:
        c = TestClient(create_app(app))
        c.__enter__()
        opened.append(c)
        answer = _sign_in(c, ROLES[role])
        assert answer.status_code == 200, answer.text
        c.headers["x-test-role"] = role
        if why:
            answer = c.post(
                "/justification",
                data={"csrf_token": _csrf(c), "other": why, "next": "/"},
            )
            assert answer.status_code == 200
        return c

    yield open_as
    for c in opened:
        c.__exit__(None, None, None)


def _csrf(c: TestClient) -> str:
    token: str = c.get("/").context["csrf_token"]
    return token


@pytest.fixture
def token_for(app: App) -> Callable[[str], dict[str, str]]:
    """Authorization headers with a fresh API token for a role's user."""

    def make(role: str) -> dict[str, str]:
        issued = auth.issue_token(app.context, ROLES[role], by="tests")
        return {"Authorization": f"Bearer {issued.token}"}

    return make


@pytest.fixture
def linked(store: App) -> App:
    """K1 written off (C4, authorised), in series 7 with K2 and K3; one person entity spans K1
    and K3."""
    ctx = store.context
    recording.cancel(
        ctx,
        Actor("olive", Role.OFFICER),
        "Kent",
        "K1",
        code=_c4(),
        rationale="Recorded twice in error.",
        evidence="Control room keying error.",
    )
    recording.authorise(ctx, Actor("rita", Role.REGISTRAR), "Kent", "K1")
    with ctx.db.unit_of_work() as uow:
        conn = uow.connection
        ids = dict(conn.execute(select(reports.c.reference, reports.c.id)).all())
        now = ctx.clock()
        run = conn.execute(
            insert(link_runs).values(
                kind="run",
                created_at=now,
                created_by="ann",
                model_version="nb-1",
                settings="{}",
                figures="{}",
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(link_series),
            [{"run_id": run, "series_id": 7, "report_id": ids[r]} for r in ("K1", "K2", "K3")],
        )
        conn.execute(
            insert(report_links),
            [
                {
                    "run_id": run,
                    "report_id": ids["K1"],
                    "other_id": ids["K3"],
                    "rank": 1,
                    "score": 4.2,
                    "components": json.dumps({"distance": 2.1, "approach": 1.4, "time": 0.01}),
                },
                {
                    "run_id": run,
                    "report_id": ids["K2"],
                    "other_id": ids["K3"],
                    "rank": 1,
                    "score": 1.5,
                    "components": json.dumps({"reasons": ["2.3 km apart +1.9"]}),
                },
            ],
        )
        person_run = conn.execute(
            insert(person_runs).values(
                created_at=now, created_by="ann", threshold=0.9, model="{}", figures="{}"
            )
        ).inserted_primary_key[0]
        suspect = conn.execute(
            select(persons.c.id).where(persons.c.surname == "Blackwood")
        ).scalar_one()
        conn.execute(
            insert(person_entities),
            [
                {
                    "run_id": person_run,
                    "person_id": suspect,
                    "entity_id": "E1",
                    "match_probability": 1.0,
                },
            ],
        )
        conn.execute(
            insert(person_run_records).values(run_id=person_run, first_id=suspect, last_id=suspect)
        )
        uow.commit()
    recording.add_person(ctx, Actor("olive", Role.OFFICER), "Kent", "K3", _suspect())
    with ctx.db.unit_of_work() as uow:
        other = uow.connection.execute(
            select(persons.c.id).where(persons.c.surname == "Blackwod")
        ).scalar_one()
        uow.connection.execute(
            insert(person_entities).values(
                run_id=person_run, person_id=other, entity_id="E1", match_probability=0.97
            )
        )
        uow.connection.execute(
            insert(person_run_records).values(run_id=person_run, first_id=other, last_id=other)
        )
        uow.commit()
    return store


def _c4() -> Any:
    from caselink.domain.rules.cancellation import CancellationCode

    return CancellationCode.C4


def _suspect() -> Any:
    from caselink.domain.person import Person, PersonRole

    return Person(role=PersonRole.SUSPECT, forename="Dorian", surname="Blackwod")


# -- the victim's journey -----------------------------------------------------------------------

# (reference, step, at, details): K1 charged and closed with outcome 1, told of the arrest but not
# of the charge; K3 closed with outcome 16.
JOURNEY = [
    ("K1", "attended", "2024-03-08T01:00:00Z", {"trained_officer": "true",
                                                 "preferences": PREFERENCE}),
    ("K1", "referral", "2024-03-08T02:00:00Z", {"service": "sarc", "answer": "accepted"}),
    ("K1", "suspect_identified", "2024-03-09T10:00:00Z", {}),
    ("K1", "arrested", "2024-03-11T10:00:00Z", {}),
    ("K1", "victim_updated", "2024-03-11T15:00:00Z", {"decision": "arrested", "how": "phone",
                                                       "decision_at": "2024-03-11T10:00:00Z"}),
    ("K1", "file_to_cps", "2024-04-01T10:00:00Z", {"purpose": "charging_decision"}),
    ("K1", "cps_decision", "2024-05-01T10:00:00Z", {"decision": "charge"}),
    ("K1", "charged", "2024-05-02T10:00:00Z", {"route": "charge"}),
    ("K1", "outcome", "2024-05-02T11:00:00Z", {"code": "1"}),
    ("K3", "attended", "2024-05-01T12:00:00Z", {"trained_officer": "false"}),
    ("K3", "referral", "2024-05-01T13:00:00Z", {"service": "isva", "answer": "declined"}),
    ("K3", "suspect_identified", "2024-05-02T10:00:00Z", {}),
    ("K3", "outcome", "2024-05-20T10:00:00Z", {"code": "16"}),
]  # fmt: skip


def import_journey(app: App, path: Path, rows: list[tuple[str, str, str, dict[str, str]]]) -> None:
    """Import journey rows of Kent reports as a journey CSV file."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("force", "reference", "step", "at", "actor", "details"))
        for reference, step, at, details in rows:
            writer.writerow(("Kent", reference, step, at, "olive", json.dumps(details)))
    import_file(app.context, Actor("olive", Role.OFFICER), Kind.JOURNEY, path)


@pytest.fixture
def journeyed(store: App, tmp_path: Path) -> App:
    """The store with K1's and K3's journeys: K1 charged (the victim told of the arrest, not of
    the charge), K3 closed with outcome 16."""
    import_journey(store, tmp_path / "journey.csv", JOURNEY)
    return store


@pytest.fixture
def add_journey() -> Callable[[App, Path, list[tuple[str, str, str, dict[str, str]]]], None]:
    """Import journey rows of Kent reports (reference, step, at, details) into a store."""
    return import_journey
