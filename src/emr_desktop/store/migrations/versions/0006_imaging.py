"""imaging: the study record (synced) and the DICOM instances held on this PC (local)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 18:00:00

`imaging_study` is the table of `core.records.ImagingStudy`; `imaging_instance` keeps the
DICOM bytes inside the encrypted store (imported from media, or cached from the PACS).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imaging_study",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("facility_id", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("deleted_at", sa.Text(), nullable=True),
        sa.Column("patient_id", sa.Text(), nullable=False),
        sa.Column("study_instance_uid", sa.Text(), nullable=False),
        sa.Column("study_at", sa.Text(), nullable=True),
        sa.Column("modalities", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("accession_number", sa.Text(), nullable=True),
        sa.Column("order_id", sa.Text(), nullable=True),
        sa.Column("series", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("held_on_device", sa.Text(), nullable=True),
        sa.Column("source_patient_id", sa.Text(), nullable=True),
        sa.Column("source_patient_name", sa.Text(), nullable=True),
        sa.Column("field_hlc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
    )
    with op.batch_alter_table("imaging_study", schema=None) as batch_op:
        batch_op.create_index("ix_imaging_study_patient_id", ["patient_id"], unique=False)
        batch_op.create_index(
            "ix_imaging_study_study_instance_uid", ["study_instance_uid"], unique=False
        )

    op.create_table(
        "imaging_instance",
        sa.Column("sop_instance_uid", sa.Text(), nullable=False),
        sa.Column("study_instance_uid", sa.Text(), nullable=False),
        sa.Column("series_instance_uid", sa.Text(), nullable=False),
        sa.Column("patient_id", sa.Text(), nullable=False),
        sa.Column("instance_number", sa.Integer(), nullable=True),
        sa.Column("image_position", sa.Text(), nullable=True),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.Text(), nullable=False),
        sa.Column("last_viewed_at", sa.Text(), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("sop_instance_uid"),
    )
    with op.batch_alter_table("imaging_instance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_imaging_instance_series",
            ["study_instance_uid", "series_instance_uid"],
            unique=False,
        )
        batch_op.create_index(
            "ix_imaging_instance_cache", ["source", "last_viewed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("imaging_instance", schema=None) as batch_op:
        batch_op.drop_index("ix_imaging_instance_cache")
        batch_op.drop_index("ix_imaging_instance_series")
    op.drop_table("imaging_instance")
    with op.batch_alter_table("imaging_study", schema=None) as batch_op:
        batch_op.drop_index("ix_imaging_study_study_instance_uid")
        batch_op.drop_index("ix_imaging_study_patient_id")
    op.drop_table("imaging_study")
