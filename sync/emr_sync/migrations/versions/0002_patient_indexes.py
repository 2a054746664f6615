"""Patient indexes for CCCD links and duplicate review, and the duplicate queue.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from emr_sync.patients import rebuild_indexes

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_identity",
        sa.Column("record_id", sa.Text, primary_key=True),
        sa.Column("facility_id", sa.Text, nullable=False),
        sa.Column("cccd", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_index("ix_patient_identity_cccd", "patient_identity", ["cccd", "facility_id"])
    op.create_table(
        "patient_key",
        sa.Column("record_id", sa.Text, primary_key=True),
        sa.Column("facility_id", sa.Text, nullable=False),
        sa.Column("name_block", sa.Text, nullable=False),
        sa.Column("birth_year", sa.Integer),
    )
    op.create_index(
        "ix_patient_key_block", "patient_key", ["facility_id", "name_block", "birth_year"]
    )
    op.create_table(
        "patient_link_pair",
        sa.Column("link_id", sa.Text, primary_key=True),
        sa.Column("facility_id", sa.Text, nullable=False),
        sa.Column("replaced_id", sa.Text, nullable=False),
        sa.Column("replaced_by", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
    )
    op.create_index("ix_patient_link_pair_replaced", "patient_link_pair", ["replaced_id"])
    op.create_index("ix_patient_link_pair_survivor", "patient_link_pair", ["replaced_by"])
    op.create_table(
        "event_patient",
        sa.Column("record_id", sa.Text, primary_key=True),
        sa.Column("facility_id", sa.Text, nullable=False),
        sa.Column("patient_id", sa.Text, nullable=False),
    )
    op.create_index("ix_event_patient_patient", "event_patient", ["patient_id"])
    op.create_table(
        "duplicate_candidate",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("facility_id", sa.Text, nullable=False),
        sa.Column("a_id", sa.Text, nullable=False),
        sa.Column("b_id", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="open"),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.UniqueConstraint("a_id", "b_id", name="uq_duplicate_pair"),
    )
    op.create_index(
        "ix_duplicate_candidate_facility_status", "duplicate_candidate", ["facility_id", "status"]
    )
    # The bootstrap rule (emr_sync.authz) and the server's own device_seq look ops up by device.
    op.create_index("ix_op_log_device", "op_log", ["facility_id", "device_id", "device_seq"])
    rebuild_indexes(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_op_log_device", "op_log")
    op.drop_table("duplicate_candidate")
    op.drop_table("event_patient")
    op.drop_table("patient_link_pair")
    op.drop_table("patient_key")
    op.drop_table("patient_identity")
