"""The sync server's first schema: facilities, devices, enrollment codes, op log, state.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facility",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("code", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_table(
        "device",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("facility_id", sa.Text, sa.ForeignKey("facility.id"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("device_number", sa.Integer, nullable=False),
        sa.Column("credential_hash", sa.Text, nullable=False),
        sa.Column("enrolled_at", sa.Text, nullable=False),
        sa.Column("revoked_at", sa.Text),
        sa.UniqueConstraint("facility_id", "device_number", name="uq_device_number"),
    )
    op.create_table(
        "enroll_code",
        sa.Column("code_hash", sa.Text, primary_key=True),
        sa.Column("facility_id", sa.Text, sa.ForeignKey("facility.id"), nullable=False),
        sa.Column("expires_at", sa.Text, nullable=False),
        sa.Column("used_at", sa.Text),
        sa.Column("used_by", sa.Text),
    )
    op.create_table(
        "op_log",
        sa.Column("facility_id", sa.Text, sa.ForeignKey("facility.id"), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("op_id", sa.Text, nullable=False, unique=True),
        sa.Column("device_id", sa.Text, nullable=False),
        sa.Column("device_seq", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("record_id", sa.Text, nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("hlc", sa.Text, nullable=False),
        sa.Column("base", sa.Text, nullable=False),
        sa.Column("user_id", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("received_at", sa.Text, nullable=False),
        sa.Column("client_hlc", sa.Text),
        sa.PrimaryKeyConstraint("facility_id", "seq", name="pk_op_log"),
    )
    op.create_table(
        "record_state",
        sa.Column("facility_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("record_id", sa.Text, nullable=False),
        sa.Column("values", sa.Text, nullable=False),
        sa.Column("stamps", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("kind", "record_id", name="pk_record_state"),
    )
    op.create_index("ix_record_state_facility_kind", "record_state", ["facility_id", "kind"])
    op.create_table(
        "conflict",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("facility_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("record_id", sa.Text, nullable=False),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("winner_value", sa.Text),
        sa.Column("winner_hlc", sa.Text, nullable=False),
        sa.Column("loser_value", sa.Text),
        sa.Column("loser_hlc", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="open"),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.UniqueConstraint("kind", "record_id", "field", "loser_hlc", name="uq_conflict_loser"),
    )
    op.create_index("ix_conflict_facility_status", "conflict", ["facility_id", "status"])


def downgrade() -> None:
    op.drop_table("conflict")
    op.drop_table("record_state")
    op.drop_table("op_log")
    op.drop_table("enroll_code")
    op.drop_table("device")
    op.drop_table("facility")
