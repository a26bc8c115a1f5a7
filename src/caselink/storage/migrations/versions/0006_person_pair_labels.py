"""Analysts' verdicts on pairs of person records, and the pairs each run offers for review.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "person_pair_labels",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("person_id_l", _ID, nullable=False),
        sa.Column("person_id_r", _ID, nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("labelled_by", sa.String(length=128), nullable=False),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", _ID, nullable=True),
        sa.Column("match_probability", sa.Float(), nullable=True),
        sa.Column("linked", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id_l"], ["persons.id"], name=op.f("fk_person_pair_labels_person_id_l_persons")
        ),
        sa.ForeignKeyConstraint(
            ["person_id_r"], ["persons.id"], name=op.f("fk_person_pair_labels_person_id_r_persons")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["person_runs.id"], name=op.f("fk_person_pair_labels_run_id_person_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_pair_labels")),
    )
    op.create_index(
        "ix_person_pair_labels_pair", "person_pair_labels", ["person_id_l", "person_id_r"]
    )
    op.create_table(
        "person_review_pairs",
        sa.Column("run_id", _ID, autoincrement=False, nullable=False),
        sa.Column("pairs", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["person_runs.id"], name=op.f("fk_person_review_pairs_run_id_person_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_person_review_pairs")),
    )


def downgrade() -> None:
    op.drop_table("person_review_pairs")
    op.drop_index("ix_person_pair_labels_pair", table_name="person_pair_labels")
    op.drop_table("person_pair_labels")
