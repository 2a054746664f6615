"""e-prescription: the submission queue (synced) and the prescriber's interconnection code

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 20:00:00

`prescription_submission` is the table of `core.records.PrescriptionSubmission`: one row per
signed prescription on its way to the national e-prescription system, with the system's
answer. `app_user.eprescription_code` is the new optional `User.eprescription_code` (the
prescriber's interconnection code, mã liên thông bác sĩ): nullable, so existing users need
no value.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prescription_submission",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("facility_id", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("deleted_at", sa.Text(), nullable=True),
        sa.Column("patient_id", sa.Text(), nullable=False),
        sa.Column("prescription_id", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("prescriber_id", sa.Text(), nullable=False),
        sa.Column("sender_device_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("errors", sa.Text(), nullable=False),
        sa.Column("checksum", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.Text(), nullable=True),
        sa.Column("field_hlc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
    )
    with op.batch_alter_table("prescription_submission", schema=None) as batch_op:
        batch_op.create_index("ix_prescription_submission_patient_id", ["patient_id"], unique=False)
        batch_op.create_index(
            "ix_prescription_submission_prescription_id", ["prescription_id"], unique=False
        )
        batch_op.create_index(
            "ix_prescription_submission_status_next_attempt_at",
            ["status", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_prescription_submission_prescriber_id", ["prescriber_id"], unique=False
        )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("eprescription_code", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("eprescription_code")
    with op.batch_alter_table("prescription_submission", schema=None) as batch_op:
        batch_op.drop_index("ix_prescription_submission_prescriber_id")
        batch_op.drop_index("ix_prescription_submission_status_next_attempt_at")
        batch_op.drop_index("ix_prescription_submission_prescription_id")
        batch_op.drop_index("ix_prescription_submission_patient_id")
    op.drop_table("prescription_submission")
