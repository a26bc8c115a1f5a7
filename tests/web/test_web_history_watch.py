"""A server over a tampered store says so on every page and refuses every change, from its start
and from the first check after the tampering; reading and signing out still work."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, update

from caselink.bootstrap import App
from caselink.storage.tables import events, reports

NEW = {"force": "Kent", "reference": "X1", "reported_at": "2024-01-01T10:00"}


def _break_the_chain(app: App) -> None:
    with app.context.db.unit_of_work() as uow:
        uow.connection.execute(update(events).where(events.c.seq == 2).values(actor="mallory"))
        uow.commit()


def _reports(app: App) -> int:
    with app.context.db.reader() as uow:
        return int(uow.connection.execute(select(func.count()).select_from(reports)).scalar_one())


def test_a_store_broken_before_the_start_refuses_changes_at_once(
    store: App, signed_in: Callable[[str], Any], csrf_of: Callable[[Any], str]
) -> None:
    _break_the_chain(store)
    officer = signed_in("officer")
    page = officer.get("/reports")
    assert page.status_code == 200
    assert "The history cannot be trusted" in page.text
    before = _reports(store)
    answer = officer.post("/reports/new", data={"csrf_token": csrf_of(officer), **NEW})
    assert answer.status_code == 503
    assert "history verify" in answer.text
    assert _reports(store) == before


def test_a_store_broken_while_serving_is_caught_at_the_next_check(
    store: App,
    signed_in: Callable[[str], Any],
    csrf_of: Callable[[Any], str],
    token_for: Callable[[str], dict[str, str]],
) -> None:
    officer = signed_in("officer")
    assert "The history cannot be trusted" not in officer.get("/reports").text
    headers = token_for("officer")
    _break_the_chain(store)
    officer.app.state.history_watch.check()  # type: ignore[attr-defined]
    assert "The history cannot be trusted" in officer.get("/reports").text
    answer = officer.post("/reports/new", data={"csrf_token": csrf_of(officer), **NEW})
    assert answer.status_code == 503
    api = officer.post(
        "/api/v1/reports/Kent/K1/journey",
        json={"step": "attended", "at": "2024-03-08T01:00:00+00:00"},
        headers={**headers, "X-Justification": "recording the attendance"},
    )
    assert api.status_code == 503
    assert "history cannot be trusted" in api.json()["detail"]
    assert officer.post("/logout", data={"csrf_token": csrf_of(officer)}).status_code < 500
