"""Migration 0005 on a store with tokens issued before tokens expired: each is given the default
lifetime from when it was issued, so an old token stops working on its own. Both databases."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import insert, select, text

from caselink.bootstrap import build
from caselink.services import auth
from caselink.storage import schema
from caselink.storage.tables import api_tokens, users


def test_tokens_from_before_expiry_get_the_default_lifetime(database: str) -> None:
    application = build(database=database)
    engine = application.context.db.engine
    config = schema._config()
    issued = datetime(2026, 1, 1, 12, tzinfo=UTC)
    token = auth.TOKEN_PREFIX + "issued-before-expiry"
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        # Down from the current schema (a reused PostgreSQL database is at head) to 0004.
        command.upgrade(config, "head")
        command.downgrade(config, "0004")
        conn.execute(
            insert(users).values(
                name="ann",
                role="analyst",
                password_hash="x",
                active=True,
                failed_logins=0,
                created_at=issued,
                created_by="tests",
            )
        )
        # Written as 0004 knew the table, without an expiry; SQLite keeps naive UTC text.
        at = issued if engine.dialect.name == "postgresql" else "2026-01-01 12:00:00.000000"
        conn.execute(
            text(
                "INSERT INTO api_tokens (token_hash, user_name, created_at) VALUES (:h, 'ann', :t)"
            ),
            {"h": auth.digest(token), "t": at},
        )
        command.upgrade(config, "head")
    with engine.connect() as conn:
        expires = conn.execute(select(api_tokens.c.expires_at)).scalar_one()
    assert expires == issued + timedelta(days=90)
    ctx = application.context
    before = replace(ctx, clock=lambda: issued + timedelta(days=89))
    after = replace(ctx, clock=lambda: issued + timedelta(days=90, seconds=1))
    assert auth.token_actor(before, token) is not None
    assert auth.token_actor(after, token) is None
    engine.dispose()
