"""Sign-in and API tokens: every token expires, and a user's tokens are found by their name.

Tokens issued before this revision had no expiry; they are given the default lifetime (90
days) from when they were issued, so an old token stops working on its own as a new one would.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 11:00:00
"""

from collections.abc import Sequence
from datetime import UTC, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The lifetime of a token issued before expiry existed: the default of CASELINK_TOKEN_DAYS.
_EARLIER_TOKENS_LIVE = timedelta(days=90)


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_api_tokens_user_name", "api_tokens", ["user_name"])
    tokens = sa.table(
        "api_tokens",
        sa.column("id", sa.Integer()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    rows = conn.execute(
        sa.select(tokens.c.id, tokens.c.created_at).where(tokens.c.expires_at.is_(None))
    ).all()
    for token_id, created_at in rows:
        # SQLite keeps naive UTC (see tables.UtcDateTime); PostgreSQL gives aware times back.
        created = created_at.replace(tzinfo=UTC) if created_at.tzinfo is None else created_at
        expires = created.astimezone(UTC) + _EARLIER_TOKENS_LIVE
        conn.execute(
            sa.update(tokens)
            .where(tokens.c.id == token_id)
            .values(expires_at=expires.replace(tzinfo=None) if sqlite else expires)
        )


def downgrade() -> None:
    op.drop_index("ix_api_tokens_user_name", table_name="api_tokens")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
