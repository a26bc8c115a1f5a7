"""The migrations build exactly the schema the tables declare, on both databases, and bring an
earlier store forward."""

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select, text

from caselink.bootstrap import App, build
from caselink.services import users
from caselink.storage import schema
from caselink.storage.tables import access_grants, metadata


def test_migrations_match_the_tables(app: App) -> None:
    engine = app.context.db.engine
    assert schema.current_revision(engine) == schema.head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_init_is_idempotent(app: App) -> None:
    app.initialise()
    app.initialise()
    app.require_schema()


def test_users_of_an_earlier_store_become_national_on_upgrade(database: str) -> None:
    """A store made by the schema before forces owned their records: its users keep what they
    could do (national), and say so, until an administrator gives each their force."""
    application = build(database=database)
    engine = application.context.db.engine
    cfg = schema._config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        conn.execute(
            text(
                "INSERT INTO users (name, role, password_hash, active, failed_logins, "
                "created_at, created_by) VALUES ('olive', 'officer', 'x', :t, 0, :at, 'tests')"
            ),
            {"t": True, "at": datetime(2024, 1, 1, tzinfo=UTC)},
        )
    application.initialise()
    assert schema.current_revision(engine) == schema.head_revision()
    assert str(users.resolve_actor(application.context, "olive").home) == "national: national"
    with engine.begin() as conn:  # the new table is there and usable
        conn.execute(
            insert(access_grants).values(
                requested_by="olive",
                force="Kent",
                reference="K1",
                reason="checking",
                requested_at=datetime(2024, 1, 1, tzinfo=UTC),
                state="pending",
            )
        )
        assert conn.execute(select(access_grants.c.state)).scalar_one() == "pending"
    engine.dispose()
