"""Signing in: passwords, lockout (of an account, and of an address trying many names), sessions
kept by their hash, cookie flags, CSRF, logout."""

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from caselink.bootstrap import App
from caselink.services import auth
from caselink.storage.tables import users, web_sessions
from caselink.web import create_app

PASSWORD = "correct horse battery staple"


def test_sign_in_opens_a_session_kept_only_by_its_hash(
    app: App, client: Any, sign_in: Callable[..., Any]
) -> None:
    answer = sign_in(client, "olive")
    assert answer.status_code == 200
    assert answer.template.name == "dashboard.html"
    assert answer.context["user"].name == "olive"
    cookie = client.cookies.get("caselink_session")
    with app.context.db.reader() as uow:
        stored = uow.connection.execute(select(web_sessions.c.id_hash)).scalars().all()
    assert stored == [hashlib.sha256(cookie.encode()).hexdigest()]
    assert cookie not in stored


def test_session_cookie_is_httponly_strict_and_secure_over_https(
    app: App, sign_in: Callable[..., Any]
) -> None:
    from fastapi.testclient import TestClient

    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        with TestClient(create_app(app), base_url=base) as c:
            page = c.get("/login")
            answer = c.post(
                "/login",
                data={
                    "name": "rita",
                    "password": PASSWORD,
                    "login_csrf": page.context["login_csrf"],
                },
                follow_redirects=False,
            )
            assert answer.status_code == 303
            header = answer.headers["set-cookie"].lower()
            assert "caselink_session=" in header
            assert "httponly" in header
            assert "samesite=strict" in header
            assert ("secure" in header) is secure


