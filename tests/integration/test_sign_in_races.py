"""Racing sign-ins against the lock, on SQLite and PostgreSQL: the failure count and the lock are
one step with the decision to let a right password in, so no sign-in gets past a lock that
racing failures have set."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from caselink.bootstrap import App
from caselink.services import auth, users
from caselink.services.context import AccessPolicy, Context
from caselink.storage.sessions import SessionStore
from caselink.storage.tables import users as users_table

PASSWORD = "correct horse battery staple"  # every test user's password (tests/conftest.py)

WRONG = "a wrong password!"
ATTEMPTS = 30
RIGHT_ONE = 15  # the 16th of 30 has the right password


@pytest.fixture
def ctx(app: App) -> Context:
    """The application's context with room to check every racing password at once, as on a
    machine with many cores: the race is between the checks, not for a turn at hashing."""
    return replace(app.context, access=AccessPolicy(password_checks=ATTEMPTS))


def _attempt(ctx: Context, password: str) -> str:
    try:
        auth.login(ctx, "oscar", password)
    except auth.LoginRefused as exc:
        # Every refusal in the same words; anything else would show as a different outcome.
        return "refused" if str(exc) == auth.REFUSED else f"refused: {exc}"
    return "admitted"


def _lock_state(ctx: Context) -> tuple[int, object]:
    with ctx.db.reader() as uow:
        row = uow.connection.execute(
            select(users_table.c.failed_logins, users_table.c.locked_until).where(
                users_table.c.name == "oscar"
            )
        ).one()
    return row.failed_logins, row.locked_until


def _hold_the_right_password(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[threading.Event, threading.Event]:
    """Hold the check of the right password until released, so the wrong ones race past it."""
    checking, release = threading.Event(), threading.Event()
    real: Callable[[str, str], bool] = users.verify_password

    def held(stored_hash: str, password: str) -> bool:
        if password == PASSWORD:
            checking.set()
            release.wait(10)
        return real(stored_hash, password)

    monkeypatch.setattr(users, "verify_password", held)
    return checking, release


def test_a_right_password_checked_while_failures_lock_the_account_is_refused(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The right password arrives first and is being checked while 29 wrong ones come in and
    # reach the lock: it must not be let in on the strength of the unlocked account it saw.
    checking, release = _hold_the_right_password(monkeypatch)
    with ThreadPoolExecutor(ATTEMPTS) as pool:
        right = pool.submit(_attempt, ctx, PASSWORD)
        assert checking.wait(10)
        wrong = [pool.submit(_attempt, ctx, WRONG) for _ in range(ATTEMPTS - 1)]
        # Give the wrong ones time to answer; a sign-in that held the database while it
        # checked a password would keep them waiting until the right one is released.
        finished = len(wait(wrong, timeout=10).done)
        release.set()
        outcomes = [f.result(30) for f in wrong]
        admitted = right.result(30)
    assert finished == ATTEMPTS - 1, "wrong passwords waited for another sign-in's check"
    assert outcomes == ["refused"] * (ATTEMPTS - 1)
    assert admitted == "refused"
    _, locked_until = _lock_state(ctx)
    assert locked_until is not None


def test_thirty_parallel_sign_ins_count_every_failure_once(ctx: Context) -> None:
    # 30 at once, the 16th with the right password: whatever order the database puts them in,
    # the outcome is one a serial order gives — the right one is let in only while fewer than
    # LOCKOUT_FAILURES failures stand, and every failure before the lock is counted once.
    barrier = threading.Barrier(ATTEMPTS)

    def one(i: int) -> str:
        barrier.wait(10)
        return _attempt(ctx, PASSWORD if i == RIGHT_ONE else WRONG)

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        outcomes = list(pool.map(one, range(ATTEMPTS)))
    wrong = outcomes[:RIGHT_ONE] + outcomes[RIGHT_ONE + 1 :]
    assert wrong == ["refused"] * (ATTEMPTS - 1)
    failures, locked_until = _lock_state(ctx)
    # 29 failures: with or without a success among them, they reach the lock, which starts
    # its count afresh and ignores the failures that arrive while it holds.
    assert locked_until is not None
    assert failures == 0
    now = ctx.clock()
    assert timedelta(0) < locked_until - now <= auth.LOCKOUT  # type: ignore[operator]
    # Locked now: the right password is refused, as is an unknown name, in the same words.
    assert _attempt(ctx, PASSWORD) == "refused"
    # Each lock is written to the access log once, and there is one: the right password is let
    # in only while fewer than LOCKOUT_FAILURES failures stand (so no lock came before it), and
    # the failures after a lock neither count nor lock again.
    with ctx.db.reader() as uow:
        locks = [e for e in uow.access_log.recent(50, "oscar") if e.action == auth.LOCKED]
    assert len(locks) == 1
    assert locks[0].detail.startswith("sign-in locked after 5 failed attempts in a row, until")


def test_every_refusal_checks_one_password_and_says_the_same(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same answer and the same work (one argon2 check) for an unknown name, a wrong
    # password, a locked account and a deactivated user: nothing tells which names exist.
    checks: list[str] = []
    writes: list[str] = []
    real = users.verify_password

    def counted(stored_hash: str, password: str) -> bool:
        checks.append(password)
        return real(stored_hash, password)

    def counted_write(method: Callable[..., Any]) -> Callable[..., Any]:
        def write(store: SessionStore, name: str, *args: Any) -> Any:
            writes.append(name)
            return method(store, name, *args)

        return write

    monkeypatch.setattr(users, "verify_password", counted)
    for method in ("record_failure", "admit"):
        monkeypatch.setattr(SessionStore, method, counted_write(getattr(SessionStore, method)))
    users.deactivate_user(ctx, "ravi", by="tests")
    for _ in range(auth.LOCKOUT_FAILURES):
        _attempt(ctx, WRONG)
    answers: dict[str, str] = {}
    for case, name, password in (
        ("unknown", "nobody", PASSWORD),
        ("wrong", "olive", WRONG),
        ("locked", "oscar", PASSWORD),
        ("deactivated", "ravi", PASSWORD),
        ("nul", "ol\x00ive", PASSWORD),
    ):
        checks.clear()
        writes.clear()
        with pytest.raises(auth.LoginRefused) as refused:
            auth.login(ctx, name, password)
        answers[case] = str(refused.value)
        # One password check and one write to the users table, whatever the case.
        assert (len(checks), len(writes)) == (1, 1), case
    assert set(answers.values()) == {auth.REFUSED}


def test_thirty_racing_failures_from_many_addresses_are_each_counted_once(ctx: Context) -> None:
    # Each failure deletes the failures a window old and adds its own: racing, none may fail,
    # wait on another for good, or be lost, and the address that reaches its limit is held.
    limited = replace(ctx, access=replace(ctx.access, address_failures=10))
    barrier = threading.Barrier(ATTEMPTS)
    addresses = [("203.0.113.7" if i % 2 else f"198.51.100.{i}") for i in range(ATTEMPTS)]

    def one(i: int) -> str:
        barrier.wait(10)
        try:
            auth.login(limited, f"guess{i}", WRONG, address=addresses[i])
        except auth.LoginHeldBack:
            return "held back"
        except auth.LoginRefused:
            return "refused"
        return "admitted"

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        outcomes = list(pool.map(one, range(ATTEMPTS)))
    # each of the 15 from the one address was checked before it was held back, or refused
    # unchecked after: none was counted once it was held
    assert outcomes.count("refused") + outcomes.count("held back") == ATTEMPTS
    with limited.db.reader() as uow:
        counted = uow.sessions.address_failures("203.0.113.7", limited.clock() - timedelta(hours=1))
        others = [
            uow.sessions.address_failures(a, limited.clock() - timedelta(hours=1))
            for a in set(addresses[::2])
        ]
    held = [o for i, o in enumerate(outcomes) if i % 2 and o == "held back"]
    assert len(counted) == 15 - len(held)
    assert len(counted) >= 10
    assert [len(o) for o in others] == [1] * 15
    with pytest.raises(auth.LoginHeldBack):
        auth.login(limited, "oscar", PASSWORD, address="203.0.113.7")
