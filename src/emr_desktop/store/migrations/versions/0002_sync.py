"""sync: the local conflict review queue

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:00:00

The pull cursor, the server address and the last clock skew live in `meta`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conflict",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("winner_value", sa.Text(), nullable=False),
        sa.Column("winner_hlc", sa.Text(), nullable=False),
        sa.Column("loser_value", sa.Text(), nullable=False),
        sa.Column("loser_hlc", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "record_id", "field", "loser_hlc"),
    )
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.create_index("ix_conflict_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.drop_index("ix_conflict_status")
    op.drop_table("conflict")
