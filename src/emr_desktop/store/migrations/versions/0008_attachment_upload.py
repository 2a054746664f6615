"""attachment bytes reach the server: the local upload queue

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 21:00:00

`attachment_upload` lists the attachments whose bytes (`attachment_content`) wait to be sent
to the server (`syncclient.engine`). Until now they were never sent (and none came from
another PC), so every attachment already on this PC is queued, in the order it was saved.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment_upload",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("queued_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("event_id"),
        sqlite_autoincrement=True,
    )
    # rowid order is the order the bytes were saved in (attachment_content is a rowid table).
    op.execute(
        "INSERT INTO attachment_upload(event_id, queued_at) "
        "SELECT event_id, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') "
        "FROM attachment_content ORDER BY rowid"
    )


def downgrade() -> None:
    op.drop_table("attachment_upload")
