"""Sign-in and tokens as an administrator and an attacker meet them over the web and the API:
justifications within bounds, passwords that cannot be guessed, tokens that expire or are
revoked, a deactivation that ends everything at once, a flood of sign-ins turned away."""

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from caselink.bootstrap import App
from caselink.domain.errors import InvalidValue
from caselink.domain.roles import Role
from caselink.services import auth, demo, users
from caselink.services.consultation import MAX_REASON, MIN_REASON
from caselink.web import create_app

Headers = Callable[[str], dict[str, str]]
REPORT = "/api/v1/reports/Kent/K1"


@pytest.mark.parametrize(
    ("why", "status"),
    [
        ("x", 400),
        ("a" * (MIN_REASON - 1), 400),
        ("a" * MIN_REASON, 200),
        ("why " * (MAX_REASON // 4), 200),
        ("y" * 60_000, 400),
    ],
    ids=["one-character", "just-short", "shortest", "longest", "sixty-thousand"],
)
def test_the_api_applies_the_justification_bounds(
    store: App, client: Any, token_for: Headers, why: str, status: int
) -> None:
    answer = client.get(REPORT, headers={**token_for("analyst"), "X-Justification": why})
    assert answer.status_code == status, answer.text
    with store.context.db.reader() as uow:
        logged = [e for e in uow.access_log.recent(5, "ann") if e.action == "consult"]
    if status == 200:
        assert [e.justification for e in logged] == [" ".join(why.split())]
    else:
        assert "justification" in answer.text or "few words" in answer.text
        assert logged == []


def test_the_web_form_and_the_api_share_one_rule(
    store: App, signed_in: Callable[..., Any], csrf_of: Callable[..., str]
) -> None:
    c = signed_in("officer", why=None)
    for text in ("x", "z" * (MAX_REASON + 1)):
        refused = c.post(
            "/justification", data={"csrf_token": csrf_of(c), "other": text, "next": "/"}
        )
        assert refused.status_code == 422
        assert str(MIN_REASON if len(text) < MIN_REASON else MAX_REASON) in refused.context["error"]
    # Before, the form cut a long justification to 500 characters without a word; now it is
    # refused, and a justification at the limit is kept whole.
    kept = "k" * MAX_REASON
    given = c.post("/justification", data={"csrf_token": csrf_of(c), "other": kept, "next": "/"})
    assert given.status_code == 200
    assert given.context["justification"] == kept


@pytest.mark.parametrize(
    "password",
    ["password1234", "qwertyuiop12", "liverpool1234", "            ", "\t\t\t\t\t\t\t\t\t\t\t\t\t",
     "olive-olive-olive"],
)  # fmt: skip
def test_well_known_and_blank_passwords_are_refused(app: App, password: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        users.add_user(app.context, "olivia", Role.OFFICER, password, by="tests")
    assert "password" in str(refused.value)
    assert users.list_users(app.context)[-1].name != "olivia"


def test_the_demo_users_passwords_are_accepted(app: App) -> None:
    for name, _ in demo.DEMO_USERS:
        assert users.password_problem(demo.demo_password(name), name) is None


def test_an_expired_token_is_refused(app: App, client: Any) -> None:
    issued = auth.issue_token(app.context, "ann", "notebook", by="ada", days=1)
    bearer = {"Authorization": f"Bearer {issued.token}"}
    assert client.get("/api/v1/reports", headers=bearer).status_code == 200
    assert issued.expires_at - app.context.clock() <= timedelta(days=1)
    later = issued.expires_at + timedelta(seconds=1)
    shifted = App(app.settings, replace(app.context, clock=lambda: later), app.database_url)
    from fastapi.testclient import TestClient

    with TestClient(create_app(shifted)) as c:
        assert c.get("/api/v1/reports", headers=bearer).status_code == 401


def test_a_token_lives_the_configured_days_unless_asked_otherwise(app: App) -> None:
    now = app.context.clock()
    ctx = replace(
        app.context,
        clock=lambda: now,
        access=replace(app.context.access, token_lifetime=timedelta(days=7)),
    )
    issued = auth.issue_token(ctx, "ann", by="ada")
    assert issued.expires_at - now == timedelta(days=7)
    assert auth.issue_token(ctx, "ann", by="ada", days=30).expires_at - now == timedelta(days=30)
    for days in (0, auth.MAX_TOKEN_DAYS + 1):
        with pytest.raises(InvalidValue):
            auth.issue_token(ctx, "ann", by="ada", days=days)


def test_a_revoked_token_is_refused_and_the_revocation_logged(app: App, client: Any) -> None:
    issued = auth.issue_token(app.context, "ann", by="ada")
    bearer = {"Authorization": f"Bearer {issued.token}"}
    assert client.get("/api/v1/reports", headers=bearer).status_code == 200
    auth.revoke_token(app.context, issued.id, by="ada")
    assert client.get("/api/v1/reports", headers=bearer).status_code == 401
    with app.context.db.reader() as uow:
        done = [e.detail for e in uow.access_log.recent(10, "ada") if e.action == "administer"]
    assert done[0] == f"revoked API token {issued.id} of ann"
    assert done[1].startswith(f"issued API token {issued.id} to ann")


def test_deactivation_ends_sessions_and_tokens_at_once(
    app: App, signed_in: Callable[..., Any], token_for: Headers
) -> None:
    browser = signed_in("analyst")
    bearer = token_for("analyst")
    assert browser.get("/reports").status_code == 200
    assert browser.get("/api/v1/reports", headers=bearer).status_code == 200
    ended = users.deactivate_user(app.context, "ann", by="ada")
    assert ended == (1, 1)
    assert browser.get("/reports", follow_redirects=False).status_code == 303
    assert browser.get("/api/v1/reports", headers=bearer).status_code == 401
    with app.context.db.reader() as uow:
        live = [t for t in uow.sessions.tokens("ann") if t.live(app.context.clock())]
        entry = uow.access_log.recent(1)[0]
    assert live == []
    assert (entry.actor, entry.action) == ("ada", "administer")
    assert entry.detail == "deactivated user ann; ended 1 session(s) and 1 API token(s)"


def test_a_sign_in_that_cannot_get_a_turn_at_hashing_is_told_to_come_back(
    app: App, client: Any, sign_in: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "HASHING_WAIT", 0.05)
    slots = auth.hashing_turns(app.context.access.password_checks).slots
    for _ in range(app.context.access.password_checks):
        assert slots.acquire(timeout=1)
    try:
        busy = sign_in(client, "olive")
    finally:
        for _ in range(app.context.access.password_checks):
            slots.release()
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "30"
    assert sign_in(client, "olive").status_code == 200
    # A full queue turns a sign-in away at once, without waiting for a turn.
    monkeypatch.setattr(auth, "MAX_WAITING", 0)
    monkeypatch.setattr(auth, "HASHING_WAIT", 60.0)
    assert sign_in(client, "olive").status_code == 503


def test_the_users_page_shows_each_tokens_number_and_expiry(
    app: App, signed_in: Callable[..., Any]
) -> None:
    issued = auth.issue_token(app.context, "ann", "notebook", by="ada", days=3)
    page = signed_in("admin").get("/admin/users")
    assert page.status_code == 200
    [token] = page.context["tokens"]
    assert (token.id, token.expires_at) == (issued.id, issued.expires_at)
    assert f"<td>{issued.id}</td><td>ann</td><td>notebook</td>" in page.text
    assert "caselink users revoke-token" in page.text


def test_an_administrator_acts_on_accounts_from_the_users_page(
    app: App,
    signed_in: Callable[..., Any],
    csrf_of: Callable[..., str],
    token_for: Headers,
    sign_in: Callable[..., Any],
    client: Any,
) -> None:
    admin = signed_in("admin")
    analyst = signed_in("analyst")
    bearer = token_for("analyst")
    issued = auth.issue_token(app.context, "olive", "case system", by="ada")
    for _ in range(auth.LOCKOUT_FAILURES):
        sign_in(client, "oscar", "a wrong password!")
    page = admin.get("/admin/users")
    assert 'action="/admin/users/oscar/unlock"' in page.text
    assert 'action="/admin/users/ada/deactivate"' not in page.text  # not oneself
    assert f'action="/admin/tokens/{issued.id}/revoke"' in page.text
    # Without the session's CSRF token nothing is done.
    assert admin.post("/admin/users/ann/deactivate", data={}).status_code == 403
    assert analyst.get("/reports").status_code == 200
    done = admin.post("/admin/users/ann/deactivate", data={"csrf_token": csrf_of(admin)})
    assert done.status_code == 200
    assert done.template.name == "users.html"
    assert analyst.get("/reports", follow_redirects=False).status_code == 303
    assert analyst.get("/api/v1/reports", headers=bearer).status_code == 401
    admin.post("/admin/users/oscar/unlock", data={"csrf_token": csrf_of(admin)})
    assert sign_in(client, "oscar").status_code == 200
    admin.post(f"/admin/tokens/{issued.id}/revoke", data={"csrf_token": csrf_of(admin)})
    bearer_olive = {"Authorization": f"Bearer {issued.token}"}
    assert client.get("/api/v1/reports", headers=bearer_olive).status_code == 401
    refused = admin.post("/admin/users/ada/deactivate", data={"csrf_token": csrf_of(admin)})
    assert refused.status_code == 403
    with app.context.db.reader() as uow:
        done_by_ada = [
            e.detail for e in uow.access_log.recent(20, "ada") if e.action == "administer"
        ]
    assert done_by_ada[:3] == [
        f"revoked API token {issued.id} of olive",
        "unlocked user oscar",
        "deactivated user ann; ended 1 session(s) and 1 API token(s)",
    ]


def test_an_administrator_releases_an_address_held_back_from_the_users_page(
    app: App,
    signed_in: Callable[..., Any],
    csrf_of: Callable[..., str],
    sign_in: Callable[..., Any],
    client: Any,
) -> None:
    admin = signed_in("admin")  # before its address is held back: the test client has one
    assert "No network address is held back." in admin.get("/admin/users").text
    for name in ("nobody", "olive", "rita") * 10:  # spraying names: no account is locked
        assert sign_in(client, name, "Summer2024!").status_code == 401
    assert sign_in(client, "oscar").status_code == 429
    page = admin.get("/admin/users")
    [held] = page.context["held"]
    assert (held.address, held.failures) == ("testclient", 30)
    assert 'name="address" value="testclient"' in page.text
    assert admin.post("/admin/addresses/release", data={"address": "testclient"}).status_code == 403
    done = admin.post(
        "/admin/addresses/release", data={"address": "testclient", "csrf_token": csrf_of(admin)}
    )
    assert done.template.name == "users.html"
    assert done.context["held"] == []
    assert sign_in(client, "oscar").status_code == 200
    with app.context.db.reader() as uow:
        [entry, *_] = uow.access_log.recent(5, "ada")
    assert entry.detail == "released sign-ins from testclient (30 failed sign-in(s))"
