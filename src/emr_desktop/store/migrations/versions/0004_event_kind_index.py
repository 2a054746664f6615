"""booth worklist: find today's events of one kind without reading the whole chart table

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 13:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_clinical_event_kind", "clinical_event", ["kind", "effective_at"])


def downgrade() -> None:
    op.drop_index("ix_clinical_event_kind", table_name="clinical_event")
