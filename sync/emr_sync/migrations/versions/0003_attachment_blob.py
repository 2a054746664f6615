"""Attachment bytes: the content of attachment events, uploaded by the PCs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

`LargeBinary` is BLOB on SQLite and bytea on PostgreSQL (attachments are at most 50 MB,
far below bytea's 1 GB).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment_blob",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("facility_id", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("device_id", sa.Text, nullable=False),
        sa.Column("received_at", sa.Text, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_attachment_blob_content", "attachment_blob", ["facility_id", "sha256"])


def downgrade() -> None:
    op.drop_index("ix_attachment_blob_content", "attachment_blob")
    op.drop_table("attachment_blob")
