"""The person records each person resolution run read, as ranges of ids, so that a record that
stood alone needs no entity row of its own.

Runs made before this revision stored a row for every record they read: their ranges are the
runs of consecutive ids among those rows, and their rows stay as they are.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "person_run_records",
        sa.Column("run_id", _ID, nullable=False),
        sa.Column("first_id", _ID, nullable=False),
        sa.Column("last_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["person_runs.id"], name=op.f("fk_person_run_records_run_id_person_runs")
        ),
    )
    op.create_index("ix_person_run_records_run", "person_run_records", ["run_id", "first_id"])
    # Consecutive ids share id - row_number(): each such island is one range.
    op.execute(
        """
        INSERT INTO person_run_records (run_id, first_id, last_id)
        SELECT run_id, min(person_id), max(person_id)
        FROM (
            SELECT run_id, person_id,
                person_id - row_number() OVER (PARTITION BY run_id ORDER BY person_id) AS island
            FROM (SELECT DISTINCT run_id, person_id FROM person_entities) AS covered
        ) AS numbered
        GROUP BY run_id, island
        """
    )


def downgrade() -> None:
    # Back to a row for every record a run read: the records that stood alone get theirs.
    op.execute(
        """
        INSERT INTO person_entities (run_id, person_id, entity_id, match_probability)
        SELECT c.run_id, p.id, 'P' || CAST(p.id AS VARCHAR(20)), NULL
        FROM person_run_records c JOIN persons p ON p.id BETWEEN c.first_id AND c.last_id
        WHERE NOT EXISTS (
            SELECT 1 FROM person_entities e WHERE e.run_id = c.run_id AND e.person_id = p.id
        )
        """
    )
    op.drop_index("ix_person_run_records_run", table_name="person_run_records")
    op.drop_table("person_run_records")
