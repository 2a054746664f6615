"""ward board: find a department's current stays without reading every encounter

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_encounter_department_id_status", "encounter", ["department_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_encounter_department_id_status", table_name="encounter")
