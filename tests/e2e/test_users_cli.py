"""`caselink users`: an administrator deactivates, unlocks, lists and revokes tokens, refuses
weak passwords; each action is in the access log. On both databases."""

import getpass
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from caselink.bootstrap import build
from caselink.services import auth
from caselink.storage.tables import access_log, users

runner = CliRunner()
PASSWORD = "correct horse battery staple\n"


@pytest.fixture
def cli(database: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run caselink against a fresh database with an analyst; returns (exit code, output)."""
    from caselink.cli.app import app

    def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
        result = runner.invoke(app, [*args], input=stdin, env={"CASELINK_DATABASE_URL": database})
        return result.exit_code, result.output

    assert run("init")[0] == 0
    added = run(
        "users",
        "add",
        "ann",
        "--role",
        "analyst",
        "--national",
        "SCAS",
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert added[0] == 0
    run.database = database  # type: ignore[attr-defined]
    return run


def _administered(database: str) -> list[tuple[str, str]]:
    application = build(database=database)
    with application.context.db.reader() as uow:
        rows = uow.connection.execute(
            select(access_log.c.actor, access_log.c.detail)
            .where(access_log.c.action == "administer")
            .order_by(access_log.c.id)
        ).all()
    application.context.db.engine.dispose()
    return [(r.actor, r.detail) for r in rows]


@pytest.mark.parametrize("password", ["password1234", "   \t        ", "qwertyuiop12"])
def test_weak_and_blank_passwords_are_refused(cli, password: str) -> None:  # type: ignore[no-untyped-def]
    add = ("users", "add", "olive", "--role", "officer", "--force", "Kent", "--password-stdin")
    code, out = cli(*add, "--json", stdin=password + "\n")
    assert code == 1
    assert "password" in json.loads(out)["error"]
    code, out = cli("users", "list", "--json")
    assert [u["user"] for u in json.loads(out)] == ["ann"]


def test_tokens_are_listed_revoked_and_expire(cli) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("users", "token", "ann", "--label", "notebook", "--days", "7", "--json")
    assert code == 0, out
    issued = json.loads(out)
    lives = datetime.fromisoformat(issued["expires_at"]) - datetime.now(UTC)
    assert timedelta(days=7) - timedelta(minutes=5) < lives <= timedelta(days=7)
    code, out = cli("users", "tokens", "--json")
    assert code == 0
    [listed] = json.loads(out)
    assert (listed["id"], listed["user"], listed["label"], listed["state"]) == (
        issued["id"],
        "ann",
        "notebook",
        "live",
    )
    assert listed["expires_at"] == issued["expires_at"]
    assert "token" not in listed
    assert cli("users", "token", "ann", "--days", "400")[0] == 1
    code, out = cli("users", "revoke-token", str(issued["id"]), "--json")
    assert code == 0, out
    assert json.loads(cli("users", "tokens", "ann", "--json")[1])[0]["state"] == "revoked"
    code, out = cli("users", "revoke-token", str(issued["id"]))
    assert code == 1
    assert "revoked already" in out
    assert cli("users", "revoke-token", "999")[0] == 1
    application = build(database=cli.database)
    assert auth.token_actor(application.context, issued["token"]) is None
    application.context.db.engine.dispose()


def test_deactivate_and_unlock(cli) -> None:  # type: ignore[no-untyped-def]
    application = build(database=cli.database)
    ctx = application.context
    token = auth.issue_token(ctx, "ann", by="tests").token
    for _ in range(auth.LOCKOUT_FAILURES):
        with pytest.raises(auth.LoginRefused):
            auth.login(ctx, "ann", "a wrong password!")
    with pytest.raises(auth.LoginRefused):
        auth.login(ctx, "ann", PASSWORD.strip())  # locked
    [listed] = json.loads(cli("users", "list", "--json")[1])
    assert listed["locked_until"] is not None
    assert "locked until" in cli("users", "list")[1]
    code, out = cli("users", "unlock", "ann", "--json")
    assert (code, json.loads(out)) == (0, {"user": "ann", "unlocked": True})
    with ctx.db.reader() as uow:
        row = uow.connection.execute(
            select(users.c.failed_logins, users.c.locked_until).where(users.c.name == "ann")
        ).one()
    assert (row.failed_logins, row.locked_until) == (0, None)
    assert auth.login(ctx, "ann", PASSWORD.strip()).actor.name == "ann"
    assert cli("users", "unlock", "ann")[1].strip() == "user ann was not locked"
    assert json.loads(cli("users", "list", "--json")[1])[0]["locked_until"] is None
    code, out = cli("users", "deactivate", "ann", "--json")
    assert code == 0, out
    assert json.loads(out) == {
        "user": "ann",
        "active": False,
        "sessions_ended": 1,
        "tokens_revoked": 1,
    }
    assert auth.token_actor(ctx, token) is None
    with pytest.raises(auth.LoginRefused):
        auth.login(ctx, "ann", PASSWORD.strip())
    code, out = cli("users", "deactivate", "ann")
    assert code == 1
    assert "deactivated already" in out
    assert cli("users", "deactivate", "nobody")[0] == 1
    code, out = cli("report", "show", "Kent", "K1", "--user", "ann", "--why", "checking it")
    assert code == 1
    assert "deactivated" in out
    ctx.db.engine.dispose()
    me = getpass.getuser()
    done = _administered(cli.database)
    assert [actor for actor, _ in done] == [me, "tests", me, me]
    assert done[1][1].startswith("issued API token 1 to ann, expiring ")
    assert [detail for _, detail in done[::2] + done[3:]] == [
        "added user ann as analyst of national: SCAS",
        "unlocked user ann",
        "deactivated user ann; ended 1 session(s) and 1 API token(s)",
    ]


def test_an_address_held_back_is_listed_and_released(cli) -> None:  # type: ignore[no-untyped-def]
    application = build(database=cli.database)
    ctx = application.context
    assert cli("users", "held-addresses")[1].strip() == "no address is held back"
    for _ in range(ctx.access.address_failures):
        with pytest.raises(auth.LoginRefused):
            auth.login(ctx, "nobody", "Summer2024!", address="203.0.113.7")
    with pytest.raises(auth.LoginHeldBack):
        auth.login(ctx, "ann", PASSWORD.strip(), address="203.0.113.7")
    code, out = cli("users", "held-addresses", "--json")
    assert code == 0, out
    [held] = json.loads(out)
    assert (held["address"], held["failed_sign_ins"]) == ("203.0.113.7", 30)
    assert "203.0.113.7" in cli("users", "held-addresses")[1]
    code, out = cli("users", "release-address", "203.0.113.7", "--json")
    assert (code, json.loads(out)) == (0, {"address": "203.0.113.7", "failures_forgotten": 30})
    assert auth.login(ctx, "ann", PASSWORD.strip(), address="203.0.113.7").actor.name == "ann"
    assert cli("users", "release-address", "203.0.113.7")[1].strip() == (
        "no failed sign-in from 203.0.113.7 to forget"
    )
    code, out = cli("users", "release-address", "203.0.113.7\x1b[2J")
    assert code == 1
    assert "not a network address" in out
    ctx.db.engine.dispose()
    assert _administered(cli.database)[-1] == (
        getpass.getuser(),
        "released sign-ins from 203.0.113.7 (30 failed sign-in(s))",
    )
