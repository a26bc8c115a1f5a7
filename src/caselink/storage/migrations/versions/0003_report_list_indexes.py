"""Report indexes that serve the filtered report list in order and count write-offs by force
from the index alone.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_reports_status_force", table_name="reports")
    op.drop_index("ix_reports_offence_code", table_name="reports")
    op.create_index(
        "ix_reports_status_force_reported", "reports", ["status", "force", "reported_at"]
    )
    op.create_index("ix_reports_force_reported", "reports", ["force", "reported_at"])
    op.create_index(
        "ix_reports_offence_reported",
        "reports",
        ["offence_code", "reported_at", "force", "status"],
    )


def downgrade() -> None:
    op.drop_index("ix_reports_offence_reported", table_name="reports")
    op.drop_index("ix_reports_force_reported", table_name="reports")
    op.drop_index("ix_reports_status_force_reported", table_name="reports")
    op.create_index("ix_reports_offence_code", "reports", ["offence_code"])
    op.create_index("ix_reports_status_force", "reports", ["status", "force"])
