"""Web sessions, API tokens, integrity audits, offence linkage and person resolution.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:07:52.673489
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "api_tokens",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "audit_samples",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_samples")),
    )
    op.create_table(
        "link_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("model_family", sa.String(length=64), nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("model_spec", sa.Text(), nullable=True),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_runs")),
    )
    op.create_table(
        "person_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_runs")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_web_sessions_user_name", ["user_name"], unique=False)

    op.create_table(
        "audit_items",
        sa.Column(
            "sample_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "report_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("stratum", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_audit_items_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["audit_samples.id"], name=op.f("fk_audit_items_sample_id_audit_samples")
        ),
        sa.UniqueConstraint(
            "sample_id", "report_id", name=op.f("uq_audit_items_sample_id_report_id")
        ),
    )
    op.create_table(
        "audit_verdicts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "sample_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "report_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_audit_verdicts_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["audit_samples.id"],
            name=op.f("fk_audit_verdicts_sample_id_audit_samples"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_verdicts")),
    )
    with op.batch_alter_table("audit_verdicts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_verdicts_sample_report", ["sample_id", "report_id"], unique=False
        )

    op.create_table(
        "link_feedback",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "report_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("other_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_id"], ["reports.id"], name=op.f("fk_link_feedback_other_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_link_feedback_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_feedback")),
    )
    with op.batch_alter_table("link_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_link_feedback_report", ["report_id"], unique=False)

    op.create_table(
        "link_series",
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column(
            "report_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_link_series_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["link_runs.id"], name=op.f("fk_link_series_run_id_link_runs")
        ),
    )
    with op.batch_alter_table("link_series", schema=None) as batch_op:
        batch_op.create_index("ix_link_series_report", ["report_id"], unique=False)
        batch_op.create_index("ix_link_series_run_series", ["run_id", "series_id"], unique=False)

    op.create_table(
        "report_links",
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "report_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("other_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("components", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_id"], ["reports.id"], name=op.f("fk_report_links_other_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_links_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["link_runs.id"], name=op.f("fk_report_links_run_id_link_runs")
        ),
    )
    with op.batch_alter_table("report_links", schema=None) as batch_op:
        batch_op.create_index("ix_report_links_run_report", ["run_id", "report_id"], unique=False)

    op.create_table(
        "person_entities",
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_entities_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["person_runs.id"], name=op.f("fk_person_entities_run_id_person_runs")
        ),
    )
    with op.batch_alter_table("person_entities", schema=None) as batch_op:
        batch_op.create_index("ix_person_entities_person", ["person_id"], unique=False)
        batch_op.create_index(
            "ix_person_entities_run_entity", ["run_id", "entity_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("person_entities", schema=None) as batch_op:
        batch_op.drop_index("ix_person_entities_run_entity")
        batch_op.drop_index("ix_person_entities_person")

    op.drop_table("person_entities")
    with op.batch_alter_table("report_links", schema=None) as batch_op:
        batch_op.drop_index("ix_report_links_run_report")

    op.drop_table("report_links")
    with op.batch_alter_table("link_series", schema=None) as batch_op:
        batch_op.drop_index("ix_link_series_run_series")
        batch_op.drop_index("ix_link_series_report")

    op.drop_table("link_series")
    with op.batch_alter_table("link_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_link_feedback_report")

    op.drop_table("link_feedback")
    with op.batch_alter_table("audit_verdicts", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_verdicts_sample_report")

    op.drop_table("audit_verdicts")
    op.drop_table("audit_items")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_web_sessions_user_name")

    op.drop_table("web_sessions")
    op.drop_table("person_runs")
    op.drop_table("link_runs")
    op.drop_table("audit_samples")
    op.drop_table("api_tokens")
