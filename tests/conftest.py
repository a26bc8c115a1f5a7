"""Fixtures shared by every test: databases (SQLite and PostgreSQL), the application, users."""

import os
import uuid

# Rich sizes its consoles once, when caselink.cli is first imported: make tables wide enough,
# whichever test imports it first, so no test sees its cells truncated.
os.environ.setdefault("COLUMNS", "200")
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from caselink.bootstrap import App, build
from caselink.domain.roles import Role
from caselink.services import users
from caselink.services.context import Actor, Context
from caselink.storage.engine import database_url
from caselink.storage.schema import GENESIS_HASH
from caselink.storage.tables import metadata

# Property tests check what holds, not how fast: a per-example deadline only fails them when
# the two cores are busy with other tests (seen: 294 ms against the default 200 ms).
settings.register_profile("caselink", deadline=None)
settings.load_profile("caselink")

POSTGRES_URL = os.environ.get("CASELINK_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Tests add many users; the production argon2 cost would make that the slowest part."""
    from argon2 import PasswordHasher

    original = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    users._hasher = original


def _admin_engine() -> Engine:
    return create_engine(database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh database on the PostgreSQL server for this test process; dropped at the end.

    Skipped when no server answers, except under CI=true, where PostgreSQL tests must run.
    """
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the server
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required under CI=true: {exc}")
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}: {exc}")
    name = f"caselink_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        has_schema = (
            conn.execute(text("SELECT to_regclass('public.chain_head')")).scalar() is not None
        )
        if has_schema:
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            conn.execute(
                text("INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, :h)"),
                {"h": GENESIS_HASH},
            )
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty caselink database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "caselink.db")
    url: str = request.getfixturevalue("postgres_server_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def app(database: str) -> Iterator[App]:
    application = build(database=database)
    application.initialise()
    ctx = application.context
    for name, role in (
        ("olive", Role.OFFICER),
        ("oscar", Role.OFFICER),
        ("rita", Role.REGISTRAR),
        ("ravi", Role.REGISTRAR),
        ("ann", Role.ANALYST),
        ("ian", Role.INSPECTOR),
        ("ada", Role.ADMIN),
    ):
        users.add_user(ctx, name, role, PASSWORD, by="tests")
    yield application
    ctx.db.engine.dispose()


@pytest.fixture
def ctx(app: App) -> Context:
    return app.context


@pytest.fixture
def officer(ctx: Context) -> Actor:
    return users.resolve_actor(ctx, "olive")


@pytest.fixture
def registrar(ctx: Context) -> Actor:
    return users.resolve_actor(ctx, "rita")


@pytest.fixture
def inspector(ctx: Context) -> Actor:
    return users.resolve_actor(ctx, "ian")
