"""The PCs' audit rows on the server, and the forks of restored PCs' chains.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_row",
        sa.Column("device_id", sa.Text, nullable=False),
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("facility_id", sa.Text, nullable=False),
        sa.Column("branch", sa.Integer, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("user_id", sa.Text),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("target_kind", sa.Text),
        sa.Column("target_id", sa.Text),
        sa.Column("patient_id", sa.Text),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.Column("received_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("device_id", "id", name="pk_audit_row"),
    )
    op.create_index("ix_audit_row_chain", "audit_row", ["device_id", "branch", "seq"])
    op.create_index("ix_audit_row_hash", "audit_row", ["device_id", "hash"])
    op.create_index("ix_audit_row_patient", "audit_row", ["patient_id"])
    op.create_table(
        "audit_fork",
        sa.Column("device_id", sa.Text, nullable=False),
        sa.Column("branch", sa.Integer, nullable=False),
        sa.Column("restored_from", sa.Text, nullable=False),
        sa.Column("fork_hash", sa.Text, nullable=False),
        sa.Column("first_row_id", sa.Text, nullable=False),
        sa.Column("abandoned_hash", sa.Text, nullable=False),
        sa.Column("received_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("device_id", "branch", name="pk_audit_fork"),
    )


def downgrade() -> None:
    op.drop_table("audit_fork")
    op.drop_index("ix_audit_row_patient", "audit_row")
    op.drop_index("ix_audit_row_hash", "audit_row")
    op.drop_index("ix_audit_row_chain", "audit_row")
    op.drop_table("audit_row")
