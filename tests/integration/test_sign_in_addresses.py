"""Failed sign-ins by network address are kept in the database, on SQLite and PostgreSQL: the
processes of one server count them together, a restart keeps them, only a window's are kept,
and an administrator can see an address held back and release it (logged)."""

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import func, inspect, select

from caselink.bootstrap import App, build
from caselink.domain.errors import InvalidValue, NotPermitted
from caselink.services import auth, sign_in_watch, users
from caselink.services.context import SIGN_IN_WINDOW, Context
from caselink.storage import schema
from caselink.storage.tables import sign_in_failures

PASSWORD = "correct horse battery staple"  # every test user's password (tests/conftest.py)
SPRAYER = "203.0.113.7"
T0 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


@pytest.fixture
def server_process(app: App) -> Iterator[Callable[..., Context]]:
    """Contexts of their own on the same database, as other server processes (or the same
    server after a restart) have, their clocks ``minutes`` after T0, holding back at 3 failures."""
    made: list[Context] = []

    def make(minutes: float = 0) -> Context:
        other = build(database=app.database_url).context
        made.append(other)
        moment = T0 + timedelta(minutes=minutes)
        return replace(
            other, clock=lambda: moment, access=replace(other.access, address_failures=3)
        )

    yield make
    for ctx in made:
        ctx.db.engine.dispose()


def fail(ctx: Context, name: str, address: str = SPRAYER) -> None:
    with pytest.raises(auth.LoginRefused):
        auth.login(ctx, name, "Summer2024!", address=address)


def stored_failures(ctx: Context) -> int:
    with ctx.db.reader() as uow:
        return int(
            uow.connection.execute(select(func.count()).select_from(sign_in_failures)).scalar_one()
        )


def test_failures_in_two_processes_add_up_and_outlive_a_restart(
    app: App, server_process: Callable[..., Context]
) -> None:
    first, second = server_process(), server_process(1)
    fail(first, "olive")
    fail(second, "rita")
    fail(first, "nobody")
    for ctx in (first, second, server_process(2)):  # the last as after a restart
        with pytest.raises(auth.LoginHeldBack) as held:
            auth.login(ctx, "ann", PASSWORD, address=SPRAYER)  # even the right password
        assert held.value.until == T0 + SIGN_IN_WINDOW
    assert auth.login(first, "ann", PASSWORD, address="198.51.100.2").actor.name == "ann"
    # once the first failure is a window old, the address may try again
    later = server_process(SIGN_IN_WINDOW.total_seconds() / 60)
    assert auth.login(later, "ann", PASSWORD, address=SPRAYER).actor.name == "ann"


def test_only_a_windows_failures_are_kept(app: App, server_process: Callable[..., Context]) -> None:
    for minute in range(5):
        fail(server_process(minute), "olive", address=f"192.0.2.{minute}")
    assert stored_failures(app.context) == 5
    fail(server_process(5 + SIGN_IN_WINDOW.total_seconds() / 60), "olive")
    assert stored_failures(app.context) == 1


def test_with_no_limit_no_failure_is_kept(app: App, server_process: Callable[..., Context]) -> None:
    ctx = server_process()
    off = replace(ctx, access=replace(ctx.access, address_failures=0))
    for _ in range(5):
        fail(off, "olive")
    assert stored_failures(app.context) == 0
    assert sign_in_watch.held_addresses(off, by="tests") == []


def test_an_administrator_sees_an_address_held_back_and_releases_it(
    app: App, server_process: Callable[..., Context]
) -> None:
    ctx = server_process(3)
    for minute in range(3):
        fail(server_process(minute), "olive")
    fail(server_process(1), "olive", address="192.0.2.9")  # one failure: not held
    ada = users.resolve_actor(ctx, "ada")
    [held] = sign_in_watch.held_addresses(ctx, ada)
    assert (held.address, held.failures) == (SPRAYER, 3)
    assert held.last_failure == T0 + timedelta(minutes=2)
    assert held.until == T0 + SIGN_IN_WINDOW

    with pytest.raises(NotPermitted):
        sign_in_watch.release_address(ctx, SPRAYER, by=users.resolve_actor(ctx, "rita"))
    assert sign_in_watch.release_address(ctx, f" {SPRAYER} ", by=ada) == 3
    assert sign_in_watch.held_addresses(ctx, ada) == []
    assert auth.login(ctx, "ann", PASSWORD, address=SPRAYER).actor.name == "ann"
    with ctx.db.reader() as uow:
        [entry] = [e for e in uow.access_log.recent(20, "ada") if e.action == users.ADMINISTER]
    assert entry.detail == f"released sign-ins from {SPRAYER} (3 failed sign-in(s))"
    # nothing to release: nothing forgotten, nothing logged
    assert sign_in_watch.release_address(ctx, SPRAYER, by=ada) == 0
    with ctx.db.reader() as uow:
        assert (
            len([e for e in uow.access_log.recent(20, "ada") if e.action == users.ADMINISTER]) == 1
        )


@pytest.mark.parametrize("address", ["", "   ", "x" * 65, "203.0.113.7\x1b[2J", "a\nb"])
def test_what_is_no_address_is_refused(app: App, address: str) -> None:
    with pytest.raises(InvalidValue, match="not a network address"):
        sign_in_watch.release_address(app.context, address, by="tests")


def test_an_address_longer_than_the_column_is_counted_by_its_start(
    app: App, server_process: Callable[..., Context]
) -> None:
    ctx = server_process()
    long = "2001:db8::1%" + "e" * 80  # only a forwarding header could give such an address
    for _ in range(3):
        fail(ctx, "olive", address=long)
    with pytest.raises(auth.LoginHeldBack):
        auth.login(ctx, "ann", PASSWORD, address=long)


def test_the_failures_table_comes_and_goes_with_its_migration(database: str) -> None:
    engine = build(database=database).context.db.engine
    config = schema._config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        command.downgrade(config, "0008")
        assert "sign_in_failures" not in inspect(conn).get_table_names()
        command.upgrade(config, "head")
        assert "sign_in_failures" in inspect(conn).get_table_names()
    engine.dispose()
