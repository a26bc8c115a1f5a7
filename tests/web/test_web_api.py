"""The JSON API: tokens, roles, justification, the documents other systems read, the schema."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from caselink.bootstrap import App
from caselink.cli.app import app as cli
from caselink.storage.tables import api_tokens

Headers = Callable[[str], dict[str, str]]
WHY = {"X-Justification": "checking the recording decision"}


def test_reports_list_carries_the_keys_other_systems_need(
    store: App, client: Any, token_for: Headers
) -> None:
    answer = client.get(
        "/api/v1/reports?force=Kent&status=crime&limit=2", headers=token_for("officer")
    )
    assert answer.status_code == 200
    doc = answer.json()
    assert [i["reference"] for i in doc["items"]] == ["K3", "K2"]
    assert doc["more"] is True
    item = doc["items"][0]
    assert {"force", "reference", "status", "offence_code", "reported_at"} <= set(item)
    rest = client.get("/api/v1/reports?offset=2", headers=token_for("officer")).json()
    assert [i["reference"] for i in rest["items"]] == ["K1"]
    assert rest["more"] is False


def test_one_report_with_persons_and_the_read_logged(
    store: App, client: Any, token_for: Headers
) -> None:
    answer = client.get("/api/v1/reports/Kent/K1", headers={**token_for("analyst"), **WHY})
    assert answer.status_code == 200
    persons = {(p["role"], p["forename"], p["surname"]) for p in answer.json()["persons"]}
    assert ("complainant", "Jessamy", "Quartermaine") in persons
    with store.context.db.reader() as uow:
        entry = uow.access_log.recent(1)[0]
    assert (entry.actor, entry.reference, entry.justification) == (
        "ann",
        "K1",
        WHY["X-Justification"],
    )


def test_personal_data_without_a_justification_is_400(
    store: App, client: Any, token_for: Headers
) -> None:
    for url in ("/api/v1/reports/Kent/K1", "/api/v1/reports/Kent/K1/links"):
        answer = client.get(url, headers=token_for("analyst"))
        assert answer.status_code == 400
        assert "X-Justification" in answer.text or "why" in answer.text
    with store.context.db.reader() as uow:
        assert uow.access_log.recent(10, "ann") == []


def test_an_inspector_gets_no_complainant_name_anywhere(
    store: App, client: Any, token_for: Headers
) -> None:
    headers = {**token_for("inspector"), **WHY}
    doc = client.get("/api/v1/reports/Kent/K1", headers=headers)
    assert doc.status_code == 200
    assert doc.json()["pseudonymised"] is True
    text = json.dumps(doc.json())
    assert "Jessamy" not in text
    assert "Quartermaine" not in text
    assert "1990-02-03" not in text
    complainant = [p for p in doc.json()["persons"] if p["role"] == "complainant"]
    assert complainant == [
        {
            "role": "complainant",
            "forename": None,
            "surname": None,
            "aliases": [],
            "date_of_birth": None,
            "postcode": None,
        }
    ]
    assert doc.json()["narrative"] is None
    for url in ("/api/v1/reports", "/api/v1/integrity/funnel"):
        listing = client.get(url, headers=headers)
        assert listing.status_code == 200
        assert "Quartermaine" not in listing.text
    for url in ("/api/v1/reports/Kent/K1/links", "/api/v1/series", "/api/v1/access-log"):
        assert client.get(url, headers=headers).status_code == 403


def test_links_and_series_are_empty_before_a_linkage_run(
    store: App, client: Any, token_for: Headers
) -> None:
    headers = {**token_for("analyst"), **WHY}
    assert client.get("/api/v1/reports/Kent/K1/links", headers=headers).json() == {
        "run": None,
        "series_id": None,
        "links": [],
    }
    assert client.get("/api/v1/series", headers=headers).json() == {"run": None, "series": []}
    assert client.get("/api/v1/reports/Kent/NOPE/links", headers=headers).status_code == 404


def test_the_funnel_has_every_force_with_rape_reports(
    store: App, client: Any, token_for: Headers
) -> None:
    doc = client.get("/api/v1/integrity/funnel", headers=token_for("inspector")).json()
    assert doc["national_rate"] == 0.0
    assert [(u["unit"], u["events"], u["total"]) for u in doc["units"]] == [("Kent", 0, 2)]


def test_admins_read_the_access_log(store: App, client: Any, token_for: Headers) -> None:
    client.get("/api/v1/reports/Kent/K2", headers={**token_for("registrar"), **WHY})
    log = client.get("/api/v1/access-log?user=rita", headers=token_for("admin")).json()
    assert [(e["actor"], e["reference"], e["justification"]) for e in log] == [
        ("rita", "K2", WHY["X-Justification"])
    ]


def test_health_and_schema_need_no_token(client: Any) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/reports/{force}/{reference}" in schema["paths"]
    assert "token" in schema["components"]["securitySchemes"]


def test_caselink_users_token_prints_a_token_stored_only_as_its_hash(
    app: App, client: Any, tmp_path: Path
) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["users", "token", "ann", "--label", "notebook", "--json"],
        env={"CASELINK_DATABASE_URL": app.database_url},
    )
    assert result.exit_code == 0, result.output
    token = json.loads(result.stdout)["token"]
    answer = client.get("/api/v1/series", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    with app.context.db.reader() as uow:
        stored = uow.connection.execute(select(api_tokens.c.token_hash, api_tokens.c.label)).all()
    assert len(stored) == 1
    assert stored[0].label == "notebook"
    assert token not in stored[0].token_hash
    unknown = runner.invoke(
        cli, ["users", "token", "nobody"], env={"CASELINK_DATABASE_URL": app.database_url}
    )
    assert unknown.exit_code == 1


def test_a_nul_character_is_a_bad_request_not_a_server_error(
    store: App, client: Any, token_for: Headers
) -> None:
    response = client.get("/api/v1/access-log?user=%00", headers=token_for("admin"))
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
