"""The migrations build exactly the schema the tables declare, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from caselink.bootstrap import App
from caselink.storage import schema
from caselink.storage.tables import metadata


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
