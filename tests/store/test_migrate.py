"""Migrations run on open, after an automatic encrypted backup."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

from emr_desktop.store import migrate
from emr_desktop.store.store import Store

NEXT_REVISION = """
from alembic import op
import sqlalchemy as sa

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("patient", sa.Column("nickname", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("patient", "nickname")
"""


def test_new_store_is_at_head(store: Store) -> None:
    assert migrate.current_revision(store.engine) == migrate.head_revision()


def test_open_backs_up_then_migrates(
    store: Store, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.close()
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts)
    head = migrate.head_revision()
    (scripts / "versions" / "9001_nickname.py").write_text(NEXT_REVISION.format(head=head))
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    reopened = Store.open(data_dir)
    assert migrate.current_revision(reopened.engine) == "9001"
    with reopened.engine.connect() as conn:
        columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(patient)")]
    assert "nickname" in columns
    reopened.close()
    backups = list((data_dir / "backups").glob(f"pre-migration-{head}-*.emrbak"))
    assert len(backups) == 1
    with tarfile.open(backups[0]) as tar:
        assert sorted(tar.getnames()) == ["emr.db", "recovery.db", "store.json"]
    restored = Store.restore(tmp_path / "restored", backups[0])
    assert migrate.current_revision(restored.engine) == "9001"
    restored.close()
