"""printed documents: the facility's letterhead (governing body, address, phone, logo)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 14:00:00

New optional fields of `core.records.Facility`: nullable, so existing rows need no value.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COLUMNS = ("parent_name", "address", "phone", "logo")


def upgrade() -> None:
    with op.batch_alter_table("facility", schema=None) as batch_op:
        for name in _COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("facility", schema=None) as batch_op:
        for name in reversed(_COLUMNS):
            batch_op.drop_column(name)
