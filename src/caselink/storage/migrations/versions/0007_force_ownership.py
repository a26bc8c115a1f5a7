"""Each force owns its records: users belong to a force or a national unit, and requests to
read another force's report in full are kept with the owning force's answer; a report
transferred to another force belongs to it once its registrar accepts it.

Every user of a store made before this revision becomes national (unit "national"), so that
nothing they could do stops working on upgrade; `caselink users list` warns until an
administrator gives each their force (`caselink users move NAME --force FORCE`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The unit every earlier user is placed in until an administrator says otherwise.
EARLIER_USERS_UNIT = "national"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("force", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("unit", sa.String(length=64), nullable=True))
    users = sa.table("users", sa.column("force", sa.String()), sa.column("unit", sa.String()))
    op.get_bind().execute(
        users.update().where(users.c.force.is_(None)).values(unit=EARLIER_USERS_UNIT)
    )
    op.create_table(
        "access_grants",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("force", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_access_grants_reader", "access_grants", ["requested_by", "force", "reference"]
    )
    op.create_index("ix_access_grants_force_state", "access_grants", ["force", "state"])
    op.create_table(
        "report_owners",
        sa.Column("report_id", _ID, autoincrement=False, nullable=False),
        sa.Column("force", sa.String(length=64), nullable=False),
        sa.Column("accepted_by", sa.String(length=128), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"]),
        sa.PrimaryKeyConstraint("report_id"),
    )
    op.create_index("ix_report_owners_force", "report_owners", ["force"])


def downgrade() -> None:
    op.drop_index("ix_report_owners_force", table_name="report_owners")
    op.drop_table("report_owners")
    op.drop_index("ix_access_grants_force_state", table_name="access_grants")
    op.drop_index("ix_access_grants_reader", table_name="access_grants")
    op.drop_table("access_grants")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("unit")
        batch.drop_column("force")