def test_wrong_password_and_unknown_user_say_the_same(
    client: Any, sign_in: Callable[..., Any]
) -> None:
    wrong = sign_in(client, "olive", "not the password at all")
    unknown = sign_in(client, "nobody", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.context["error"] == unknown.context["error"] == auth.REFUSED
    assert wrong.context["name"] == "olive"  # what was typed stays in the form


def test_five_failures_lock_the_account_for_fifteen_minutes(
    app: App, client: Any, sign_in: Callable[..., Any]
) -> None:
    for _ in range(auth.LOCKOUT_FAILURES):
        assert sign_in(client, "oscar", "a wrong password!").status_code == 401
    locked = sign_in(client, "oscar", PASSWORD)
    assert locked.status_code == 401
    assert "locked" in locked.context["error"]
    # The locked account is answered as an unknown name is, so the answer names no one.
    unknown = sign_in(client, "nobody-here", PASSWORD)
    assert (unknown.status_code, unknown.context["error"]) == (401, locked.context["error"])
    same = unknown.text.replace("nobody-here", "oscar").replace(
        unknown.context["login_csrf"], locked.context["login_csrf"]
    )
    assert same == locked.text
    with app.context.db.reader() as uow:
        until = uow.connection.execute(
            select(users.c.locked_until).where(users.c.name == "oscar")
        ).scalar_one()
    assert until is not None
    now = app.context.clock()
    assert auth.LOCKOUT - (until - now) < auth.LOCKOUT / 10
    # Another user is not affected.
    assert sign_in(client, "olive").status_code == 200


def test_a_lock_ends_and_a_success_clears_the_count(app: App, sign_in: Callable[..., Any]) -> None:
    from datetime import timedelta

    from fastapi.testclient import TestClient

    for _ in range(auth.LOCKOUT_FAILURES):
        auth_fail(app)
    later = app.context.clock() + auth.LOCKOUT + timedelta(seconds=5)
    shifted = App(app.settings, _with_clock(app, later), app.database_url)
    with TestClient(create_app(shifted)) as c:
        assert sign_in(c, "oscar").status_code == 200
    with app.context.db.reader() as uow:
        row = uow.connection.execute(
            select(users.c.failed_logins, users.c.locked_until).where(users.c.name == "oscar")
        ).one()
    assert row.failed_logins == 0
    assert row.locked_until is None


def test_one_address_trying_many_names_is_held_back_and_no_one_else(
    app: App, sign_in: Callable[..., Any]
) -> None:
    from dataclasses import replace
    from datetime import timedelta

    from fastapi.testclient import TestClient

    ctx = replace(app.context, access=replace(app.context.access, address_failures=3))
    web = create_app(App(app.settings, ctx, app.database_url))
    with (
        TestClient(web, client=("203.0.113.7", 50000)) as sprayer,
        TestClient(web, client=("198.51.100.2", 50000)) as colleague,
    ):
        # one guess at each name: no account reaches its lock
        for name in ("olive", "rita", "nobody"):
            assert sign_in(sprayer, name, "Summer2024!").status_code == 401
        held = sign_in(sprayer, "ann", PASSWORD)  # even the right password, from there
        assert held.status_code == 429
        assert "network address" in held.context["error"]
        assert 0 < int(held.headers["Retry-After"]) <= auth.LOCKOUT.total_seconds()
        assert sign_in(colleague, "ann").status_code == 200
    with app.context.db.reader() as uow:
        logged = uow.access_log.recent(5, "nobody")
    assert [e.action for e in logged] == [auth.LOCKED]
    assert "203.0.113.7" in (logged[0].detail or "")
    # once its failures are older than the lockout, the address may try again
    later = replace(ctx, clock=lambda: app.context.clock() + auth.LOCKOUT + timedelta(seconds=5))
    with TestClient(
        create_app(App(app.settings, later, app.database_url)), client=("203.0.113.7", 1)
    ) as back:
        assert sign_in(back, "ann").status_code == 200


def auth_fail(app: App) -> None:
    try:
        auth.login(app.context, "oscar", "a wrong password!")
    except auth.LoginRefused:
        return
    raise AssertionError("a wrong password was accepted")


def _with_clock(app: App, moment: Any) -> Any:
    from dataclasses import replace

    return replace(app.context, clock=lambda: moment)


def test_a_form_without_the_session_csrf_token_is_refused(
    app: App, signed_in: Callable[..., Any]
) -> None:
    c = signed_in("officer")
    answer = c.post(
        "/reports/new", data={"force": "Kent", "reference": "X1", "reported_at": "2024-01-01T10:00"}
    )
    assert answer.status_code == 403
    answer = c.post(
        "/reports/new",
        data={
            "csrf_token": "forged",
            "force": "Kent",
            "reference": "X1",
            "reported_at": "2024-01-01T10:00",
        },
    )
    assert answer.status_code == 403
    with app.context.db.reader() as uow:
        assert uow.reports.get("Kent", "X1") is None


def test_login_form_needs_its_own_csrf_cookie(client: Any) -> None:
    answer = client.post("/login", data={"name": "olive", "password": PASSWORD, "login_csrf": "x"})
    assert answer.status_code == 403
    assert client.cookies.get("caselink_session") is None


def test_logout_ends_the_session_for_good(
    signed_in: Callable[..., Any], csrf_of: Callable[..., str]
) -> None:
    c = signed_in("officer")
    cookie = c.cookies.get("caselink_session")
    answer = c.post("/logout", data={"csrf_token": csrf_of(c)})
    assert answer.template.name == "login.html"
    c.cookies.set("caselink_session", cookie)  # replaying the old cookie does not work
    assert c.get("/").template.name == "login.html"


def test_pages_send_the_signed_out_to_login_and_back(
    client: Any, sign_in: Callable[..., Any]
) -> None:
    answer = client.get("/reports?status=crime", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Freports%3Fstatus%3Dcrime"
    page = client.get(answer.headers["location"])
    assert page.context["next"] == "/reports?status=crime"
    done = client.post(
        "/login",
        data={
            "name": "olive",
            "password": PASSWORD,
            "login_csrf": page.context["login_csrf"],
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert done.headers["location"] == "/"  # never an open redirect


def test_personal_data_waits_for_a_justification(
    store: App, signed_in: Callable[..., Any], csrf_of: Callable[..., str]
) -> None:
    c = signed_in("officer", why=None)
    answer = c.get("/reports/Kent/K1", follow_redirects=False)
    assert answer.headers["location"].startswith("/justification?next=")
    refused = c.post("/justification", data={"csrf_token": csrf_of(c), "other": "x", "next": "/"})
    assert refused.status_code == 422
    given = c.post(
        "/justification",
        data={
            "csrf_token": csrf_of(c),
            "reason": "safeguarding the complainant",
            "next": "/reports/Kent/K1",
        },
    )
    assert given.template.name == "report.html"
    with store.context.db.reader() as uow:
        entry = uow.access_log.recent(1)[0]
    assert (entry.actor, entry.reference, entry.justification) == (
        "olive",
        "K1",
        "safeguarding the complainant",
    )
