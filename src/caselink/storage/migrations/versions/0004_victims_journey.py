"""The victim's journey: its steps, each report's milestones, the Victims' Code duties, and
the outcomes police.uk publishes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "journey_steps",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("report_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("source_digest", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_journey_steps_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_steps")),
    )
    op.create_index("ix_journey_steps_report_at", "journey_steps", ["report_id", "at"])
    op.create_index("ix_journey_steps_kind_report", "journey_steps", ["kind", "report_id"])
    op.create_table(
        "journey_milestones",
        sa.Column("report_id", _ID, autoincrement=False, nullable=False),
        sa.Column("attended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trained_officer", sa.Boolean(), nullable=True),
        sa.Column("sarc_answer", sa.String(length=16), nullable=True),
        sa.Column("isva_answer", sa.String(length=16), nullable=True),
        sa.Column("suspect_identified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cps_referred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("charged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verdict", sa.String(length=32), nullable=True),
        sa.Column("verdict_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updates_declined", sa.Boolean(), nullable=False),
        sa.Column("police_uk_outcome", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_journey_milestones_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_journey_milestones")),
    )
    op.create_table(
        "victim_duties",
        sa.Column("report_id", _ID, nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("told_how", sa.String(length=32), nullable=True),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_victim_duties_report_id_reports")
        ),
        sa.UniqueConstraint(
            "report_id",
            "decision",
            "decided_at",
            name=op.f("uq_victim_duties_report_id_decision_decided_at"),
        ),
    )
    op.create_index("ix_victim_duties_open_due", "victim_duties", ["told_at", "due_at"])
    op.create_table(
        "police_uk_outcomes",
        sa.Column("report_id", _ID, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("outcome", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_police_uk_outcomes_report_id_reports")
        ),
        sa.UniqueConstraint(
            "report_id",
            "month",
            "outcome",
            name=op.f("uq_police_uk_outcomes_report_id_month_outcome"),
        ),
    )


def downgrade() -> None:
    op.drop_table("police_uk_outcomes")
    op.drop_index("ix_victim_duties_open_due", table_name="victim_duties")
    op.drop_table("victim_duties")
    op.drop_table("journey_milestones")
    op.drop_index("ix_journey_steps_kind_report", table_name="journey_steps")
    op.drop_index("ix_journey_steps_report_at", table_name="journey_steps")
    op.drop_table("journey_steps")
