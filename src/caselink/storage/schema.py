"""Bringing a database to the current schema with Alembic, and checking where it stands."""

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, select

from caselink.storage.tables import chain_head

GENESIS_HASH = "0" * 64


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("caselink.storage") / "migrations"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Create or migrate the schema to the newest revision and seed the event chain's head."""
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if conn.execute(select(chain_head.c.id)).first() is None:
            conn.execute(insert(chain_head).values(id=1, seq=0, hash=GENESIS_HASH))
